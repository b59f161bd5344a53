"""The API: the same rules as the pages, 404 for invisible cases, 400 naming the field."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from portal.models import User
from usecases.models import Status, UseCase

from .conftest import COMPLETE, make_draft, ready_for_approval

pytestmark = pytest.mark.django_db


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def body(data: dict) -> dict:
    return {k: (str(v) if k.startswith("hours") else v) for k, v in data.items()}


def test_create_update_submit_through_the_api(lead: User, approved_tool) -> None:
    client = api(lead)
    created = client.post("/api/v1/usecases/", {"title": "API idea"}, format="json")
    assert created.status_code == 201, created.json()
    reference = created.json()["reference"]
    assert reference.startswith("UC-") and created.json()["status"] == "draft"
    not_yet = client.post(f"/api/v1/usecases/{reference}/submit/", {}, format="json")
    assert not_yet.status_code == 400 and "problem" in not_yet.json()["errors"]
    patch = client.patch(
        f"/api/v1/usecases/{reference}/",
        {**body(COMPLETE), "preferred_tools": [approved_tool.slug]},
        format="json",
    )
    assert patch.status_code == 200, patch.json()
    assert patch.json()["preferred_tools"] == [approved_tool.slug]
    submitted = client.post(f"/api/v1/usecases/{reference}/submit/", {}, format="json")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    again = client.patch(f"/api/v1/usecases/{reference}/", {"title": "x"}, format="json")
    assert again.status_code == 409 and "no longer a draft" in again.json()["detail"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": "x", "people_affected": -1}, "people_affected"),
        ({"title": "x", "benefit_confidence": 101}, "benefit_confidence"),
        ({"title": "x", "department": "atlantis"}, "department"),
        ({"title": "x", "data_categories": ["dreams"]}, "data_categories"),
        ({"title": "x", "preferred_tools": ["no-such-tool"]}, "preferred_tools"),
        ({"problem": "no title"}, "title"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_creates_nothing(
    lead: User, payload: dict, field: str
) -> None:
    response = api(lead).post("/api/v1/usecases/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert UseCase.objects.count() == 0


ENDPOINTS = [
    "",
    "comments/",
    "risk-questionnaire/",
    "risk-register/",
    "ratings/",
    "scores/",
    "findings/",
]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_other_lead_gets_404_everywhere(draft: UseCase, other_lead: User, endpoint: str) -> None:
    assert api(other_lead).get(f"/api/v1/usecases/{draft.reference}/{endpoint}").status_code == 404


@pytest.mark.parametrize(
    ("endpoint", "payload"),
    [
        ("transition/", {"to": "withdrawn", "expected_version": 1}),
        ("comments/", {"body": "hello"}),
        ("exceptions/", {"finding_key": "x", "reason": "because I say so"}),
        ("submit/", {}),
    ],
)
def test_other_lead_gets_404_on_writes(
    draft: UseCase, other_lead: User, endpoint: str, payload: dict
) -> None:
    url = f"/api/v1/usecases/{draft.reference}/{endpoint}"
    assert api(other_lead).post(url, payload, format="json").status_code == 404
    assert UseCase.objects.get(pk=draft.pk).status == Status.DRAFT


def test_list_is_scoped_and_filtered(lead: User, other_lead: User, reviewer: User) -> None:
    mine = make_draft(lead, title="Mine")
    make_draft(other_lead, title="Theirs")
    refs = [row["reference"] for row in api(lead).get("/api/v1/usecases/").json()["results"]]
    assert refs == [mine.reference]
    assert len(api(reviewer).get("/api/v1/usecases/").json()["results"]) == 2
    bad = api(reviewer).get("/api/v1/usecases/?status=nonsense")
    assert bad.status_code == 400 and "status" in bad.json()["errors"]


def test_review_through_the_api(draft: UseCase, lead: User, reviewer: User) -> None:
    ref = draft.reference
    api(lead).post(f"/api/v1/usecases/{ref}/submit/", {}, format="json")
    client = api(reviewer)
    case = UseCase.objects.get(pk=draft.pk)
    moved = client.post(
        f"/api/v1/usecases/{ref}/transition/",
        {"to": "in_review", "expected_version": case.version},
        format="json",
    )
    assert moved.status_code == 200
    tier = client.put(
        f"/api/v1/usecases/{ref}/risk-questionnaire/",
        {"transparency_duties": ["chatbot"]},
        format="json",
    )
    assert tier.json()["risk_tier"] == "limited"
    register = client.put(
        f"/api/v1/usecases/{ref}/risk-register/",
        [{"risk": "confabulation", "likelihood": 3, "severity": 2}],
        format="json",
    )
    assert register.status_code == 200 and register.json()[0]["risk"] == "confabulation"
    bad = client.put(
        f"/api/v1/usecases/{ref}/risk-register/",
        [{"risk": "confabulation", "likelihood": 7, "severity": 2}],
        format="json",
    )
    assert bad.status_code == 400
    rated = client.put(
        f"/api/v1/usecases/{ref}/ratings/",
        [
            {"criterion": c, "score": 4}
            for c in ["strategic_fit", "reach", "skills", "data_readiness"]
        ],
        format="json",
    )
    assert rated.status_code == 200 and rated.json()["value_score"] == 75
    scores = client.get(f"/api/v1/usecases/{ref}/scores/").json()
    assert scores["priority"] is not None and len(scores["contributions"]) == 7
    wrong_role = api(lead).post(
        f"/api/v1/usecases/{ref}/transition/",
        {"to": "approved", "expected_version": 99},
        format="json",
    )
    assert wrong_role.status_code in {403, 409}
    case = UseCase.objects.get(pk=draft.pk)
    no_reason = client.post(
        f"/api/v1/usecases/{ref}/transition/",
        {"to": "rejected", "expected_version": case.version},
        format="json",
    )
    assert no_reason.status_code == 400 and "comment" in no_reason.json()["errors"]
    stale = client.post(
        f"/api/v1/usecases/{ref}/transition/",
        {"to": "approved", "expected_version": case.version - 1},
        format="json",
    )
    assert stale.status_code == 409 and "changed under you" in stale.json()["detail"]
    not_ready = client.post(
        f"/api/v1/usecases/{ref}/transition/",
        {"to": "approved", "expected_version": case.version, "comment": "Go."},
        format="json",
    )
    # The gate answers 409 with the same list the case page shows, each item with its link.
    assert not_ready.status_code == 409, not_ready.json()
    missing = {item["key"]: item for item in not_ready.json()["missing"]}
    assert set(missing) == {"ratings", "archetype"}
    assert "Ease of integration" in missing["ratings"]["text"]
    assert missing["ratings"]["url"] == f"/usecases/{ref}/ratings/"
    assert missing["ratings"]["text"] in not_ready.json()["detail"]
    assert UseCase.objects.get(pk=draft.pk).status == Status.IN_REVIEW
    # The case's detail lists the same items, in the same words, before anyone tries to approve.
    detail = client.get(f"/api/v1/usecases/{ref}/").json()
    assert detail["approval_missing"] == not_ready.json()["missing"]
    case = ready_for_approval(case, reviewer)
    assert client.get(f"/api/v1/usecases/{ref}/").json()["approval_missing"] == []
    approved = client.post(
        f"/api/v1/usecases/{ref}/transition/",
        {"to": "approved", "expected_version": case.version, "comment": "Go."},
        format="json",
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"


def test_findings_and_exceptions_through_the_api(
    lead: User, reviewer: User, second_reviewer: User, internal_only_tool
) -> None:
    import datetime

    from django.utils import timezone

    case = make_draft(lead, [internal_only_tool], data_classification="confidential")
    ref = case.reference
    findings = api(reviewer).get(f"/api/v1/usecases/{ref}/findings/").json()
    assert [f["rule"] for f in findings] == ["data_above_tool_approval"] and findings[0]["open"]
    ends = (timezone.localdate() + datetime.timedelta(days=60)).isoformat()
    request = {
        "finding_key": findings[0]["key"],
        "reason": "Anonymised pilot data only.",
        "conditions": "One team, anonymised tickets, until the pilot review.",
        "expires_on": ends,
    }
    refused = api(lead).post(f"/api/v1/usecases/{ref}/exceptions/", request, format="json")
    assert refused.status_code == 403
    no_date = api(reviewer).post(
        f"/api/v1/usecases/{ref}/exceptions/", {**request, "expires_on": ""}, format="json"
    )
    assert no_date.status_code == 400 and "expires_on" in no_date.json()["errors"]
    too_late = api(reviewer).post(
        f"/api/v1/usecases/{ref}/exceptions/",
        {**request, "expires_on": "2099-01-01"},
        format="json",
    )
    assert too_late.status_code == 400 and "a year" in str(too_late.json()["errors"])
    requested = api(reviewer).post(f"/api/v1/usecases/{ref}/exceptions/", request, format="json")
    assert requested.status_code == 201, requested.json()
    row = requested.json()[0]
    assert row["open"] is True and row["exception_state"] == "requested"
    assert (
        row["exception_requested_by"] == reviewer.username and row["exception_expires_on"] == ends
    )
    grant = {"finding_key": findings[0]["key"]}
    own = api(reviewer).post(f"/api/v1/usecases/{ref}/exceptions/grant/", grant, format="json")
    assert own.status_code == 403 and "You requested this exception" in own.json()["detail"]
    granted = api(second_reviewer).post(
        f"/api/v1/usecases/{ref}/exceptions/grant/", grant, format="json"
    )
    assert granted.status_code == 200 and granted.json()[0]["open"] is False
    assert granted.json()[0]["exception_by"] == second_reviewer.username
    again = api(second_reviewer).post(
        f"/api/v1/usecases/{ref}/exceptions/grant/", grant, format="json"
    )
    assert again.status_code == 409 and "already granted" in again.json()["detail"]


def test_schema_documents_the_usecase_endpoints(reviewer: User) -> None:
    schema = api(reviewer).get("/api/schema/?format=json").json()
    assert "/api/v1/usecases/{reference}/transition/" in schema["paths"]


@pytest.mark.parametrize("count", [5, 40])
def test_api_list_costs_the_same_queries_for_5_or_40(
    lead: User, count: int, django_assert_max_num_queries
) -> None:
    for n in range(count):
        make_draft(lead, title=f"Case {n}")
    with django_assert_max_num_queries(8):
        response = api(lead).get("/api/v1/usecases/")
    assert response.json()["count"] == count


def test_tier_override_through_the_api(
    in_review: UseCase, reviewer: User, second_reviewer: User, lead: User
) -> None:
    ref = in_review.reference
    url = f"/api/v1/usecases/{ref}/tier-override/"
    by_lead = api(lead).post(url, {"tier": "high", "reason": "Nothing to see."}, format="json")
    assert by_lead.status_code == 403
    bad = api(reviewer).post(url, {"tier": "extreme", "reason": "Much risk here."}, format="json")
    assert bad.status_code == 400 and "tier" in bad.json()["errors"]
    raised = api(reviewer).post(
        url, {"tier": "high", "reason": "It ranks job applicants."}, format="json"
    )
    assert raised.status_code == 200 and raised.json()["risk_tier"] == "high"
    lowered = api(reviewer).post(
        url, {"tier": "limited", "reason": "Drafts only; a recruiter decides."}, format="json"
    )
    assert lowered.status_code == 202 and lowered.json()["risk_tier"] == "high"
    own = api(reviewer).post(f"{url}agree/", {}, format="json")
    assert own.status_code == 403 and "second reviewer" in own.json()["detail"]
    agreed = api(second_reviewer).post(f"{url}agree/", {}, format="json")
    assert agreed.status_code == 200 and agreed.json()["risk_tier"] == "limited"
