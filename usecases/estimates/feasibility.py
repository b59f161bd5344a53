"""The feasibility score: 100, less a stated penalty for each thing that makes delivery harder.

Judged on the medians of an estimate. Every penalty comes with a sentence saying why, so a
business lead can see what to fix; the score is clipped to 0-100.
"""

from __future__ import annotations

from dataclasses import dataclass

from usecases.estimates.assumptions import Archetype, Complexity
from usecases.estimates.inputs import Skills
from usecases.estimates.results import Feasibility

__all__ = ["PENALTIES", "FeasibilityFacts", "score_feasibility"]

# Points taken off, by cause. Judgement, kept in one place so the rules can be read and argued.
PENALTIES = {
    "shaper": 10,  # integrating with company data and systems is a project, not a purchase
    "maker": 35,  # a foundation model is a research programme
    "complexity_medium": 5,
    "complexity_high": 15,
    "skills_none_shaper": 20,
    "skills_none_maker": 40,
    "skills_some_maker": 15,
    "over_budget_p50": 30,
    "over_budget_p90": 10,
    "wide_range": 10,  # P90 more than twice P50
    "slow_half_year": 10,
    "slow_year": 20,
    "long_training": 15,  # training alone takes more than 13 weeks on the cluster
    "reviewers": 10,  # oversight needs at least one full-time reviewer
}
REVIEWER_HOURS_PER_YEAR = 1_840  # 46 working weeks x 40 hours


@dataclass(frozen=True)
class FeasibilityFacts:
    archetype: Archetype
    complexity: Complexity
    skills: Skills | None
    budget_ceiling: float | None
    first_year_p50: float  # one-time + annual, medians
    first_year_p90: float
    weeks_to_value: float
    training_weeks: float
    review_hours_per_year: float


def score_feasibility(facts: FeasibilityFacts) -> Feasibility:
    """Start at 100 and take off :data:`PENALTIES` for each difficulty found, with its reason."""
    penalties: list[tuple[int, str]] = []
    if facts.archetype == "shaper":
        penalties.append(
            (PENALTIES["shaper"], "It must be integrated with the company's data and systems.")
        )
        if facts.complexity != "low":
            penalties.append(
                (
                    PENALTIES[f"complexity_{facts.complexity}"],
                    f"The integration is of {facts.complexity} complexity.",
                )
            )
    if facts.archetype == "maker":
        penalties.append(
            (
                PENALTIES["maker"],
                "Building a model of our own is a long, uncertain research effort.",
            )
        )
        if facts.training_weeks > 13:
            penalties.append(
                (
                    PENALTIES["long_training"],
                    f"Training alone takes about {facts.training_weeks:.0f} weeks on the cluster.",
                )
            )
    if facts.skills == "none" and facts.archetype != "taker":
        penalties.append(
            (
                PENALTIES[f"skills_none_{facts.archetype}"],
                "There are no AI engineering skills in house: a partner would be needed.",
            )
        )
    if facts.skills == "some" and facts.archetype == "maker":
        penalties.append(
            (PENALTIES["skills_some_maker"], "The team in house has not built a model before.")
        )
    if facts.budget_ceiling is not None:
        if facts.first_year_p50 > facts.budget_ceiling:
            penalties.append(
                (
                    PENALTIES["over_budget_p50"],
                    f"The likely first-year cost (${facts.first_year_p50:,.0f}) is over the "
                    f"budget ceiling (${facts.budget_ceiling:,.0f}).",
                )
            )
        elif facts.first_year_p90 > facts.budget_ceiling:
            penalties.append(
                (
                    PENALTIES["over_budget_p90"],
                    "A pessimistic first-year cost would go over the budget ceiling.",
                )
            )
    if facts.first_year_p90 > 2 * facts.first_year_p50 > 0:
        penalties.append(
            (
                PENALTIES["wide_range"],
                "The cost is very uncertain: the pessimistic case is more "
                "than twice the likely one.",
            )
        )
    if facts.weeks_to_value > 52:
        penalties.append((PENALTIES["slow_year"], "First value is more than a year away."))
    elif facts.weeks_to_value > 26:
        penalties.append((PENALTIES["slow_half_year"], "First value is more than six months away."))
    reviewers = facts.review_hours_per_year / REVIEWER_HOURS_PER_YEAR
    if reviewers >= 1:
        penalties.append(
            (
                PENALTIES["reviewers"],
                f"Reviewing the outputs needs about {reviewers:.1f} full-time people.",
            )
        )
    score = max(0, min(100, 100 - sum(points for points, _ in penalties)))
    reasons = [reason for _, reason in penalties]
    if not reasons:
        reasons = ["Nothing found that makes this hard to deliver."]
    return Feasibility(score=score, reasons=reasons)
