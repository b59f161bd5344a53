"""``/api/v1/portfolio/`` and ``/api/v1/portfolio/compliance/``."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from portal.models import User
from usecases.models import UseCase


def _api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_ranked_list_with_totals(reviewer: User, known_portfolio: dict[str, UseCase]) -> None:
    k = known_portfolio
    response = _api(reviewer).get("/api/v1/portfolio/")
    assert response.status_code == 200
    body = response.json()
    assert [r["reference"] for r in body["results"]] == [
        k[x].reference for x in ("a", "b", "d", "c")
    ]
    assert body["count"] == 4
    assert body["totals"]["annual_cost"] == "26000.00"
    assert body["results"][0]["open_findings"] == 1
    assert body["results"][0]["archetype"] == "shaper"
    assert body["results"][0]["department"] == "customer-service"


def test_filters_sort_and_pagination(reviewer: User, known_portfolio: dict[str, UseCase]) -> None:
    k = known_portfolio
    body = (
        _api(reviewer)
        .get("/api/v1/portfolio/", {"archetype": "taker", "sort": "-reference", "page_size": "1"})
        .json()
    )
    assert body["count"] == 2
    assert [r["reference"] for r in body["results"]] == [k["d"].reference]
    assert body["next"] is not None
    assert body["totals"]["count"] == 2


def test_bad_filter_is_a_clear_400(reviewer: User, known_portfolio: dict[str, UseCase]) -> None:
    response = _api(reviewer).get("/api/v1/portfolio/", {"status": "nonsense"})
    assert response.status_code == 400
    assert "status" in response.json()["errors"]


@pytest.mark.parametrize("path", ["/api/v1/portfolio/", "/api/v1/portfolio/compliance/"])
def test_lead_gets_403(lead: User, path: str) -> None:
    response = _api(lead).get(path)
    assert response.status_code == 403
    assert "CIO office" in response.json()["detail"]


def test_admin_sees_all(admin_user: User, known_portfolio: dict[str, UseCase]) -> None:
    assert _api(admin_user).get("/api/v1/portfolio/").json()["count"] == 4


def test_schema_documents_the_portfolio(reviewer: User) -> None:
    schema = _api(reviewer).get("/api/schema/", {"format": "json"}).json()
    assert "/api/v1/portfolio/" in schema["paths"]
    assert "/api/v1/portfolio/compliance/" in schema["paths"]
    names = [p["name"] for p in schema["paths"]["/api/v1/portfolio/"]["get"]["parameters"]]
    assert {"status", "archetype", "quadrant", "sort", "page"} <= set(names)
