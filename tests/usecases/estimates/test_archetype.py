"""The Taker/Shaper/Maker recommendation, path by path."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from usecases.estimates.archetype import (
    MAKER_MINIMUM_BUDGET,
    ArchetypeAnswers,
    recommend_archetype,
)

GENERIC: dict[str, Any] = {
    "model_does_job_as_is": True,
    "needs_company_data": False,
    "must_run_on_company_infrastructure": False,
    "capability_is_differentiator": False,
    "data_volume": "none",
    "budget_ceiling": 50_000.0,
    "skills_in_house": "none",
}
MAKER: dict[str, Any] = {
    "model_does_job_as_is": False,
    "needs_company_data": True,
    "must_run_on_company_infrastructure": True,
    "capability_is_differentiator": True,
    "data_volume": "massive",
    "budget_ceiling": 10_000_000.0,
    "skills_in_house": "strong",
}


def recommend(**answers: Any):
    return recommend_archetype(ArchetypeAnswers.model_validate(answers))


def test_generic_need_is_a_taker():
    result = recommend(**GENERIC)
    assert result.archetype == "taker"
    assert result.runner_up is None
    assert "An available model already does the job as it is." in result.reasons


def test_taker_with_some_data_has_shaper_as_runner_up():
    result = recommend(**{**GENERIC, "data_volume": "small"})
    assert result.archetype == "taker"
    assert result.runner_up == "shaper"


def test_company_data_makes_a_shaper():
    result = recommend(**{**GENERIC, "needs_company_data": True, "skills_in_house": "some"})
    assert result.archetype == "shaper"
    assert result.reasons == ["It needs the company's own data, which a model alone does not have."]
    assert result.runner_up == "taker"


def test_company_infrastructure_makes_a_shaper_with_no_taker_fallback():
    result = recommend(**{**GENERIC, "must_run_on_company_infrastructure": True})
    assert result.archetype == "shaper"
    assert "It must run on the company's own infrastructure." in result.reasons
    assert any("partner" in reason for reason in result.reasons)  # no skills in house
    assert result.runner_up is None


def test_model_not_good_enough_makes_a_shaper():
    result = recommend(**{**GENERIC, "model_does_job_as_is": False})
    assert result.archetype == "shaper"
    assert "No available model does the job as it is; one must be adapted." in result.reasons


def test_everything_in_place_makes_a_maker():
    result = recommend(**MAKER)
    assert result.archetype == "maker"
    assert result.runner_up == "shaper"
    assert "There is massive proprietary data to train on." in result.reasons


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"capability_is_differentiator": False}, None),
        ({"data_volume": "large"}, "needs massive proprietary data"),
        ({"budget_ceiling": MAKER_MINIMUM_BUDGET - 1.0}, "more than the budget allows"),
        ({"budget_ceiling": None}, "more than the budget allows"),
        ({"skills_in_house": "some"}, "needs a strong AI engineering team"),
    ],
)
def test_maker_is_conservative(change: dict[str, Any], reason: str | None):
    result = recommend(**{**MAKER, **change})
    assert result.archetype == "shaper"
    if reason is not None:
        assert result.runner_up == "maker"
        assert any(reason in sentence for sentence in result.reasons)


def test_no_maker_when_a_model_does_the_job_without_company_data():
    result = recommend(**{**MAKER, "model_does_job_as_is": True, "needs_company_data": False})
    assert result.archetype != "maker"


def test_answers_are_validated():
    with pytest.raises(ValidationError, match="data_volume"):
        ArchetypeAnswers.model_validate({**GENERIC, "data_volume": "huge"})


def test_a_seat_tool_that_does_the_job_is_a_taker_even_with_company_data():
    answers = ArchetypeAnswers.model_validate(
        {**GENERIC, "needs_company_data": True, "model_does_job_as_is": True}
    )
    result = recommend_archetype(answers, seat_tool="GitHub Copilot Business")
    assert result.archetype == "taker"
    assert "GitHub Copilot Business, a seat-licensed tool in the register" in result.reasons[0]
    # Without the seat tool, company data means wiring it in: a Shaper.
    assert recommend_archetype(answers).archetype == "shaper"


def test_writing_back_to_systems_is_a_shaper_even_with_a_seat_tool():
    answers = ArchetypeAnswers.model_validate({**GENERIC, "model_does_job_as_is": True})
    result = recommend_archetype(answers, seat_tool="Microsoft 365 Copilot", writes_back=True)
    assert result.archetype == "shaper"
    assert "write back to company systems" in result.reasons[0]
