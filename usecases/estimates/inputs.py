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

from portal.boundary import described_text
from usecases.estimates.assumptions import Archetype, Complexity, Oversight
from usecases.estimates.uncertain import TAGS, Bounds, Uncertain, support

__all__ = [
    "BOUNDS",
    "MAX_MONEY",
    "EstimateInput",
    "ReviewBy",
    "Skills",
    "driver_location",
    "inputs_problems",
]

Skills = Literal["none", "some", "strong"]
# Who reviews an output before it is used: the user, their own draft (part of the work: netted
# out of the time saved); a separate team, for a share of outputs (a cost at that team's rate);
# nobody.
ReviewBy = Literal["own_draft", "separate_team", "nobody"]

# Where each numeric driver may lie; ranges and distributions are checked at their ends. The
# one place for these bounds: the form, the API and the command all validate through this model.
# Upper bounds are what a person would still accept as a real case (ten times the largest known
# of its kind); anything beyond is a typo or an attack, and refused with the field's name.
BOUNDS: dict[str, Bounds] = {
    # Ten million a day is a large consumer chat service's order of magnitude, times ten.
    "requests_per_day": Bounds(maximum=100_000_000),
    "days_per_year": Bounds(maximum=366),
    # Context windows reach 1-2 million tokens (Gemini 1.5); outputs a few tens of thousands.
    "input_tokens": Bounds(maximum=2_000_000),
    "output_tokens": Bounds(maximum=200_000),
    # The dearest list prices are a few hundred USD per million tokens (o1-pro output, $600).
    "price_per_million_input_tokens": Bounds(maximum=1_000),
    "price_per_million_output_tokens": Bounds(maximum=1_000),
    # The largest employers have about two million staff.
    "users": Bounds(maximum=10_000_000),
    "corpus_tokens": Bounds(maximum=1e13),
    "corpus_documents": Bounds(maximum=1e9),
    "fine_tuning_gpu_hours": Bounds(maximum=10_000_000),
    # The largest dense models published are ~1e12 parameters, trained on ~1.5e13 tokens.
    "parameters": Bounds(above=True, maximum=1e13),
    "training_tokens": Bounds(above=True, maximum=1e15),
    "gpu_hourly_price": Bounds(maximum=100),
    "utilization": Bounds(above=True, maximum=1),
    "cluster_gpus": Bounds(minimum=1, maximum=1_000_000),
    "expected_annual_benefit": Bounds(maximum=1e11),
    # Requests sent to an API (customers' conversations; employees' uses when the tool is not a
    # seat licence). Absent: all of requests_per_day.
    "api_requests_per_day": Bounds(maximum=100_000_000),
    # The chosen register tool's price per seat a month (Copilot $30, ChatGPT Business $25...).
    "seat_price_monthly": Bounds(maximum=10_000),
    "review_share": Bounds(maximum=1),
    "review_minutes_per_output": Bounds(maximum=600),
    "reviewer_hourly_cost": Bounds(maximum=10_000),
    "user_hourly_cost": Bounds(maximum=10_000),
    # Ten million users saving two hours a working day; negative is time lost (the published
    # evidence for some tasks includes a slowdown: usecases.estimates.assumptions.TASK_EVIDENCE).
    "hours_saved_per_year": Bounds(minimum=-1e10, maximum=1e10),
    "revenue_per_year": Bounds(maximum=1e11),
    "revenue_confidence": Bounds(maximum=1),
    # Software-engineer weeks to integrate, from the intake's integration facts (ten years).
    "integration_person_weeks": Bounds(maximum=520),
    # People added to the run team for the users' and the volume's support.
    "support_fte": Bounds(maximum=1_000),
    # Share of the archetype's standard run team a case this size needs (0-1).
    "run_team_scale": Bounds(maximum=1),
    # The users' own hours in training, all of them together (ten million users x 100 h).
    "training_hours": Bounds(maximum=1e9),
    # Rollout support (champions, guidance, help desk) that grows with the users, person-weeks.
    "rollout_person_weeks": Bounds(maximum=1e6),
}
# Money the company states (a budget ceiling): up to USD 100 billion.
MAX_MONEY = 1e11


