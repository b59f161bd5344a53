"""The intake's volume, review and integration facts: through the form and the API, into the
drivers the engine gets; older cases without them still estimate and say what was assumed."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from portal.models import User
from tests.usecases.conftest import make_tool
from usecases.estimates import services
from usecases.estimates.assumptions import DEFAULT_ASSUMPTIONS
from usecases.estimates.models import EstimateRun
from usecases.models import UseCase

from .helpers import client_for, priced_tool, submitted_case

pytestmark = pytest.mark.django_db


def seat_tool(slug: str = "github-copilot", price: str = "19") -> object:
    return make_tool(
        slug,
        kind="coding_assistant",
        seat_price_monthly=Decimal(price),
        prices_checked_on=datetime.date(2026, 11, 1),
    )


def test_the_use_step_saves_the_facts_and_refuses_bad_ones_naming_them(lead: User) -> None:
    client = client_for(lead)
    client.post("/usecases/new/", {"title": "Draft replies", "action": "save"})
    case = UseCase.objects.get(title="Draft replies")
    url = f"/usecases/{case.reference}/edit/use/"
    page = client.get(url).content.decode()
    assert "email draft: 1,500 in, 400 out" in page  # the kinds' token counts, visible
    bad = client.post(
        url, {"employee_users": "-3", "review_share_percent": "150", "action": "save"}
    )
    text = bad.content.decode()
    assert "It cannot be negative." in text and "enter at most 100" in text
    assert UseCase.objects.get(pk=case.pk).employee_users is None  # nothing half-saved
    client.post(
        url,
        {
            "employee_users": "45",
            "customer_interactions_per_month": "30000",
            "uses_per_person_per_day": "40",
            "request_kind": "email_draft",
            "reviewed_by": "separate_team",
            "review_share_percent": "20",
            "review_team_function": "legal",
            "action": "save",
        },
    )
    client.post(
        f"/usecases/{case.reference}/edit/systems/",
        {
            "systems_connected": "2",
            "writes_back": "true",
            "data_sources": "1",
            "access_control": "role_based",
            "corpus_documents": "5000",
            "action": "save",
        },
    )
    case.refresh_from_db()
    assert (case.employee_users, case.customer_interactions_per_month) == (45, 30_000)
    assert case.uses_per_person_per_day == Decimal("40.0")
    assert (case.reviewed_by, case.review_share_percent) == ("separate_team", 20)
    assert (case.systems_connected, case.writes_back, case.corpus_documents) == (2, True, 5000)
    # The page keeps the other steps' answers: nothing was dropped.
    assert case.title == "Draft replies"


def test_the_api_takes_the_facts_and_refuses_out_of_bounds(lead: User) -> None:
    client = client_for(lead)
    created = client.post(
        "/api/v1/usecases/",
        {
            "title": "Summarise contracts",
            "employee_users": 12,
            "request_kind": "long_document_review",
            "reviewed_by": "own_draft",
            "writes_back": False,
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["employee_users"] == 12 and body["request_kind"] == "long_document_review"
    assert body["writes_back"] is False
    bad = client.patch(
        f"/api/v1/usecases/{body['reference']}/",
        {"request_input_tokens": 10**12, "expected_version": body["version"]},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "request_input_tokens" in bad.content.decode()


def test_seats_only_for_employees_of_a_seat_tool_customers_through_the_api(lead: User) -> None:
    case = submitted_case(
        lead,
        seat_tool(),  # type: ignore[arg-type]
        business_function="software_engineering",
        employee_users=180,
        customer_interactions_per_month=0,
        uses_per_person_per_day=Decimal("30"),
        reviewed_by="own_draft",
    )
    drivers = services.default_drivers(case, "taker", DEFAULT_ASSUMPTIONS)
    assert drivers["users"] == 180 and drivers["seat_price_monthly"] == 19.0
    assert drivers["api_requests_per_day"] == 0  # no API bill on top of the seats
    assert drivers["requests_per_day"] == 180 * 30  # stated: exact, not a range
    # An engineer's hour: $185,000 / 46 / 40 = $100.54 (not a flat $60).
    assert drivers["user_hourly_cost"] == 100.54
    # 4 h a week x 180 engineers x 46 weeks, at the stated 60 % confidence: 60-140 %.
    assert drivers["hours_saved_per_year"]["mode"] == 4 * 180 * 46
    assert drivers["hours_saved_per_year"]["low"] == 4 * 180 * 46 * 0.6
    run = EstimateRun.objects.get(usecase=case, archetype="taker", is_current=True)
    result, error = services.compute_run(run.inputs, run.assumptions_version)
    assert error == "" and result is not None
    lines = {line["item"]: line for line in result["breakdown"]}
    assert lines["licences"]["annual"] == 180 * 19 * 12
    assert lines["api_usage"]["annual"] == 0 and lines["human_oversight"]["annual"] == 0


def test_customers_never_get_seats_and_a_separate_team_is_a_cost(lead: User) -> None:
    case = submitted_case(
        lead,
        priced_tool(),
        employee_users=0,
        customer_interactions_per_month=25_000,  # 25,000 x 12 / 250 = 1,200 a working day
        reviewed_by="separate_team",
        review_share_percent=10,
        review_team_function="legal",
    )
    drivers = services.default_drivers(case, "taker", DEFAULT_ASSUMPTIONS)
    assert drivers["users"] == 0
    assert drivers["requests_per_day"] == 1_200
    assert drivers["review_by"] == "separate_team" and drivers["review_share"] == 0.1
    assert drivers["reviewer_hourly_cost"] == 78.8  # legal: $145,000 / 46 / 40
    assert services.assumed_facts(case) == [
        "tokens per request (a typical request)",
        "integration effort (by data sensitivity)",
    ]


def test_integration_effort_and_retrieval_follow_the_facts(lead: User) -> None:
    case = submitted_case(
        lead,
        systems_connected=2,
        writes_back=True,
        data_sources=3,
        access_control="per_record",
        corpus_documents=40_000,
    )
    drivers = services.default_drivers(case, "shaper", DEFAULT_ASSUMPTIONS)
    # 2 systems x 3 + 3 sources x 2 + write-back 4 + per-record access 6 = 22 weeks.
    assert drivers["integration_person_weeks"] == 22
    assert drivers["corpus_documents"] == 40_000
    # 45 users of the 500 at which a Shaper needs its whole run team: the 20 % floor.
    assert drivers["run_team_scale"] == 0.2


def test_an_older_case_without_facts_still_estimates_and_says_what_was_assumed(
    lead: User, reviewer: User
) -> None:
    case = submitted_case(lead)
    assert services.assumed_facts(case)[0] == "45 employee users (the people affected)"
    run = EstimateRun.objects.get(usecase=case, archetype="taker", is_current=True)
    assert services.estimate_run_execute(run.pk) == "done"
    page = client_for(reviewer).get(f"/usecases/{case.reference}/").content.decode()
    assert 'data-testid="assumed-facts"' in page
    assert "45 employee users (the people affected)" in page
