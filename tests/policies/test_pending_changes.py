"""Four eyes on what changes what people may do: a published policy's title, category, audience
and acknowledgement requirement, and a register entry's status, approved data classification,
prices and IP-transparency answers are proposed by one person and take effect only when an
approver who is not the proposer approves. Every decision is on the audit log."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from rest_framework.test import APIClient

from policies import services
from policies.inputs import PolicySettings, RejectReason
from policies.models import ChangeStatus, PendingChange, Policy, RegisterEntry
from policies.pending import (
    pending_change_approve,
    pending_change_reject,
    pending_change_withdraw,
)
from policies.register.inputs import RegisterEntryChange
from policies.register.services import register_entry_propose
from policies.selectors import policies_owed_by
from portal.boundary import Refused
from portal.models import AuditEvent, User
from tests.portal.test_permission_matrix import fingerprint
from tests.usecases.test_races import run_together

pytestmark = pytest.mark.django_db

CHECKED = datetime.date(2026, 11, 1)


def _settings(**fields: Any) -> PolicySettings:
    return PolicySettings.parse(
        {
            "title": "Acceptable use",
            "category": "acceptable_use",
            "summary": "",
            "requires_acknowledgement": True,
            "audience_everyone": True,
            **fields,
        }
    )


def _tool(**fields: Any) -> RegisterEntry:
    values: dict[str, Any] = {
        "name": "Acme Chat",
        "slug": "acme-chat",
        "vendor": "Acme",
        "kind": "chat_assistant",
        "status": "approved",
        "max_data_classification": "internal",
        **fields,
    }
    return RegisterEntry.objects.create(**values)


def _propose_entry(by: User, entry: RegisterEntry, **changes: Any) -> PendingChange:
    outcome = register_entry_propose(
        by=by, entry=entry, data=RegisterEntryChange.parse(changes=changes)
    )
    assert outcome.pending is not None
    return outcome.pending


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user: User) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def _actions(target: Any) -> list[str]:
    return list(
        AuditEvent.objects.filter(
            object_type=target._meta.label_lower, object_id=str(target.pk)
        ).values_list("action", flat=True)
    )


# --- Policies --------------------------------------------------------------------------------


def test_an_unpublished_policy_changes_its_settings_at_once(
    draft_policy: Policy, author: User
) -> None:
    outcome = services.policy_settings_propose(
        by=author,
        policy=draft_policy,
        data=_settings(title="Use of AI", requires_acknowledgement=False),
    )
    assert outcome.pending is None and not PendingChange.objects.exists()
    policy = Policy.objects.get(pk=draft_policy.pk)
    assert (policy.title, policy.requires_acknowledgement) == ("Use of AI", False)
    event = AuditEvent.objects.get(action="policy.settings_changed")
    assert event.before == {"title": "Acceptable use", "requires_acknowledgement": True}


def test_a_published_policy_waits_for_an_approver_but_its_summary_changes_at_once(
    published_policy: Policy, author: User, approver: User, employee: User
) -> None:
    assert list(policies_owed_by(employee)) == [published_policy]
    outcome = services.policy_settings_propose(
        by=author,
        policy=published_policy,
        data=_settings(
            title="Use of AI", requires_acknowledgement=False, summary="How we use AI tools."
        ),
    )
    change = outcome.pending
    assert change is not None and change.status == ChangeStatus.PENDING
    assert change.changes == {"title": "Use of AI", "requires_acknowledgement": False}
    assert change.before == {"title": "Acceptable use", "requires_acknowledgement": True}
    policy = Policy.objects.get(pk=published_policy.pk)
    assert (policy.title, policy.requires_acknowledgement, policy.summary) == (
        "Acceptable use",
        True,
        "How we use AI tools.",
    )
    assert list(policies_owed_by(employee)) == [published_policy]  # still owed
    pending_change_approve(by=approver, change=change)
    policy = Policy.objects.get(pk=published_policy.pk)
    assert (policy.title, policy.requires_acknowledgement) == ("Use of AI", False)
    assert list(policies_owed_by(employee)) == []
    applied = AuditEvent.objects.filter(action="policy.settings_changed").latest("id")
    assert applied.actor == approver
    assert applied.after == {"title": "Use of AI", "requires_acknowledgement": False}
    assert PendingChange.objects.get().decided_by == approver


def test_an_audience_change_is_shown_in_words(
    published_policy: Policy, author: User, approver: User, department: Any
) -> None:
    change = services.policy_settings_propose(
        by=author,
        policy=published_policy,
        data=_settings(audience_everyone=False, audience_departments=(department,)),
    ).pending
    assert change is not None
    page = _client(approver).get(f"/policies/{published_policy.slug}/").content.decode()
    assert "Change waiting for approval" in page
    assert "Addressed to everyone" in page and department.name in page
    assert "audience_everyone" not in page  # labels, not codes
    pending_change_approve(by=approver, change=change)
    policy = Policy.objects.get(pk=published_policy.pk)
    assert not policy.audience_everyone
    assert list(policy.audience_departments.all()) == [department]


# --- The register ----------------------------------------------------------------------------


def test_register_four_eyes_fields_wait_and_the_rest_changes_at_once(
    author: User, approver: User
) -> None:
    entry = _tool()
    outcome = register_entry_propose(
        by=author,
        entry=entry,
        data=RegisterEntryChange.parse(
            changes={
                "status": "prohibited",
                "max_data_classification": "restricted",
                "seat_price_monthly": Decimal("19"),
                "prices_checked_on": CHECKED,
                "indemnity": "yes",
                "description": "Reworded.",
            }
        ),
    )
    assert outcome.pending is not None
    assert outcome.pending.changes == {
        "status": "prohibited",
        "max_data_classification": "restricted",
        "seat_price_monthly": "19",
        "prices_checked_on": "2026-11-01",
        "indemnity": "yes",
    }
    now = RegisterEntry.objects.get(pk=entry.pk)
    assert (now.description, now.status, now.seat_price_monthly) == ("Reworded.", "approved", None)
    pending_change_approve(by=approver, change=outcome.pending)
    now = RegisterEntry.objects.get(pk=entry.pk)
    assert (now.status, now.max_data_classification, now.seat_price_monthly) == (
        "prohibited",
        "restricted",
        Decimal("19"),
    )
    assert now.prices_checked_on == CHECKED


def test_the_register_change_signal_is_sent_when_the_change_is_applied(
    author: User, approver: User
) -> None:
    from policies.register.signals import register_entry_changed

    heard: list[list[str]] = []

    def listen(sender: Any, entry: RegisterEntry, changed: list[str], **kwargs: Any) -> None:
        heard.append(changed)

    register_entry_changed.connect(listen)
    try:
        change = _propose_entry(author, _tool(), status="prohibited")
        assert heard == []
        pending_change_approve(by=approver, change=change)
        assert heard == [["status"]]
    finally:
        register_entry_changed.disconnect(listen)


# --- Four eyes -------------------------------------------------------------------------------


def test_the_proposer_cannot_approve_their_own_change_by_service_page_or_api(
    admin_user: User, published_policy: Policy
) -> None:
    # An administrator is both author and approver: the one person the rule is about.
    change = services.policy_settings_propose(
        by=admin_user, policy=published_policy, data=_settings(title="Mine alone")
    ).pending
    assert change is not None
    before = fingerprint()
    with pytest.raises(Refused) as refusal:
        pending_change_approve(by=admin_user, change=change)
    assert refusal.value.kind == Refused.FORBIDDEN and "another approver" in str(refusal.value)
    assert _client(admin_user).post(f"/policies/changes/{change.pk}/approve/").status_code == 403
    answer = _api(admin_user).post(f"/api/v1/pending-changes/{change.pk}/approve/")
    assert answer.status_code == 403 and "another approver" in answer.json()["detail"]
    answer = _api(admin_user).post(
        f"/api/v1/pending-changes/{change.pk}/reject/", {"reason": "Fine."}, format="json"
    )
    assert answer.status_code == 403
    assert fingerprint() == before
    assert Policy.objects.get(pk=published_policy.pk).title == "Acceptable use"


@pytest.mark.parametrize("who", ["employee", "lead", "reviewer", "author"])
def test_only_an_approver_decides_a_change(
    cast: dict[str, User], admin_user: User, who: str
) -> None:
    change = _propose_entry(admin_user, _tool(), status="prohibited")
    before = fingerprint()
    with pytest.raises(Refused) as refusal:
        pending_change_approve(by=cast[who], change=change)
    assert refusal.value.kind == Refused.FORBIDDEN
    with pytest.raises(Refused):
        pending_change_reject(by=cast[who], change=change, data=RejectReason.parse(reason="No."))
    assert _client(cast[who]).post(f"/policies/changes/{change.pk}/approve/").status_code == 403
    assert fingerprint() == before
    assert RegisterEntry.objects.get().status == "approved"


def test_the_database_refuses_a_decision_by_the_proposer(author: User) -> None:
    change = _propose_entry(author, _tool(), status="prohibited")
    with pytest.raises(IntegrityError), transaction.atomic():
        PendingChange.objects.filter(pk=change.pk).update(decided_by=author, status="approved")


def test_only_the_proposer_withdraws(author: User, approver: User, admin_user: User) -> None:
    change = _propose_entry(author, _tool(), status="prohibited")
    for other in (approver, admin_user):
        with pytest.raises(Refused):
            pending_change_withdraw(by=other, change=change)
    withdrawn = pending_change_withdraw(by=author, change=change)
    assert withdrawn.status == ChangeStatus.WITHDRAWN and withdrawn.decided_by is None
    assert RegisterEntry.objects.get().status == "approved"
    with pytest.raises(Refused) as refusal:  # decided already
        pending_change_approve(by=approver, change=change)
    assert refusal.value.kind == Refused.CONFLICT and "withdrawn" in str(refusal.value)


# --- One waiting change, stale changes, today's rules -----------------------------------------


def test_one_change_waits_per_policy_and_per_entry(
    published_policy: Policy, author: User, approver: User
) -> None:
    services.policy_settings_propose(by=author, policy=published_policy, data=_settings(title="A"))
    with pytest.raises(Refused) as refusal:
        services.policy_settings_propose(
            by=author, policy=published_policy, data=_settings(title="B", summary="Not saved.")
        )
    assert refusal.value.kind == Refused.CONFLICT
    assert "title" in str(refusal.value) and author.display_name in str(refusal.value)
    assert Policy.objects.get(pk=published_policy.pk).summary == ""  # nothing of it saved
    entry = _tool()
    _propose_entry(author, entry, status="prohibited")
    with pytest.raises(Refused) as refusal:
        _propose_entry(author, entry, max_data_classification="public")
    assert "waiting for approval" in str(refusal.value)
    assert PendingChange.objects.count() == 2
    with pytest.raises(IntegrityError), transaction.atomic():  # the database's last word
        PendingChange.objects.create(
            entry=entry, changes={"status": "approved"}, before={}, proposed_by=author
        )


def test_a_change_whose_fields_moved_since_it_was_proposed_is_refused(
    author: User, approver: User
) -> None:
    entry = _tool()
    change = _propose_entry(author, entry, max_data_classification="confidential")
    RegisterEntry.objects.filter(pk=entry.pk).update(max_data_classification="public")
    before = fingerprint()
    with pytest.raises(Refused) as refusal:
        pending_change_approve(by=approver, change=change)
    assert refusal.value.kind == Refused.CONFLICT
    assert "changed since it was proposed; propose it again" in str(refusal.value)
    assert fingerprint() == before  # nothing applied, nothing marked
    assert PendingChange.objects.get().status == ChangeStatus.PENDING


def test_approval_checks_the_result_against_todays_rules(author: User, approver: User) -> None:
    entry = _tool(kind="self_hosted_model")
    change = _propose_entry(
        author, entry, gpu_type="A100", gpu_hourly_price=Decimal("2.5"), prices_checked_on=CHECKED
    )
    assert RegisterEntry.objects.get().gpu_type == "A100"  # at once
    register_entry_propose(  # the GPU named goes while the price waits
        by=author, entry=entry, data=RegisterEntryChange.parse(changes={"gpu_type": ""})
    )
    with pytest.raises(Refused) as refusal:
        pending_change_approve(by=approver, change=change)
    assert refusal.value.kind == Refused.INVALID and "gpu_type" in refusal.value.errors
    assert RegisterEntry.objects.get().gpu_hourly_price is None


# --- Rejecting -------------------------------------------------------------------------------


def test_a_rejection_needs_a_reason(author: User, approver: User) -> None:
    change = _propose_entry(author, _tool(), status="prohibited")
    with pytest.raises(Refused) as refusal:
        RejectReason.parse(reason="  ")
    assert "Say why you reject this change." in str(refusal.value)
    before = fingerprint()
    response = _client(approver).post(
        f"/policies/changes/{change.pk}/reject/", {"reason": ""}, follow=True
    )
    assert "Say why you reject this change." in response.content.decode()
    answer = _api(approver).post(f"/api/v1/pending-changes/{change.pk}/reject/", {}, format="json")
    assert answer.status_code == 400
    answer = _api(approver).post(
        f"/api/v1/pending-changes/{change.pk}/reject/",
        {"reason": "No.", "status": "approved"},
        format="json",
    )
    assert answer.status_code == 400 and "status" in answer.json()["errors"]  # closed body
    assert fingerprint() == before
    rejected = pending_change_reject(
        by=approver, change=change, data=RejectReason.parse(reason="Still under review.")
    )
    assert (rejected.status, rejected.reason) == (ChangeStatus.REJECTED, "Still under review.")
    assert RegisterEntry.objects.get().status == "approved"
    # The proposer hears back on the entry's page; nobody else sees it as theirs.
    page = _client(author).get("/tools/acme-chat/").content.decode()
    assert "Your proposed change was rejected" in page and "Still under review." in page
    assert "Status: Approved → Prohibited" in page
    assert "Your proposed change" not in _client(approver).get("/tools/acme-chat/").content.decode()


# --- Every decision is on the record ----------------------------------------------------------


@pytest.mark.parametrize("decision", ["approved", "rejected", "withdrawn"])
@pytest.mark.parametrize("target", ["policy", "entry"])
def test_every_decision_writes_its_audit_event(
    published_policy: Policy, author: User, approver: User, decision: str, target: str
) -> None:
    if target == "policy":
        change = services.policy_settings_propose(
            by=author, policy=published_policy, data=_settings(category="security")
        ).pending
        assert change is not None
        obj: Policy | RegisterEntry = Policy.objects.get(pk=published_policy.pk)
        prefix = "policy.settings_change"
        changes = {"category": "security"}
    else:
        obj = entry = _tool()
        change = _propose_entry(author, entry, status="prohibited")
        prefix, changes = "register_entry.change", {"status": "prohibited"}
    proposed = AuditEvent.objects.get(action=f"{prefix}_proposed")
    assert (proposed.actor, proposed.after, proposed.object_id) == (author, changes, str(obj.pk))
    if decision == "approved":
        pending_change_approve(by=approver, change=change)
    elif decision == "rejected":
        pending_change_reject(by=approver, change=change, data=RejectReason.parse(reason="No."))
    else:
        pending_change_withdraw(by=author, change=change)
    event = AuditEvent.objects.get(action=f"{prefix}_{decision}")
    assert event.actor == (author if decision == "withdrawn" else approver)
    assert (event.before, event.after) == (change.before, changes)
    assert event.object_id == str(obj.pk)
    if decision == "rejected":
        assert event.comment == "No."
    applied = "policy.settings_changed" if target == "policy" else "register_entry.updated"
    assert (applied in _actions(obj)) == (decision == "approved")


# --- Races -----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_twenty_approvals_at_once_apply_the_change_once(
    author: User, approver: User, admin_user: User
) -> None:
    entry = _tool()
    change = _propose_entry(author, entry, status="prohibited")
    outcomes = run_together(
        *[
            lambda n=n: pending_change_approve(by=approver if n % 2 else admin_user, change=change)
            for n in range(20)
        ]
    )
    approved = [o for o in outcomes if isinstance(o, PendingChange)]
    refused = [o for o in outcomes if isinstance(o, Refused)]
    assert len(approved) == 1 and len(refused) == 19, outcomes
    assert all(r.kind == Refused.CONFLICT and "was approved by" in str(r) for r in refused)
    assert RegisterEntry.objects.get().status == "prohibited"
    assert _actions(entry).count("register_entry.updated") == 1
    assert _actions(entry).count("register_entry.change_approved") == 1


# --- Pages and the API -----------------------------------------------------------------------


def test_pages_show_the_waiting_change_and_only_the_buttons_each_may_use(
    published_policy: Policy, author: User, approver: User, employee: User
) -> None:
    response = _client(author).post(
        f"/policies/{published_policy.slug}/settings/",
        {"title": "Use of AI", "category": "acceptable_use", "audience_everyone": "on"},
        follow=True,
    )
    body = response.content.decode()
    assert "is proposed; it takes effect when an approver agrees" in body
    assert "Change waiting for approval" in body
    assert "Withdraw change" in body and "Approve change" not in body
    assert "Requires acknowledgement" in body and "Yes" in body and "No" in body
    change = PendingChange.objects.get()
    page = _client(approver).get(f"/policies/{published_policy.slug}/").content.decode()
    assert "Approve change" in page and "Reject change" in page and "Withdraw change" not in page
    assert (
        "Change waiting for approval"
        not in _client(employee).get(f"/policies/{published_policy.slug}/").content.decode()
    )
    home = _client(approver).get("/").content.decode()
    assert "Changes waiting for you (1)" in home and "Acceptable use" in home
    assert "Changes waiting for you" not in _client(author).get("/").content.decode()
    response = _client(approver).post(f"/policies/changes/{change.pk}/approve/", follow=True)
    assert "Change approved" in response.content.decode()
    policy = Policy.objects.get(pk=published_policy.pk)
    assert (policy.title, policy.requires_acknowledgement) == ("Use of AI", False)
    assert _client(approver).get(f"/policies/changes/{change.pk}/approve/").status_code == 405


def test_the_api_proposes_lists_and_approves(author: User, approver: User) -> None:
    _tool()
    response = _api(author).patch(
        "/api/v1/register/acme-chat/", {"status": "prohibited"}, format="json"
    )
    assert response.status_code == 202
    pk = response.json()["id"]
    assert response.json()["differences"] == [
        {"name": "status", "label": "Status", "before": "Approved", "after": "Prohibited"}
    ]
    listed = _api(approver).get("/api/v1/pending-changes/", {"status": "pending"}).json()
    assert [item["id"] for item in listed] == [pk]
    assert _api(approver).get("/api/v1/pending-changes/", {"status": "nope"}).status_code == 400
    assert _api(author).get(f"/api/v1/pending-changes/{pk}/").json()["status"] == "pending"
    again = _api(author).patch("/api/v1/register/acme-chat/", {"status": "restricted"})
    assert again.status_code == 409 and "waiting for approval" in again.json()["detail"]
    answer = _api(approver).post(f"/api/v1/pending-changes/{pk}/approve/")
    assert answer.status_code == 200 and answer.json()["decided_by"] == approver.username
    assert RegisterEntry.objects.get().status == "prohibited"
    twice = _api(approver).post(f"/api/v1/pending-changes/{pk}/approve/")
    assert twice.status_code == 409
    response = _api(author).patch(
        "/api/v1/register/acme-chat/", {"description": "Now."}, format="json"
    )
    assert response.status_code == 200 and response.json()["description"] == "Now."