class EstimateInput(BaseModel):
    """One estimate's question. Strict: unknown keys are refused, numbers must be numbers."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, allow_inf_nan=False)

    archetype: Archetype
    model: str | None = Field(
        default=None, description="A model of the register: its prices fill the prices left empty."
    )
    requests_per_day: Uncertain = Field(
        default=0.0,
        description="Uses of the tool a day, all users together (employees' uses and "
        "customers' interactions).",
    )
    days_per_year: Uncertain = Field(
        default=365.0, description="Days a year it is used (about 250 for working days)."
    )
    input_tokens: Uncertain = Field(
        default=0.0,
        description="Sent to the model with each request: the question, instructions and any "
        "retrieved passages (about 750 words is 1,000 tokens).",
    )
    output_tokens: Uncertain = Field(
        default=0.0, description="What the model writes back per request (300 words is ~400)."
    )
    price_per_million_input_tokens: Uncertain | None = Field(
        default=None, description="The API's list price; default the register model's."
    )
    price_per_million_output_tokens: Uncertain | None = Field(
        default=None, description="The API's list price; default the register model's."
    )
    users: Uncertain = Field(
        default=0.0, description="Employees who get a seat licence; customers never do."
    )
    oversight: Oversight = Field(
        default="spot_checks",
        description="Used only when no reviewer is named: review minutes per output from the "
        "assumptions, charged as a cost.",
    )
    integration_complexity: Complexity = Field(
        default="medium",
        description="Picks the integration effort from the assumptions' table when no effort "
        "is given.",
    )
    corpus_tokens: Uncertain | None = Field(
        default=None, description="Text to index for retrieval; give this or the documents."
    )
    corpus_documents: Uncertain | None = Field(
        default=None,
        description="Documents to index for retrieval (the assumptions give tokens a document).",
    )
    fine_tuning_gpu_hours: Uncertain | None = Field(
        default=None, description="GPU time to fine-tune a model; empty: no fine-tuning."
    )
    parameters: Uncertain | None = Field(
        default=None, description="Size of the model to train; required for a Maker (7B: 7e9)."
    )
    training_tokens: Uncertain | None = Field(
        default=None, description="Text to train on; default 20 tokens per parameter."
    )
    gpu: str | None = Field(default=None, description="A GPU of the assumptions' catalogue.")
    gpu_hourly_price: Uncertain | None = Field(
        default=None, description="Overrides the catalogue's hourly price of the GPU."
    )
    utilization: Uncertain | None = Field(
        default=None, description="Model FLOPs utilisation in (0, 1]; default from assumptions."
    )
    cluster_gpus: Uncertain | None = Field(
        default=None, description="GPUs training together; default the assumptions' cluster."
    )
    expected_annual_benefit: Uncertain | None = Field(
        default=None,
        description="A benefit stated as money, when no hours saved or revenue are given.",
    )
    budget_ceiling: Annotated[float, Field(ge=0, le=MAX_MONEY)] | None = Field(
        default=None,
        description="What the company may spend: one-time cost plus the first "
        "year. Empty: none stated.",
    )
    skills_in_house: Skills | None = None
    api_requests_per_day: Uncertain | None = Field(
        default=None,
        description="Requests that go to an API (customers' conversations, or everyone's when "
        "the tool is not a seat licence); default all requests_per_day.",
    )
    seat_price_monthly: Uncertain | None = Field(
        default=None,
        description="The chosen tool's price per seat a month; default the assumptions' price "
        "by archetype.",
    )
    review_by: ReviewBy | None = Field(
        default=None,
        description="The user's own review is part of the work (netted out of the time "
        "saved); a separate team's is a cost. Not set: the older 'oversight' rule (review "
        "minutes per output at the assumptions' reviewer rate, as a cost).",
    )
    review_share: Uncertain | None = Field(
        default=None, description="Share of outputs reviewed (0.25 is one in four; default 1)."
    )
    review_minutes_per_output: Uncertain | None = Field(
        default=None,
        description="Time to read and correct one output; default the assumptions' for the "
        "kind of request.",
    )
    reviewer_hourly_cost: Uncertain | None = Field(
        default=None, description="An hour of the separate reviewing team, fully loaded."
    )
    user_hourly_cost: Uncertain | None = Field(
        default=None,
        description="An hour of the people who save the time, fully loaded; values the hours "
        "saved.",
    )
    hours_saved_per_year: Uncertain | None = Field(
        default=None, description="Hours the users save a year, before reviewing (gross)."
    )
    revenue_per_year: Uncertain | None = Field(
        default=None, description="New revenue it brings, before weighting by confidence."
    )
    revenue_confidence: Uncertain | None = Field(
        default=None,
        description="How sure the revenue is, 0 to 1: it is weighted by it (default 1).",
    )
    integration_person_weeks: Uncertain | None = Field(
        default=None,
        description="Shaper: engineer weeks to integrate; default the assumptions' table by "
        "integration_complexity.",
    )
    support_fte: Uncertain | None = Field(
        default=None, description="Support people added to the run team (user and volume)."
    )
    run_team_scale: Uncertain | None = Field(
        default=None,
        description="Share of the standard run team (assumptions.people) this case needs; "
        "default 1.",
    )

    training_hours: Uncertain | None = Field(
        default=None,
        description="One-time: the users' hours in training, all together, priced at "
        "user_hourly_cost.",
    )
    rollout_person_weeks: Uncertain | None = Field(
        default=None,
        description="One-time: rollout support weeks that grow with the users (champions, "
        "guidance), at a domain expert's cost; on top of the archetype's fixed rollout plan.",
    )

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
        api_requests = (
            self.requests_per_day
            if self.api_requests_per_day is None
            else self.api_requests_per_day
        )
        calls_api = self.archetype != "maker" and max(support(api_requests)) > 0
        if calls_api:
            for name in ("price_per_million_input_tokens", "price_per_million_output_tokens"):
                if getattr(self, name) is None:
                    raise PydanticCustomError(
                        "missing_driver",
                        "{name}: required when requests go to an API "
                        "(give the price, or a register model that has one)",
                        {"name": name},
                    )
        if self.corpus_tokens is not None and self.corpus_documents is not None:
            raise PydanticCustomError(
                "conflicting_drivers",
                "corpus_documents: give corpus_tokens or corpus_documents, not both",
            )
        return self


def driver_location(location: tuple[object, ...]) -> str:
    """Where a driver's problem is, without the distribution tags pydantic puts on the path
    (``users.high``, not ``users.range.high``): the ``where`` of the boundary's formatter,
    :func:`portal.boundary.described`."""
    return ".".join(str(part) for part in location if isinstance(part, str) and part not in TAGS)


def inputs_problems(error: ValidationError, form: str = "the estimate's inputs") -> str:
    """An estimate's inputs refused, one problem a line, each starting with the driver it is
    about, in the boundary's words (:func:`portal.boundary.described`)."""
    return described_text(error, form=form, where=driver_location)
