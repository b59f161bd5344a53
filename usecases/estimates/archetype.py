"""Which way to build: Taker, Shaper or Maker, from seven plain questions, with the reasons.

Pure: :func:`recommend_archetype` takes the answers and returns the recommendation, each reason a
sentence a business lead understands. Conservative by design:

- **Maker** only when the capability is a differentiator, no available model does the job
  without company data, there is massive proprietary data, the
  budget ceiling covers at least :data:`MAKER_MINIMUM_BUDGET` and the skills in house are strong;
- otherwise **Taker** when a seat-licensed tool of the register, chosen for the case, already
  does the job (it reads the company's files inside its own tenant) and nothing has to be
  wired into the company's systems;
- otherwise **Shaper** when the case needs company data, must write back to company systems,
  must run on company infrastructure, or no available model does the job as it is;
- otherwise **Taker**.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from usecases.estimates.assumptions import Archetype
from usecases.estimates.inputs import Skills

__all__ = [
    "MAKER_MINIMUM_BUDGET",
    "ArchetypeAnswers",
    "ArchetypeRecommendation",
    "DataVolume",
    "recommend_archetype",
]

DataVolume = Literal["none", "small", "large", "massive"]

# First-year cost (one-time + one year) of the smallest credible Maker with the default
# assumptions: a 7B-parameter model trained compute-optimally costs about $1.7M once (mostly the
# team) and $1.3M a year to run. A test keeps this in step with the engine.
MAKER_MINIMUM_BUDGET = 3_000_000


class ArchetypeAnswers(BaseModel):
    """The questionnaire. ``budget_ceiling`` is USD for the one-time cost plus the first year."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    model_does_job_as_is: bool
    needs_company_data: bool
    must_run_on_company_infrastructure: bool
    capability_is_differentiator: bool
    data_volume: DataVolume
    budget_ceiling: float | None = Field(default=None, ge=0)
    skills_in_house: Skills


class ArchetypeRecommendation(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    archetype: Archetype
    reasons: list[str]
    runner_up: Archetype | None = None


def _maker_blockers(answers: ArchetypeAnswers) -> list[str]:
    """Why a Maker is not advised; empty when it is."""
    blockers = []
    if answers.model_does_job_as_is and not answers.needs_company_data:
        blockers.append(
            "An available model already does the job without company data, so building one "
            "would not pay."
        )
    if not answers.capability_is_differentiator:
        blockers.append(
            "The capability does not set the company apart, so owning a model adds little."
        )
    if answers.data_volume != "massive":
        blockers.append(
            "Building a model of our own needs massive proprietary data, and there is not "
            "that much."
        )
    if answers.budget_ceiling is None or answers.budget_ceiling < MAKER_MINIMUM_BUDGET:
        blockers.append(
            f"Building a model costs at least ${MAKER_MINIMUM_BUDGET / 1e6:.0f} million in the "
            "first year, more than the budget allows."
        )
    if answers.skills_in_house != "strong":
        blockers.append("Building a model needs a strong AI engineering team in house.")
    return blockers


def recommend_archetype(
    answers: ArchetypeAnswers, *, seat_tool: str | None = None, writes_back: bool = False
) -> ArchetypeRecommendation:
    """Recommend the least ambitious archetype that does the job, saying why in plain words.

    ``seat_tool``: the name of a seat-licensed register tool chosen for the case (Microsoft 365
    Copilot, GitHub Copilot...); ``writes_back``: the intake says it must write to a system.
    """
    maker_blockers = _maker_blockers(answers)
    if not maker_blockers:
        return ArchetypeRecommendation(
            archetype="maker",
            reasons=[
                "The capability sets the company apart, so owning the model is worth it.",
                "There is massive proprietary data to train on.",
                "The budget and the team in house are up to building a model.",
            ],
            runner_up="shaper",
        )

    if (
        seat_tool
        and answers.model_does_job_as_is
        and not answers.must_run_on_company_infrastructure
        and not writes_back
    ):
        reasons = [
            f"{seat_tool}, a seat-licensed tool in the register, already does the job.",
            "It works on the company's files inside its own tenant: nothing to build or wire in.",
            "Buying seats is the fastest and cheapest way to first value.",
        ]
        return ArchetypeRecommendation(archetype="taker", reasons=reasons, runner_up="shaper")

    shaper_reasons = []
    if writes_back:
        shaper_reasons.append("It must write back to company systems, which has to be built.")
    if answers.needs_company_data:
        shaper_reasons.append("It needs the company's own data, which a model alone does not have.")
    if answers.must_run_on_company_infrastructure:
        shaper_reasons.append("It must run on the company's own infrastructure.")
    if not answers.model_does_job_as_is:
        shaper_reasons.append("No available model does the job as it is; one must be adapted.")
    if shaper_reasons:
        if answers.skills_in_house == "none":
            shaper_reasons.append("With no AI engineering skills in house, plan for a partner.")
        if answers.capability_is_differentiator and answers.data_volume in ("large", "massive"):
            shaper_reasons.append(maker_blockers[0])
            runner_up: Archetype | None = "maker"
        elif answers.must_run_on_company_infrastructure:
            runner_up = None  # a public service cannot run on company infrastructure
        else:
            runner_up = "taker"
        return ArchetypeRecommendation(
            archetype="shaper", reasons=shaper_reasons, runner_up=runner_up
        )

    reasons = [
        "An available model already does the job as it is.",
        "It needs no company data and can run outside the company's infrastructure.",
        "Buying is the fastest and cheapest way to first value.",
    ]
    runner_up = None
    if answers.capability_is_differentiator or answers.data_volume != "none":
        reasons.append(
            "If the results are not specific enough, shaping it with company data is next."
        )
        runner_up = "shaper"
    return ArchetypeRecommendation(archetype="taker", reasons=reasons, runner_up=runner_up)
