"""The ranked portfolio page: ranking, filters, sorts, totals, chart data, permissions, queries."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from portal.models import Department, User
from tests.usecases.portfolio.conftest import bulk_cases
from usecases.models import UseCase
from usecases.portfolio import chart as bubble_chart
from usecases.portfolio import selectors

URL = "/portfolio/"


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _refs(response: Any) -> list[str]:
    return [str(row.usecase.reference) for row in response.context["rows"]]


def test_ranked_by_priority_with_unscored_last(
    reviewer: User, known_portfolio: dict[str, UseCase]
) -> None:
    k = known_portfolio
    response = _client(reviewer).get(URL)
    assert response.status_code == 200
    assert _refs(response) == [
        k["a"].reference,
        k["b"].reference,
        k["d"].reference,
        k["c"].reference,
    ]
    rows = {row.usecase.reference: row for row in response.context["rows"]}
    assert rows[k["a"].reference].open_findings == 1
    assert rows[k["b"].reference].open_findings == 0
    assert rows[k["d"].reference].archetype == "taker"  # chosen wins over recommended
    assert rows[k["b"].reference].archetype == "maker"  # recommended when none chosen


def test_totals_of_the_filtered_set(reviewer: User, known_portfolio: dict[str, UseCase]) -> None:
    totals = _client(reviewer).get(URL).context["totals"]
    assert totals.count == 4
    assert totals.estimated == 3
    assert totals.expected_annual_benefit == Decimal("130000")
    assert totals.one_time_cost == Decimal("110000")
    assert totals.annual_cost == Decimal("26000")
    assert dict((k, n) for k, _, n in totals.by_status)["approved"] == 1
    assert dict((k, n) for k, _, n in totals.by_status)["rejected"] == 0
    assert {k: n for k, _, n in totals.by_archetype} == {"taker": 2, "shaper": 1, "maker": 1}
    assert {k: n for k, _, n in totals.by_risk_tier}["minimal"] == 2
    by_quadrant = {k: n for k, _, n in totals.by_quadrant}
    assert by_quadrant["quick_win"] == 1 and by_quadrant[""] == 1

    filtered = _client(reviewer).get(URL, {"risk_tier": "minimal"}).context["totals"]
    assert filtered.count == 2
    assert filtered.annual_cost == Decimal("1000")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "approved"}, ["a"]),
        ({"department": "engineering"}, ["b", "d"]),
        ({"archetype": "taker"}, ["d", "c"]),
        ({"archetype": "shaper"}, ["a"]),
        ({"archetype": "maker"}, ["b"]),
        ({"risk_tier": "high"}, ["b"]),
        ({"value_lever": "productivity"}, ["a", "c"]),
        ({"business_function": "finance"}, ["d"]),
        ({"quadrant": "strategic_bet"}, ["b"]),
        ({"status": "draft", "department": "engineering"}, ["d"]),
        ({"status": "live"}, []),
    ],
)
def test_each_filter(
    reviewer: User, known_portfolio: dict[str, UseCase], params: dict[str, str], expected: list[str]
) -> None:
    response = _client(reviewer).get(URL, params)
    assert _refs(response) == [known_portfolio[key].reference for key in expected]
    chart = json.loads(
        response.content.decode()
        .split('id="portfolio-chart-data" type="application/json">')[1]
        .split("</script>")[0]
    )
    scored = [key for key in expected if known_portfolio[key].priority_score is not None]
    assert sorted(p["reference"] for p in chart["points"]) == sorted(
        str(known_portfolio[key].reference) for key in scored
    )


def test_unknown_filter_value_is_ignored(
    reviewer: User, known_portfolio: dict[str, UseCase]
) -> None:
    response = _client(reviewer).get(URL, {"status": "nonsense", "sort": "password"})
    assert response.status_code == 200
    assert len(_refs(response)) == 4


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("priority", ["d", "b", "a", "c"]),
        ("-priority", ["a", "b", "d", "c"]),
        ("value", ["d", "b", "a", "c"]),
        ("-feasibility", ["a", "d", "b", "c"]),
        ("annual_cost", ["d", "a", "b", "c"]),
        ("-one_time_cost", ["b", "a", "c", "d"]),
        ("-benefit", ["b", "a", "c", "d"]),
        ("payback", ["a", "b", "c", "d"]),
        ("reference", ["a", "b", "c", "d"]),
        ("-reference", ["d", "c", "b", "a"]),
        ("status", ["a", "d", "b", "c"]),
        ("department", ["a", "c", "b", "d"]),
        ("-department", ["b", "d", "a", "c"]),
        ("archetype", ["b", "a", "c", "d"]),
        ("risk_tier", ["b", "a", "c", "d"]),
        ("quadrant", ["d", "a", "b", "c"]),
        ("owner", ["a", "c", "b", "d"]),
    ],
)
def test_each_sort_with_stable_tiebreak(
    reviewer: User, known_portfolio: dict[str, UseCase], sort: str, expected: list[str]
) -> None:
    response = _client(reviewer).get(URL, {"sort": sort})
    assert _refs(response) == [known_portfolio[key].reference for key in expected]


def test_sort_by_title(reviewer: User, known_portfolio: dict[str, UseCase]) -> None:
    a, b = str(known_portfolio["a"].reference), str(known_portfolio["b"].reference)
    ascending = _refs(_client(reviewer).get(URL, {"sort": "title"}))
    descending = _refs(_client(reviewer).get(URL, {"sort": "-title"}))
    assert ascending.index(a) < ascending.index(b)
    assert descending.index(b) < descending.index(a)


def test_sort_links_keep_the_filters(reviewer: User, known_portfolio: dict[str, UseCase]) -> None:
    response = _client(reviewer).get(URL, {"risk_tier": "minimal", "sort": "-priority"})
    links = {c["key"]: c["link"] for c in response.context["columns"]}
    assert links["priority"] == "?risk_tier=minimal&sort=priority"
    assert links["value"] == "?risk_tier=minimal&sort=-value"


def test_pagination_keeps_filters(reviewer: User, lead: User, department: Department) -> None:
    bulk_cases(
        lead, department, [{"status": "submitted", "priority_score": float(n)} for n in range(30)]
    )
    response = _client(reviewer).get(URL, {"status": "submitted"})
    assert len(response.context["rows"]) == selectors.PAGE_SIZE
    assert "?status=submitted&amp;sort=-priority&amp;page=2" in response.content.decode()
    second = _client(reviewer).get(URL, {"status": "submitted", "page": "2"})
    assert len(second.context["rows"]) == 30 - selectors.PAGE_SIZE


def test_chart_points_and_thresholds(reviewer: User, known_portfolio: dict[str, UseCase]) -> None:
    chart = _client(reviewer).get(URL).context["chart"]
    points = {p["reference"]: p for p in chart["points"]}
    a = points[known_portfolio["a"].reference]
    assert (a["x"], a["y"], a["archetype"]) == (85.0, 80.0, "shaper")
    assert a["url"] == reverse("usecases:detail", args=[known_portfolio["a"].reference])
    b = points[known_portfolio["b"].reference]
    assert b["r"] == bubble_chart.MAX_RADIUS  # the largest annual cost
    assert a["r"] < b["r"]
    assert chart["value_threshold"] == 50.0 and chart["capped"] is False
    assert known_portfolio["c"].reference not in points  # not scored: no position


def test_bubble_radius_has_a_floor_for_unestimated_cases() -> None:
    assert bubble_chart.bubble_radius(None, Decimal("100")) == bubble_chart.MIN_RADIUS
    assert bubble_chart.bubble_radius(Decimal("25"), Decimal("100")) == pytest.approx(
        bubble_chart.MIN_RADIUS + (bubble_chart.MAX_RADIUS - bubble_chart.MIN_RADIUS) * 0.5
    )


def test_chart_is_capped(reviewer: User, lead: User, department: Department, monkeypatch) -> None:
    monkeypatch.setattr(bubble_chart, "CHART_POINT_CAP", 3)
    bulk_cases(
        lead, department, [{"value_score": 50.0, "feasibility_score": 50.0} for _ in range(5)]
    )
    response = _client(reviewer).get(URL)
    assert len(response.context["chart"]["points"]) == 3
    assert response.context["chart"]["capped"] is True
    assert 'data-testid="chart-capped"' in response.content.decode()


def test_missing_estimates_show_a_dash(reviewer: User, known_portfolio: dict[str, UseCase]) -> None:
    body = _client(reviewer).get(URL, {"status": "submitted"}).content.decode()
    assert "No estimate yet" in body


@pytest.mark.parametrize(
    "path",
    [
        "/portfolio/",
        "/portfolio/export.csv",
        "/portfolio/export.xlsx",
        "/portfolio/decisions/",
        "/portfolio/decisions/export.csv",
        "/portfolio/compliance/",
        "/portfolio/summary/",
    ],
)
def test_lead_and_employee_are_refused(lead: User, employee: User, author: User, path: str) -> None:
    for user in (lead, employee, author):
        assert _client(user).get(path).status_code == 403


def test_anonymous_is_sent_to_sign_in(db: None) -> None:
    response = Client().get(URL)
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert "/accounts/login/" in response["Location"]


def test_reviewer_and_admin_see_every_case(
    reviewer: User, admin_user: User, known_portfolio: dict[str, UseCase]
) -> None:
    for user in (reviewer, admin_user):
        assert len(_refs(_client(user).get(URL))) == 4


def test_navigation_shows_portfolio_to_the_cio_office_only(reviewer: User, lead: User) -> None:
    assert 'href="/portfolio/"' in _client(reviewer).get("/").content.decode()
    assert 'href="/portfolio/"' not in _client(lead).get("/").content.decode()


def _many(lead: User, other_lead: User, department: Department, other: Department, n: int) -> None:
    archetypes = ["taker", "shaper", "maker", ""]
    bulk_cases(
        lead,
        department,
        [
            {
                "status": "in_review",
                "department": other if i % 2 else department,
                "submitter": other_lead if i % 2 else lead,
                "priority_score": float(i % 100),
                "value_score": float(i % 97),
                "feasibility_score": float(i % 89),
                "quadrant": "quick_win",
                "chosen_archetype": archetypes[i % 4],
                "estimate_annual_p50": Decimal(i * 10),
                "data_categories": ["personal"],
                "human_oversight": "fully_automated" if i % 3 else "every_output",
            }
            for i in range(n)
        ],
    )


# session, user with department, groups (roles), count, page, one grouped query for every total,
# chart points, rubric, departments (page) / compliance (summary): never per row (findings are
# counted on the case), and no model-permission queries (roles answer every check).
@pytest.mark.parametrize(
    ("path", "queries"),
    [
        ("/portfolio/", 9),
        ("/api/v1/portfolio/", 6),
        ("/portfolio/summary/", 10),
        ("/portfolio/decisions/", 4),
    ],
)
def test_query_count_is_pinned_at_10_and_500_cases(
    reviewer: User,
    lead: User,
    other_lead: User,
    department: Department,
    other_department: Department,
    django_assert_num_queries: Any,
    path: str,
    queries: int,
) -> None:
    client = _client(reviewer)
    _many(lead, other_lead, department, other_department, 10)
    with django_assert_num_queries(queries):
        assert client.get(path, {"status": "in_review"}).status_code == 200
    _many(lead, other_lead, department, other_department, 490)
    with django_assert_num_queries(queries):
        assert client.get(path, {"status": "in_review"}).status_code == 200


def test_executive_summary_shows_the_top_ten(
    reviewer: User, lead: User, department: Department
) -> None:
    bulk_cases(lead, department, [{"priority_score": float(n)} for n in range(12)])
    response = _client(reviewer).get("/portfolio/summary/")
    assert response.status_code == 200
    priorities = [row.usecase.priority_score for row in response.context["rows"]]
    assert priorities == [float(n) for n in range(11, 1, -1)]
    assert response.context["totals"].count == 12
    body = response.content.decode()
    assert 'id="portfolio-chart-data"' in body
    assert "usecases/portfolio.css" in body  # which carries the print layout
    assert "data-print" in body
    # Net value, each with its currency.
    for header in ("Benefit / yr (USD)", "Net / yr (USD)", "Payback", "3-yr NPV (USD)"):
        assert header in body


def test_executive_summary_shows_net_a_year_and_npv(
    known_portfolio: dict[str, UseCase], reviewer: User
) -> None:
    case = next(c for c in known_portfolio.values() if c.estimate_annual_p50 is not None)
    UseCase.objects.filter(pk=case.pk).update(
        priority_score=100.0,
        expected_annual_benefit=Decimal("250000"),
        estimate_annual_p50=Decimal("50000"),
        estimate_npv_3y_p50=Decimal("480000"),
    )
    body = _client(reviewer).get("/portfolio/summary/").content.decode()
    assert "200,000" in body and "480,000" in body  # net 250,000 - 50,000; the NPV


JOINED_SORTS = {"department", "owner"}  # through their join: the planner sorts the page


@pytest.mark.parametrize(
    "sort",
    [f"{sign}{key}" for key in selectors.SORTS if key not in JOINED_SORTS for sign in ("", "-")],
)
def test_every_sort_is_served_by_an_index(known_portfolio: dict[str, UseCase], sort: str) -> None:
    """Each sort, both ways, reads an index in order: no sort step, whatever the table's size."""
    if connection.vendor != "postgresql":
        pytest.skip("the sort indexes are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = selectors.ordered(UseCase.objects.all(), sort)[:25].explain()
    assert "Index Scan" in plan, plan
    assert "Sort" not in plan, plan


def test_the_default_ranking_uses_its_own_index(known_portfolio: dict[str, UseCase]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = selectors.ordered(UseCase.objects.all(), "-priority")[:50].explain()
    assert "usecase_priority_rank" in plan
