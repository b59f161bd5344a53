"""The portfolio's totals count the cases in play by default (not rejected, withdrawn,
retired or prohibited), say so, and count the rest on request; a case that cannot be pursued
says why."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from portal.models import Department, User
from tests.usecases.portfolio.conftest import bulk_cases
from usecases.models import UseCase

pytestmark = pytest.mark.django_db

FIGURES = {
    "expected_annual_benefit": Decimal("100000"),
    "estimate_one_time_p50": Decimal("10000"),
    "estimate_annual_p50": Decimal("20000"),
    "estimate_npv_3y_p50": Decimal("150000"),
}


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def mixed(lead: User, department: Department) -> list[UseCase]:
    return bulk_cases(
        lead,
        department,
        [
            {"title": "In play", "status": "in_review", "risk_tier": "minimal", **FIGURES},
            {"title": "Also in play", "status": "approved", "risk_tier": "limited", **FIGURES},
            {"title": "Emotions", "status": "in_review", "risk_tier": "prohibited", **FIGURES},
            {"title": "Turned down", "status": "rejected", "risk_tier": "minimal", **FIGURES},
            {"title": "Given up", "status": "withdrawn", **FIGURES},
            {"title": "Switched off", "status": "retired", "risk_tier": "minimal", **FIGURES},
        ],
    )


def test_the_totals_count_the_cases_in_play_and_say_so(reviewer: User, mixed: list) -> None:
    response = _client(reviewer).get("/portfolio/")
    totals = response.context["totals"]
    assert (totals.count, totals.left_out, totals.counted) == (2, 4, "in_play")
    assert totals.expected_annual_benefit == Decimal("200000")
    assert totals.annual_cost == Decimal("40000")
    assert totals.npv_3y == Decimal("300000")
    page = response.content.decode()
    assert (
        "The totals count the 2 cases in play; 4 rejected, withdrawn, retired or prohibited" in page
    )
    assert "counted=all" in page
    # Every row is still listed: only the totals leave cases out.
    assert len(response.context["rows"]) == 6


def test_counted_all_includes_the_rest(reviewer: User, mixed: list) -> None:
    response = _client(reviewer).get("/portfolio/", {"counted": "all"})
    totals = response.context["totals"]
    assert (totals.count, totals.left_out, totals.counted) == (6, 0, "all")
    assert totals.annual_cost == Decimal("120000")
    assert "the rejected, withdrawn, retired and prohibited ones too" in response.content.decode()


def test_the_api_totals_follow_the_same_rule(reviewer: User, mixed: list) -> None:
    body = _client(reviewer).get("/api/v1/portfolio/").json()
    assert body["totals"]["count"] == 2 and body["totals"]["left_out"] == 4
    assert body["totals"]["counted"] == "in_play"
    assert body["count"] == 6
    everything = _client(reviewer).get("/api/v1/portfolio/", {"counted": "all"}).json()
    assert everything["totals"]["count"] == 6
    assert _client(reviewer).get("/api/v1/portfolio/", {"counted": "some"}).status_code == 400


def test_a_prohibited_case_says_it_cannot_be_pursued_and_why(reviewer: User, mixed: list) -> None:
    prohibited = mixed[2]
    page = _client(reviewer).get(f"/usecases/{prohibited.reference}/").content.decode()
    assert 'data-testid="not-pursued"' in page
    assert "This case cannot be pursued." in page
    assert "EU AI Act tier is prohibited (Article 5)" in page
    in_play = _client(reviewer).get(f"/usecases/{mixed[0].reference}/").content.decode()
    assert 'data-testid="not-pursued"' not in in_play
