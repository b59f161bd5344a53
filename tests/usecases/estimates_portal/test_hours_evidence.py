"""Default hours-saved ranges from published evidence (REFERENCE.md "Productivity evidence"):
when a lead cannot say how many hours a case saves, the kind of task gives the range, the
estimate uses it (low / likely / high) and the intake and the case page show its source, and
say so in words where the evidence is mixed."""

from __future__ import annotations

import pytest

from portal.models import User
from tests.usecases.conftest import make_draft
from usecases.estimates import services
from usecases.estimates.assumptions import DEFAULT_ASSUMPTIONS, Assumptions
from usecases.estimates.models import EstimateRun
from usecases.inputs import IntakeSubmission
from usecases.models import UseCase

from .helpers import client_for, submitted_case

pytestmark = pytest.mark.django_db

NO_HOURS = {"hours_saved_per_person_per_week": None}


def test_the_published_range_feeds_the_estimate_low_likely_high(lead: User) -> None:
    case = submitted_case(lead, task_kind="customer_support", **NO_HOURS)
    drivers = services.default_drivers(case, "shaper", DEFAULT_ASSUMPTIONS)
    # Brynjolfsson et al.: 14 % more issues an hour = 12.3 % less time (34 % for novices =
    # 25.4 %, little for the most skilled = 0), on three quarters of a 40-hour week (30 h):
    # 0, 3.7 and 7.6 h a person a week; x 45 agents x 46 working weeks.
    assert drivers["hours_saved_per_year"] == {"low": 0.0, "mode": 7659.0, "high": 15732.0}
    assert drivers["user_hourly_cost"] == round(55_000 / 46 / 40, 2)
    assert "hours saved (the published range for the kind of task)" in services.assumed_facts(case)
    # Before any estimate, the benefit is the likely figure: 7,659 h x $29.89.
    assert float(case.expected_annual_benefit or 0) == pytest.approx(
        3.7 * 45 * 46 * 55_000 / 46 / 40, abs=0.01
    )


def test_mixed_evidence_reaches_into_time_lost_and_still_computes(lead: User) -> None:
    case = submitted_case(
        lead,
        task_kind="software_development",
        business_function="software_engineering",
        **NO_HOURS,
    )
    drivers = services.default_drivers(case, "taker", DEFAULT_ASSUMPTIONS)
    # METR 19 % slower to Peng et al. 55.8 % faster, likely 10 %, on half a week (20 h).
    assert drivers["hours_saved_per_year"] == {
        "low": round(-3.8 * 45 * 46, 1),
        "mode": round(2.0 * 45 * 46, 1),
        "high": round(11.2 * 45 * 46, 1),
    }
    run = EstimateRun.objects.get(usecase=case, archetype="taker", is_current=True)
    assert services.estimate_run_execute(run.pk) == "done"
    run.refresh_from_db()
    assert run.result is not None
    benefit = run.result["annual_benefit"]
    assert benefit["p10"] < benefit["p50"] < benefit["p90"]


def test_the_lead_figure_wins_over_the_range(lead: User) -> None:
    case = submitted_case(lead, task_kind="writing")  # 4 h a week given
    drivers = services.default_drivers(case, "shaper", DEFAULT_ASSUMPTIONS)
    assert drivers["hours_saved_per_year"]["mode"] == 4 * 45 * 46
    assert services.hours_saved_evidence(case, DEFAULT_ASSUMPTIONS) is None


def test_submission_takes_a_task_kind_instead_of_hours_and_says_so(lead: User) -> None:
    case = make_draft(lead, **NO_HOURS)
    missing = IntakeSubmission.missing(case.snapshot())
    assert "choose the kind of task" in missing["hours_saved_per_person_per_week"]
    case = make_draft(lead, task_kind="analysis", **NO_HOURS)
    assert IntakeSubmission.missing(case.snapshot()) == {}


def test_a_version_stored_without_the_evidence_parses_with_it() -> None:
    old = DEFAULT_ASSUMPTIONS.model_dump(mode="json")
    del old["intake"]["hours_saved_by_task"]
    parsed = Assumptions.from_stored(old)
    writing = parsed.intake.hours_saved_by_task["writing"]
    assert writing.source == "Noy and Zhang, Science, 2023"
    assert writing.hours_per_week(40) == (2.0, 3.0, 4.0)


def test_the_intake_and_the_case_page_show_the_source_and_the_mixed_evidence(
    lead: User, reviewer: User
) -> None:
    case = submitted_case(lead, task_kind="software_development", **NO_HOURS)
    page = client_for(reviewer).get(f"/usecases/{case.reference}/").content.decode()
    assert 'data-testid="hours-evidence"' in page
    assert "-3.8 to 11.2 h a person a week, likely 2.0 h" in page
    assert "Peng et al., 2023, controlled experiment; METR, July 2025" in page
    assert "The evidence is mixed" in page
    # The intake's value step lists every kind's range with its source.
    new = make_draft(lead, title="Summarise tickets")
    step = client_for(lead).get(f"/usecases/{new.reference}/edit/value/").content.decode()
    assert 'data-testid="task-evidence"' in step
    assert "Brynjolfsson, Li and Raymond, NBER w31161 2023" in step
    assert "Dell&#x27;Acqua et al., Harvard Business School working paper 24-013, 2023" in step
    assert "19 points less likely to be right on a task outside it" in step  # mixed, in words


def test_the_api_takes_the_task_kind_and_refuses_an_unknown_one(lead: User) -> None:
    client = client_for(lead)
    case = make_draft(lead)
    url = f"/api/v1/usecases/{case.reference}/"
    bad = client.patch(url, {"task_kind": "juggling"}, content_type="application/json")
    assert bad.status_code == 400
    assert "“juggling” is not a known task kind" in str(bad.json())
    assert UseCase.objects.get(pk=case.pk).task_kind == ""
    good = client.patch(url, {"task_kind": "writing"}, content_type="application/json")
    assert good.status_code == 200 and good.json()["task_kind"] == "writing"
