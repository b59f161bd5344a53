"""Scoring: reviewers' ratings and the rubric become value, feasibility and priority (0-100).

Pure: the rubric is a pydantic model (stored as JSON in a versioned row), ratings are a plain
mapping, and :func:`score_usecase` returns the scores with each criterion's contribution.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import models
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from usecases.risk import RiskTier


class Axis(models.TextChoices):
    VALUE = "value", "Value"
    FEASIBILITY = "feasibility", "Feasibility"


class Criterion(models.TextChoices):
    STRATEGIC_FIT = "strategic_fit", "Strategic fit"
    FINANCIAL_IMPACT = "financial_impact", "Financial impact"
    REACH = "reach", "Reach"
    DATA_READINESS = "data_readiness", "Data readiness"
    TECHNICAL_COMPLEXITY = "technical_complexity", "Technical simplicity"
    SKILLS = "skills", "Skills available"
    INTEGRATION_EFFORT = "integration_effort", "Ease of integration"


CRITERION_AXIS: dict[str, Axis] = {
    Criterion.STRATEGIC_FIT: Axis.VALUE,
    Criterion.FINANCIAL_IMPACT: Axis.VALUE,
    Criterion.REACH: Axis.VALUE,
    Criterion.DATA_READINESS: Axis.FEASIBILITY,
    Criterion.TECHNICAL_COMPLEXITY: Axis.FEASIBILITY,
    Criterion.SKILLS: Axis.FEASIBILITY,
    Criterion.INTEGRATION_EFFORT: Axis.FEASIBILITY,
}

# Every criterion is rated so that 5 is the good end: for the feasibility criteria 5 means easy.
CRITERION_HELP: dict[str, str] = {
    Criterion.STRATEGIC_FIT: "1 = unrelated to our strategy, 5 = central to it.",
    Criterion.FINANCIAL_IMPACT: "1 = negligible savings or revenue, 5 = a large, provable effect.",
    Criterion.REACH: "1 = a handful of people, 5 = a whole function or many customers.",
    Criterion.DATA_READINESS: "1 = the data does not exist yet, 5 = clean and accessible today.",
    Criterion.TECHNICAL_COMPLEXITY: "1 = research-grade, 5 = an off-the-shelf tool does it.",
    Criterion.SKILLS: "1 = we have nobody who can build or run it, 5 = the team is ready.",
    Criterion.INTEGRATION_EFFORT: "1 = touches many core systems, 5 = stands alone.",
}


class Quadrant(models.TextChoices):
    QUICK_WIN = "quick_win", "Quick win"
    STRATEGIC_BET = "strategic_bet", "Strategic bet"
    FILL_IN = "fill_in", "Fill-in"
    DEPRIORITISE = "deprioritise", "Deprioritise"


def _default_weights() -> dict[Criterion, float]:
    return {
        Criterion.STRATEGIC_FIT: 3.0,
        Criterion.FINANCIAL_IMPACT: 3.0,
        Criterion.REACH: 2.0,
        Criterion.DATA_READINESS: 3.0,
        Criterion.TECHNICAL_COMPLEXITY: 2.0,
        Criterion.SKILLS: 1.0,
        Criterion.INTEGRATION_EFFORT: 2.0,
    }


def _default_penalties() -> dict[RiskTier, float]:
    return {
        RiskTier.PROHIBITED: 100.0,
        RiskTier.HIGH: 20.0,
        RiskTier.LIMITED: 5.0,
        RiskTier.MINIMAL: 0.0,
    }


MAX_WEIGHT = 100.0


class Rubric(BaseModel):
    """How ratings become scores. Validated strictly: nonsense weights never reach a score."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weights: dict[Criterion, float] = Field(default_factory=_default_weights)
    value_share: float = Field(
        default=0.5, ge=0, le=1, description="How much value counts in priority (0-1)."
    )
    risk_penalty: dict[RiskTier, float] = Field(default_factory=_default_penalties)
    value_threshold: float = Field(default=50.0, ge=0, le=100)
    feasibility_threshold: float = Field(default=50.0, ge=0, le=100)

    @field_validator("weights")
    @classmethod
    def _weights_make_sense(cls, weights: dict[Criterion, float]) -> dict[Criterion, float]:
        missing = [Criterion(c).label for c in Criterion if c not in weights]
        if missing:
            raise ValueError(f"give a weight to every criterion; missing: {', '.join(missing)}")
        negative = [Criterion(c).label for c, w in weights.items() if w < 0]
        if negative:
            raise ValueError(f"Weights cannot be negative. Check: {', '.join(negative)}")
        too_large = [Criterion(c).label for c, w in weights.items() if w > MAX_WEIGHT]
        if too_large:
            raise ValueError(f"Weights are at most {MAX_WEIGHT:g}. Check: {', '.join(too_large)}")
        for axis in Axis:
            if not any(w > 0 for c, w in weights.items() if CRITERION_AXIS[c] == axis):
                raise ValueError(
                    f"at least one {axis.label.lower()} criterion needs a weight above zero"
                )
        return weights

    @field_validator("risk_penalty")
    @classmethod
    def _penalties_make_sense(cls, penalty: dict[RiskTier, float]) -> dict[RiskTier, float]:
        missing = [RiskTier(t).label for t in RiskTier if t not in penalty]
        if missing:
            raise ValueError(f"give a penalty to every risk tier; missing: {', '.join(missing)}")
        if any(not 0 <= p <= 100 for p in penalty.values()):
            raise ValueError("risk penalties are points between 0 and 100")
        return penalty

    @model_validator(mode="after")
    def _higher_tiers_cost_more(self) -> Rubric:
        order = [RiskTier.MINIMAL, RiskTier.LIMITED, RiskTier.HIGH, RiskTier.PROHIBITED]
        values = [self.risk_penalty[t] for t in order]
        if values != sorted(values):
            raise ValueError("a higher risk tier cannot have a smaller penalty than a lower one")
        return self


