"""What an estimate answers: costs with P10/P50/P90, a breakdown, time, feasibility, payback."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from usecases.estimates.assumptions import Archetype
from usecases.estimates.inputs import EstimateInput

__all__ = [
    "Benefit",
    "EstimateResult",
    "Feasibility",
    "LineItem",
    "Percentiles",
    "Swing",
    "percentiles",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Percentiles(_Frozen):
    """The 10th, 50th and 90th percentiles of a sampled quantity (equal when inputs are exact)."""

    p10: float
    p50: float
    p90: float


class LineItem(_Frozen):
    """One cost line (USD): what it costs once, and what it costs each year, at its median."""

    item: str
    one_time: float
    annual: float


class Feasibility(_Frozen):
    score: Annotated[int, Field(ge=0, le=100)]
    reasons: list[str]


class Benefit(_Frozen):
    """The annual benefit, at its median (USD): time saved less the users' own reviewing,
    valued at their loaded hourly cost, and the revenue weighted by its stated confidence."""

    time_saved: float = Field(description="Hours saved x the users' hourly cost (gross).")
    own_review: float = Field(description="Hours the users spend reviewing x their hourly cost.")
    revenue: float = Field(description="Revenue x confidence.")
    hours_saved: float
    review_hours: float
    user_hourly_cost: float


class Swing(_Frozen):
    """One driver swung from its P10 to its P90, the rest held at P50: what the P50 annual cost
    and the payback become at each end."""

    driver: str
    low: float
    high: float
    annual_at_low: float
    annual_at_high: float
    payback_at_low: float | None
    payback_at_high: float | None


class EstimateResult(_Frozen):
    archetype: Archetype
    currency: str = "USD"
    one_time: Percentiles
    annual: Percentiles
    breakdown: list[LineItem]
    gpu_hours: Percentiles | None = Field(
        description="GPU-hours of training or fine-tuning; null when there are none."
    )
    time_to_first_value_weeks: float = Field(description="Median elapsed weeks.")
    feasibility: Feasibility
    payback_months: float | None = Field(
        description="Median months until the benefit repays the costs; null when it never does."
    )
    annual_benefit: Percentiles | None = Field(
        default=None, description="Net annual benefit (USD); null when the case states none."
    )
    benefit: Benefit | None = Field(
        default=None, description="How the annual benefit is made up (from intake facts)."
    )
    net_annual: Percentiles | None = Field(
        default=None, description="Annual benefit less annual cost (USD a year)."
    )
    npv_3y: Percentiles | None = Field(
        default=None,
        description="Three-year net present value: the one-time cost now, then three years of "
        "benefit less cost, discounted at the assumptions' rate (USD).",
    )
    discount_rate_percent: float | None = None
    review_hours_per_year: float = Field(default=0.0, description="Median hours reviewing.")
    sensitivity: list[Swing] = Field(
        default_factory=list,
        description="The 3-5 drivers that move the P50 annual cost and the payback most.",
    )
    inputs: EstimateInput
    assumptions_version: int
    samples: int = Field(description="Draws used: 1 when every input is exact.")
    seed: int


def _quantile(ordered: list[float], q: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default method)."""
    position = q * (len(ordered) - 1)
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    fraction = position - below
    return ordered[below] + (ordered[above] - ordered[below]) * fraction


def percentiles(values: list[float], *, digits: int = 2) -> Percentiles:
    """P10, P50 and P90 of ``values``, rounded to ``digits`` (cents for money)."""
    ordered = sorted(values)
    p10, p50, p90 = (round(_quantile(ordered, q), digits) for q in (0.1, 0.5, 0.9))
    return Percentiles(p10=p10, p50=p50, p90=p90)


def median(values: list[float]) -> float:
    return _quantile(sorted(values), 0.5)
