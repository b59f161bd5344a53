"""What an estimate is asked: the archetype and its drivers, validated, with readable errors.

Every numeric driver is an :data:`~usecases.estimates.uncertain.Uncertain` value (a number, a
range or a distribution). Which drivers matter depends on the archetype:

- all: ``requests_per_day``, ``days_per_year``, ``users`` (seats), ``oversight``,
  ``expected_annual_benefit``, ``budget_ceiling``, ``skills_in_house``;
- Taker and Shaper (API use): ``input_tokens``, ``output_tokens``,
  ``price_per_million_input_tokens``, ``price_per_million_output_tokens``
  (the caller resolves a register ``model`` into prices);
- Shaper: ``integration_complexity``, ``corpus_tokens`` or ``corpus_documents``,
  ``fine_tuning_gpu_hours``, ``gpu``, ``gpu_hourly_price``;
- Maker: ``parameters``, ``training_tokens`` (default 20 x parameters), ``gpu``,
  ``gpu_hourly_price``, ``utilization``, ``cluster_gpus``; ``input_tokens`` and
  ``output_tokens`` size the serving.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from usecases.estimates.assumptions import Archetype, Complexity, Oversight
from usecases.estimates.uncertain import TAGS, Bounds, Uncertain, support

__all__ = ["BOUNDS", "EstimateInput", "Skills", "describe_validation_error"]

Skills = Literal["none", "some", "strong"]

_NON_NEGATIVE = Bounds()
_POSITIVE = Bounds(above=True)
# Where each numeric driver may lie; ranges and distributions are checked at their ends.
BOUNDS: dict[str, Bounds] = {
    "requests_per_day": _NON_NEGATIVE,
    "days_per_year": Bounds(maximum=366),
    "input_tokens": _NON_NEGATIVE,
    "output_tokens": _NON_NEGATIVE,
    "price_per_million_input_tokens": _NON_NEGATIVE,
    "price_per_million_output_tokens": _NON_NEGATIVE,
    "users": _NON_NEGATIVE,
    "corpus_tokens": _NON_NEGATIVE,
    "corpus_documents": _NON_NEGATIVE,
    "fine_tuning_gpu_hours": _NON_NEGATIVE,
    "parameters": _POSITIVE,
    "training_tokens": _POSITIVE,
    "gpu_hourly_price": _NON_NEGATIVE,
    "utilization": Bounds(above=True, maximum=1),
    "cluster_gpus": Bounds(minimum=1),
    "expected_annual_benefit": _NON_NEGATIVE,
}


class EstimateInput(BaseModel):
    """One estimate's question. Strict: unknown keys are refused, numbers must be numbers."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    archetype: Archetype
    model: str | None = Field(
        default=None, description="Register slug; resolved into prices before the engine runs."
    )
    requests_per_day: Uncertain = 0.0
    days_per_year: Uncertain = 365.0
    input_tokens: Uncertain = Field(default=0.0, description="Tokens sent per request.")
    output_tokens: Uncertain = Field(default=0.0, description="Tokens generated per request.")
    price_per_million_input_tokens: Uncertain | None = None
    price_per_million_output_tokens: Uncertain | None = None
    users: Uncertain = Field(default=0.0, description="Seats that need a licence.")
    oversight: Oversight = "spot_checks"
    integration_complexity: Complexity = "medium"
    corpus_tokens: Uncertain | None = None
    corpus_documents: Uncertain | None = None
    fine_tuning_gpu_hours: Uncertain | None = None
    parameters: Uncertain | None = None
    training_tokens: Uncertain | None = Field(default=None, description="Default 20 x parameters.")
    gpu: str | None = Field(default=None, description="A GPU of the assumptions' catalogue.")
    gpu_hourly_price: Uncertain | None = Field(
        default=None, description="Overrides the catalogue's hourly price of the GPU."
    )
    utilization: Uncertain | None = Field(
        default=None, description="Model FLOPs utilisation in (0, 1]; default from assumptions."
    )
    cluster_gpus: Uncertain | None = None
    expected_annual_benefit: Uncertain | None = Field(default=None, description="USD per year.")
    budget_ceiling: Annotated[float, Field(ge=0)] | None = Field(
        default=None, description="USD for the one-time cost plus the first year."
    )
    skills_in_house: Skills | None = None

    @field_validator(*BOUNDS)
    @classmethod
    def _within_bounds(cls, value: object, info: ValidationInfo) -> object:
        if value is None:
            return value
        bounds = BOUNDS[str(info.field_name)]
        for point in support(value):  # type: ignore[arg-type]
            problem = bounds.describe_violation(point)
            if problem:
                raise PydanticCustomError("out_of_bounds", problem)
        return value

    @model_validator(mode="after")
    def _drivers_present(self) -> EstimateInput:
        if self.archetype == "maker" and self.parameters is None:
            raise PydanticCustomError("missing_driver", "parameters: required for a maker estimate")
        calls_api = self.archetype != "maker" and max(support(self.requests_per_day)) > 0
        if calls_api:
            for name in ("price_per_million_input_tokens", "price_per_million_output_tokens"):
                if getattr(self, name) is None:
                    raise PydanticCustomError(
                        "missing_driver",
                        "{name}: required when requests_per_day is above 0 "
                        "(give the price, or a register model that has one)",
                        {"name": name},
                    )
        if self.corpus_tokens is not None and self.corpus_documents is not None:
            raise PydanticCustomError(
                "conflicting_drivers",
                "corpus_documents: give corpus_tokens or corpus_documents, not both",
            )
        return self


def describe_validation_error(error: ValidationError) -> str:
    """One line per problem, each starting with the field it is about: ``field: what is wrong``."""
    lines = []
    for detail in error.errors():
        location = ".".join(str(part) for part in detail["loc"] if part not in TAGS)
        message = detail["msg"]
        if detail["type"] == "union_tag_invalid":
            message = "distribution must be one of: lognormal, normal, triangular, uniform"
        message = message.removeprefix("Value error, ")
        message = message.replace("Input should be", "must be", 1)
        message = message.replace("Extra inputs are not permitted", "is not a known input")
        message = message.replace("Field required", "is required")
        lines.append(f"{location}: {message}" if location else message)
    return "\n".join(lines)