class Contribution(BaseModel):
    model_config = ConfigDict(frozen=True)

    criterion: Criterion
    axis: Axis
    rating: int | None
    weight: float
    points: float  # points this criterion adds to its axis score (0-100 scale)


class ScoreResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    value: float | None
    feasibility: float | None
    priority: float | None
    quadrant: Quadrant | None
    risk_penalty: float
    contributions: list[Contribution]

    @property
    def complete(self) -> bool:
        return self.priority is not None


def _axis_score(
    axis: Axis, ratings: Mapping[str, int], rubric: Rubric
) -> tuple[float | None, list[Contribution]]:
    criteria = [c for c in Criterion if CRITERION_AXIS[c] == axis]
    rated_weight = sum(rubric.weights[c] for c in criteria if c in ratings)
    contributions = []
    for criterion in criteria:
        rating = ratings.get(criterion)
        weight = rubric.weights[criterion]
        points = 0.0
        if rating is not None and rated_weight > 0:
            points = weight * (rating - 1) / 4 / rated_weight * 100
        contributions.append(
            Contribution(
                criterion=criterion, axis=axis, rating=rating, weight=weight, points=points
            )
        )
    if rated_weight <= 0:
        return None, contributions
    score = min(100.0, max(0.0, sum(c.points for c in contributions)))
    return round(score, 2), contributions


def _quadrant(value: float, feasibility: float, rubric: Rubric) -> Quadrant:
    high_value = value >= rubric.value_threshold
    high_feasibility = feasibility >= rubric.feasibility_threshold
    if high_value and high_feasibility:
        return Quadrant.QUICK_WIN
    if high_value:
        return Quadrant.STRATEGIC_BET
    if high_feasibility:
        return Quadrant.FILL_IN
    return Quadrant.DEPRIORITISE


def score_usecase(ratings: Mapping[str, int], risk_tier: str | None, rubric: Rubric) -> ScoreResult:
    """Scores from ratings (criterion → 1-5; unrated criteria are left out of their axis).

    Priority needs both axes; the risk tier's penalty is taken off it (never below zero).
    """
    for criterion, rating in ratings.items():
        if criterion not in Criterion.values or not 1 <= rating <= 5:
            raise ValueError(f"rating {criterion}={rating} is not a criterion rated 1-5")
    value, value_parts = _axis_score(Axis.VALUE, ratings, rubric)
    feasibility, feasibility_parts = _axis_score(Axis.FEASIBILITY, ratings, rubric)
    penalty = rubric.risk_penalty[RiskTier(risk_tier)] if risk_tier in RiskTier.values else 0.0
    priority = quadrant = None
    if value is not None and feasibility is not None:
        blended = rubric.value_share * value + (1 - rubric.value_share) * feasibility
        priority = round(min(100.0, max(0.0, blended - penalty)), 2)
        quadrant = _quadrant(value, feasibility, rubric)
    return ScoreResult(
        value=value,
        feasibility=feasibility,
        priority=priority,
        quadrant=quadrant,
        risk_penalty=penalty,
        contributions=[*value_parts, *feasibility_parts],
    )
