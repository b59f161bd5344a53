"""``/api/v1/register/``: reading, the lookup, and changing the register, per role."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from policies.models import Policy, PolicyCategory, RegisterEntry
from portal.models import AuditEvent, User
from tests.policies.test_register_pages import make_entry

NEW_ENTRY = {
    "name": "Acme Model",
    "vendor": "Acme",
    "kind": "api_model",
    "status": "approved",
    "max_data_classification": "confidential",
    "price_per_million_input_tokens": "2.50",
    "price_per_million_output_tokens": "10.00",
    "prices_checked_on": "2026-11-01",
}


def api_as(user: User | None) -> APIClient:
    api = APIClient()
    if user is not None:
        api.force_authenticate(user)
    return api


@pytest.mark.django_db
def test_anonymous_calls_are_refused() -> None:
    assert api_as(None).get("/api/v1/register/").status_code == 401
    assert api_as(None).get("/api/v1/register/lookup/?tool=x&data=public").status_code == 401


@pytest.mark.django_db
def test_employee_lists_and_filters_the_register(employee: User) -> None:
    make_entry(name="Acme Chat")
    make_entry(name="Beta Coder", kind="coding_assistant", vendor="Beta")
    make_entry(name="Gamma Model", kind="api_model", status="prohibited", vendor="Gamma Labs")
    api = api_as(employee)

    def slugs(**params: str) -> list[str]:
        response = api.get("/api/v1/register/", params)
        assert response.status_code == 200
        return [item["slug"] for item in response.json()["results"]]

    assert slugs() == ["acme-chat", "beta-coder", "gamma-model"]
    assert slugs(kind="coding_assistant") == ["beta-coder"]
    assert slugs(status="prohibited") == ["gamma-model"]
    assert slugs(search="LABS") == ["gamma-model"]


@pytest.mark.django_db
def test_list_rejects_an_unknown_filter_value_naming_the_field(employee: User) -> None:
    response = api_as(employee).get("/api/v1/register/", {"status": "allowed"})
    assert response.status_code == 400
    body = response.json()
    assert "“allowed” is not a known status" in body["errors"]["status"][0]


@pytest.mark.django_db
def test_detail_by_slug(employee: User, author: User) -> None:
    policy = Policy.objects.create(
        title="Acceptable use",
        slug="acceptable-use",
        category=PolicyCategory.ACCEPTABLE_USE,
        created_by=author,
    )
    make_entry(
        governing_policy=policy,
        price_per_million_input_tokens=Decimal("0.15"),
        prices_checked_on=datetime.date(2026, 11, 1),
    )
    response = api_as(employee).get("/api/v1/register/acme-chat/")
    assert response.status_code == 200
    body = response.json()
    assert body["governing_policy"] == {"title": "Acceptable use", "slug": "acceptable-use"}
    assert body["price_per_million_input_tokens"] == "0.1500"
    assert body["prices_checked_on"] == "2026-11-01"
    assert body["page_url"] == "/tools/acme-chat/"
    assert api_as(employee).get("/api/v1/register/nothing/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "data", "verdict", "reason"),
    [
        ({}, "internal", "yes", "approved"),
        ({}, "confidential", "no", "data_too_sensitive"),
        (
            {"conditions_of_use": "Use SSO."},
            "public",
            "yes_with_conditions",
            "approved_with_conditions",
        ),
        ({"status": "restricted"}, "internal", "yes_with_conditions", "restricted"),
        ({"status": "prohibited"}, "public", "no", "prohibited"),
        ({"status": "under_review"}, "public", "no", "under_review"),
    ],
)
def test_lookup_answers(
    employee: User, fields: dict[str, Any], data: str, verdict: str, reason: str
) -> None:
    make_entry(**fields)
    response = api_as(employee).get("/api/v1/register/lookup/", {"tool": "acme-chat", "data": data})
    assert response.status_code == 200
    body = response.json()
    assert (body["verdict"], body["reason"]) == (verdict, reason)
    assert body["tool"] == {"name": "Acme Chat", "slug": "acme-chat"}
    assert body["data_classification"] == data
    assert body["answer"].startswith(body["headline"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"tool": "acme-chat", "data": "secret"}, "data", "“secret” is not a known data"),
        ({"tool": "acme-chat"}, "data", "This field is required."),
        ({"tool": "missing", "data": "public"}, "tool", "No tool or model “missing”"),
        ({"data": "public"}, "tool", "This field is required."),
    ],
)
def test_lookup_bad_input_is_a_400_naming_the_field(
    employee: User, params: dict[str, str], field: str, message: str
) -> None:
    make_entry()
    response = api_as(employee).get("/api/v1/register/lookup/", params)
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "The request has invalid fields; see errors for what to fix."
    assert message in body["errors"][field][0]


@pytest.mark.django_db
@pytest.mark.parametrize("person", ["employee", "lead", "reviewer", "approver"])
def test_people_without_manage_register_cannot_create_or_update(
    cast: dict[str, User], person: str
) -> None:
    make_entry()
    api = api_as(cast[person])
    response = api.post("/api/v1/register/", NEW_ENTRY, format="json")
    assert response.status_code == 403
    assert (
        response.json()["detail"]
        == "Only policy authors and administrators may change the register."
    )
    assert api.patch("/api/v1/register/acme-chat/", {"status": "prohibited"}).status_code == 403
    assert RegisterEntry.objects.get().status == "approved"
    assert RegisterEntry.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("person", ["author", "admin"])
def test_authors_and_admins_create_and_update(cast: dict[str, User], person: str) -> None:
    api = api_as(cast[person])
    response = api.post("/api/v1/register/", NEW_ENTRY, format="json")
    assert response.status_code == 201, response.json()
    assert response["Location"] == "/api/v1/register/acme-model/"
    body = response.json()
    assert body["price_per_million_output_tokens"] == "10.0000"
    # Added under review for public data; the approval asked for waits for an approver.
    assert (body["status"], body["max_data_classification"]) == ("under_review", "public")
    assert body["pending_change"]["changes"] == {
        "status": "approved",
        "max_data_classification": "confidential",
    }
    approved = api_as(cast["approver"]).post(
        f"/api/v1/pending-changes/{body['pending_change']['id']}/approve/"
    )
    assert approved.status_code == 200, approved.json()

    response = api.patch("/api/v1/register/acme-model/", {"conditions_of_use": "EU only."})
    assert response.status_code == 200  # not a four-eyes field: saved at once
    assert response.json()["conditions_of_use"] == "EU only."
    response = api.patch(
        "/api/v1/register/acme-model/", {"status": "restricted", "description": "Reworded."}
    )
    assert response.status_code == 202  # the status waits for an approver; the rest is saved
    body = response.json()
    assert (body["status"], body["entry"], body["changes"]) == (
        "pending",
        "acme-model",
        {"status": "restricted"},
    )
    assert response["Location"] == f"/api/v1/pending-changes/{body['id']}/"
    entry = RegisterEntry.objects.get(slug="acme-model")
    assert (entry.conditions_of_use, entry.description, entry.status) == (
        "EU only.",
        "Reworded.",
        "approved",
    )
    actions = list(AuditEvent.objects.filter(actor=cast[person]).values_list("action", flat=True))
    assert actions.count("register_entry.created") == 1
    assert actions.count("register_entry.updated") == 2
    assert actions.count("register_entry.change_proposed") == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"price_per_million_input_tokens": "-1"}, "price_per_million_input_tokens", "negative"),
        ({"prices_checked_on": None}, "prices_checked_on", "Say when the prices were checked"),
        ({"kind": "robot"}, "kind", "“robot” is not a known kind"),
        ({"name": ""}, "name", "may not be blank"),
        ({"governing_policy": "nope"}, "governing_policy", "no policy with the slug “nope”"),
    ],
)
def test_create_rejects_bad_input_and_saves_nothing(
    author: User, fields: dict[str, Any], field: str, message: str
) -> None:
    response = api_as(author).post("/api/v1/register/", {**NEW_ENTRY, **fields}, format="json")
    assert response.status_code == 400
    assert message in " ".join(response.json()["errors"][field])
    assert not RegisterEntry.objects.exists()


@pytest.mark.django_db
def test_update_refuses_a_new_slug_and_a_negative_price(author: User) -> None:
    make_entry()
    api = api_as(author)
    response = api.patch("/api/v1/register/acme-chat/", {"slug": "other"})
    assert response.status_code == 400
    assert "cannot change" in response.json()["errors"]["slug"][0]
    response = api.patch(
        "/api/v1/register/acme-chat/",
        {"gpu_type": "H100", "gpu_hourly_price": "-3", "prices_checked_on": "2026-11-01"},
    )
    assert response.status_code == 400
    assert response.json()["errors"]["gpu_hourly_price"] == ["A price cannot be negative."]
    assert RegisterEntry.objects.get().gpu_hourly_price is None


@pytest.mark.django_db
@pytest.mark.parametrize("count", [5, 40])
def test_list_costs_the_same_queries_for_5_or_40_entries(
    employee: User, author: User, count: int, django_assert_max_num_queries: Any
) -> None:
    policy = Policy.objects.create(
        title="Acceptable use", slug="acceptable-use", category="acceptable_use", created_by=author
    )
    for number in range(count):
        make_entry(name=f"Tool {number:02}", governing_policy=policy)
    api = api_as(employee)
    with django_assert_max_num_queries(4):
        response = api.get("/api/v1/register/")
    assert response.json()["count"] == count
    assert len(response.json()["results"]) == count


@pytest.mark.django_db
def test_schema_documents_the_lookup(employee: User) -> None:
    api = api_as(employee)
    response = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    lookup = schema["paths"]["/api/v1/register/lookup/"]["get"]
    assert {parameter["name"] for parameter in lookup["parameters"]} >= {"tool", "data"}
    examples = lookup["responses"]["200"]["content"]["application/json"]["examples"]
    verdicts = {example["value"]["verdict"] for example in examples.values()}
    assert verdicts == {"yes_with_conditions", "no"}
