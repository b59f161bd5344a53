"""Costs that follow the case: rollout and training scale with the employee users; facts the
lead did not give carry a range, so the tornado shows what to challenge."""

from __future__ import annotations

from typing import Any

import pytest

from portal.models import User
from usecases.estimates import services
from usecases.estimates.assumptions import DEFAULT_ASSUMPTIONS
from usecases.estimates.models import EstimateRun
from usecases.models import UseCase

from .helpers import submitted_case

pytestmark = pytest.mark.django_db


def _done(case: UseCase, archetype: str) -> dict[str, Any]:
    """The case's estimate of ``archetype``, computed here; its result."""
    run = EstimateRun.objects.get(usecase=case, archetype=archetype, is_current=True)
    assert services.estimate_run_execute(run.pk) == "done"
    run.refresh_from_db()
    assert run.result is not None
    return run.result


def test_a_takers_one_time_cost_grows_with_its_users(lead: User) -> None:
    small = submitted_case(lead, employee_users=50, request_kind="short_chat")
    large = submitted_case(lead, employee_users=500, request_kind="short_chat")
    drivers = services.default_drivers(large, "taker", DEFAULT_ASSUMPTIONS)
    # 1 to 4 hours of training a user, likely 2; half a week of support per 100 users (stated).
    assert drivers["training_hours"] == {"low": 500.0, "mode": 1000.0, "high": 2000.0}
    assert drivers["rollout_person_weeks"] == 2.5
    one_small = _done(small, "taker")["one_time"]["p50"]
    one_large = _done(large, "taker")["one_time"]["p50"]
    assert one_large > 3 * one_small  # no longer the same $13,043 for every Taker
    # Customer service agents: $55,000 / 46 / 40 = $29.89 an hour; 1,000 h is ~$29,900 of
    # training before contingency, and the fixed plan $10,869.57 plus 2.5 weeks at $2,391.30.
    fixed = (2 * 140_000 + 2 * 110_000) / 46
    # The training's median: a triangular (500, 1,000, 2,000) h has its median at
    # 500 + sqrt(1,500 x 500 / 2) = 1,112.4 h.
    median_hours = 500 + (1500 * 500 / 2) ** 0.5
    expected = (fixed + 2.5 * 110_000 / 46 + median_hours * round(55_000 / 46 / 40, 2)) * 1.2
    assert one_large == pytest.approx(expected, rel=0.02)  # sampled: within 2 %


def test_assumed_facts_carry_ranges_and_the_tornado_has_several_rows(lead: User) -> None:
    case = submitted_case(lead)  # no volume, tokens or integration facts: all assumed
    drivers = services.default_drivers(case, "shaper", DEFAULT_ASSUMPTIONS)
    assert drivers["input_tokens"] == {"low": 1750.0, "mode": 3500.0, "high": 7000.0}
    # Internal data: medium integration, 12 weeks, assumed: 6 to 24.
    assert drivers["integration_person_weeks"] == {"low": 6.0, "mode": 12.0, "high": 24.0}
    assert isinstance(drivers["rollout_person_weeks"], dict)  # users assumed too
    rows = _done(case, "shaper")["sensitivity"]
    assert 3 <= len(rows) <= 5
    assert "integration_person_weeks" in {row["driver"] for row in rows}


def test_stated_facts_stay_exact(lead: User) -> None:
    case = submitted_case(
        lead, employee_users=45, request_kind="email_draft", systems_connected=1, data_sources=1
    )
    drivers = services.default_drivers(case, "shaper", DEFAULT_ASSUMPTIONS)
    assert drivers["input_tokens"] == 1500 and drivers["output_tokens"] == 400
    assert drivers["integration_person_weeks"] == 5.0  # 3 + 2, as the intake says
