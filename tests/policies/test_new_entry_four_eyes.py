"""A new register entry is not one person's act: it is added under review for public data, and
the approval asked for is a pending change that another approver decides (issue 14, item 5)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from policies.models import ChangeStatus, PendingChange, RegisterEntry
from policies.pending import pending_change_approve, pending_change_withdraw
from policies.register.inputs import NewRegisterEntry
from policies.register.lookup import Verdict, may_use
from policies.register.selectors import tool_facts
from policies.register.services import register_entry_create
from portal.boundary import Refused
from portal.models import AuditEvent, User

ASKED = {
    "name": "Acme Coder",
    "vendor": "Acme",
    "kind": "coding_assistant",
    "status": "approved",
    "max_data_classification": "confidential",
    "training_data_disclosure": "partial",
    "indemnity": "unknown",
}
CONF, RESTR = "confidential", "restricted"
FORM = {**ASKED, "conditions_of_use": "", "description": "", "licence": "", "output_ownership": ""}


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_as(user: User) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def verdict(entry: RegisterEntry, data: str = "confidential") -> Verdict:
    return may_use(tool_facts(RegisterEntry.objects.get(pk=entry.pk)), data).verdict


def fingerprint() -> tuple[Any, ...]:
    return (
        list(RegisterEntry.objects.order_by("pk").values()),
        list(PendingChange.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "classification", "waits"),
    [
        ("approved", "confidential", {"status": "approved", "max_data_classification": CONF}),
        ("restricted", "restricted", {"status": "restricted", "max_data_classification": RESTR}),
        ("approved", "public", {"status": "approved"}),
        ("under_review", "internal", {"max_data_classification": "internal"}),
    ],
)  # fmt: skip
def test_an_approval_asked_for_waits_and_the_entry_starts_under_review(
    author: User, status: str, classification: str, waits: dict[str, str]
) -> None:
    data = NewRegisterEntry.parse(
        {**ASKED, "status": status, "max_data_classification": classification}
    )
    outcome = register_entry_create(by=author, data=data)
    entry = RegisterEntry.objects.get(pk=outcome.target.pk)
    assert (entry.status, entry.max_data_classification) == ("under_review", "public")
    assert outcome.pending is not None
    change = PendingChange.objects.get(entry=entry)
    assert (change.pk, change.status, change.proposed_by) == (
        outcome.pending.pk,
        ChangeStatus.PENDING,
        author,
    )
    assert change.changes == waits
    assert change.before == {
        field: {"status": "under_review", "max_data_classification": "public"}[field]
        for field in waits
    }
    assert verdict(entry, "public") == Verdict.NO


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["under_review", "prohibited"])
def test_an_entry_that_is_not_approved_needs_no_second_person(author: User, status: str) -> None:
    data = NewRegisterEntry.parse({**ASKED, "status": status, "max_data_classification": "public"})
    outcome = register_entry_create(by=author, data=data)
    assert outcome.pending is None
    assert RegisterEntry.objects.get(pk=outcome.target.pk).status == status
    assert not PendingChange.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("creator", ["author", "admin"])
def test_the_creator_cannot_approve_another_approver_can(
    cast: dict[str, User], creator: str
) -> None:
    person = cast[creator]
    outcome = register_entry_create(by=person, data=NewRegisterEntry.parse(ASKED))
    assert outcome.pending is not None
    before = fingerprint()
    with pytest.raises(Refused) as refused:
        pending_change_approve(by=person, change=outcome.pending)
    assert "another approver must decide it" in refused.value.message
    assert fingerprint() == before
    assert verdict(outcome.target) == Verdict.NO

    pending_change_approve(by=cast["approver"], change=outcome.pending)
    entry = RegisterEntry.objects.get(pk=outcome.target.pk)
    assert (entry.status, entry.max_data_classification) == ("approved", "confidential")
    assert verdict(entry) == Verdict.YES
    assert verdict(entry, "restricted") == Verdict.NO


@pytest.mark.django_db
def test_creation_and_approval_are_audited_with_before_and_after(
    author: User, approver: User
) -> None:
    outcome = register_entry_create(by=author, data=NewRegisterEntry.parse(ASKED))
    assert outcome.pending is not None
    entry_id = str(outcome.target.pk)
    created = AuditEvent.objects.get(action="register_entry.created", object_id=entry_id)
    assert created.actor == author
    assert created.after is not None
    assert (created.after["status"], created.after["max_data_classification"]) == (
        "under_review",
        "public",
    )
    proposed = AuditEvent.objects.get(action="register_entry.change_proposed", object_id=entry_id)
    assert (proposed.actor, proposed.before, proposed.after) == (
        author,
        {"status": "under_review", "max_data_classification": "public"},
        {"status": "approved", "max_data_classification": "confidential"},
    )
    assert not AuditEvent.objects.filter(action="register_entry.updated").exists()

    pending_change_approve(by=approver, change=outcome.pending)
    approved = AuditEvent.objects.get(action="register_entry.change_approved", object_id=entry_id)
    applied = AuditEvent.objects.get(action="register_entry.updated", object_id=entry_id)
    for event in (approved, applied):
        assert event.actor == approver
        assert event.comment == f"Proposed by {author.display_name}; approved."
    assert applied.after == {"status": "approved", "max_data_classification": "confidential"}


@pytest.mark.django_db
def test_a_withdrawn_approval_leaves_the_entry_under_review(author: User) -> None:
    outcome = register_entry_create(by=author, data=NewRegisterEntry.parse(ASKED))
    assert outcome.pending is not None
    pending_change_withdraw(by=author, change=outcome.pending)
    entry = RegisterEntry.objects.get(pk=outcome.target.pk)
    assert (entry.status, entry.max_data_classification) == ("under_review", "public")
    assert verdict(entry) == Verdict.NO


# --- Pages --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_page_creation_waits_and_only_another_approver_makes_it_so(
    author: User, approver: User, employee: User
) -> None:
    form = signed_in(author).get("/tools/new/").content.decode()
    assert "It is added as under review" in form
    response = signed_in(author).post("/tools/new/", FORM, follow=True)
    assert response.redirect_chain == [("/tools/acme-coder/", 302)]
    body = response.content.decode()
    assert (
        "created as under review; the status “Approved” and approval for data up to "
        "“Confidential” take effect when an approver agrees."
    ) in body
    assert "Change waiting for approval" in body
    entry = RegisterEntry.objects.get(slug="acme-coder")
    change = PendingChange.objects.get(entry=entry, status=ChangeStatus.PENDING)

    lookup = "/tools/?tool=acme-coder&data=confidential"
    assert "still under review" in signed_in(employee).get(lookup).content.decode()

    before = fingerprint()
    refused = signed_in(author).post(f"/policies/changes/{change.pk}/approve/")
    assert refused.status_code == 403
    assert fingerprint() == before

    approver_page = signed_in(approver).get("/tools/acme-coder/").content.decode()
    assert f"/policies/changes/{change.pk}/approve/" in approver_page
    response = signed_in(approver).post(f"/policies/changes/{change.pk}/approve/")
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.status, entry.max_data_classification) == ("approved", "confidential")
    answer = signed_in(employee).get(lookup).content.decode()
    assert "still under review" not in answer
    assert "Acme Coder is approved for" in answer


# --- API ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_creation_answers_201_with_the_pending_change(
    author: User, approver: User, employee: User
) -> None:
    response = api_as(author).post("/api/v1/register/", ASKED, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["slug"], body["status"], body["max_data_classification"]) == (
        "acme-coder",
        "under_review",
        "public",
    )
    change = body["pending_change"]
    assert (change["status"], change["entry"], change["proposed_by"]) == (
        "pending",
        "acme-coder",
        "paul",
    )
    assert change["changes"] == {"status": "approved", "max_data_classification": "confidential"}
    assert {row["label"]: (row["before"], row["after"]) for row in change["differences"]} == {
        "Status": ("Under review", "Approved"),
        "Approved for data up to": ("Public", "Confidential"),
    }

    lookup = {"tool": "acme-coder", "data": "confidential"}
    answer = api_as(employee).get("/api/v1/register/lookup/", lookup).json()
    assert (answer["verdict"], answer["reason"]) == ("no", "under_review")

    before = fingerprint()
    refused = api_as(author).post(f"/api/v1/pending-changes/{change['id']}/approve/")
    assert refused.status_code == 403
    assert "did not propose this change" in refused.json()["detail"]
    assert fingerprint() == before

    approved = api_as(approver).post(f"/api/v1/pending-changes/{change['id']}/approve/")
    assert approved.status_code == 200, approved.json()
    answer = api_as(employee).get("/api/v1/register/lookup/", lookup).json()
    assert (answer["verdict"], answer["reason"]) == ("yes", "approved")


@pytest.mark.django_db
def test_api_creation_without_an_approval_has_no_pending_change(author: User) -> None:
    response = api_as(author).post(
        "/api/v1/register/",
        {**ASKED, "status": "prohibited", "max_data_classification": "public"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["status"], response.json()["pending_change"]) == ("prohibited", None)
