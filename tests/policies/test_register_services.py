"""Writing to the tools register: the rules the services enforce, and the audit trail."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from policies.models import ChangeStatus, PendingChange, Policy, PolicyCategory, RegisterEntry
from policies.pending import pending_change_approve
from policies.register.demo import DEMO_REGISTER, seed_register
from policies.register.inputs import NewRegisterEntry, RegisterEntryChange
from policies.register.services import register_entry_create, register_entry_propose
from portal.boundary import Refused
from portal.models import AuditEvent, User
from tests.policies.conftest import add_entry

CHECKED = datetime.date(2026, 11, 1)


def entry_data(**fields: Any) -> dict[str, Any]:
    return {
        "name": "Acme Chat",
        "vendor": "Acme",
        "kind": "chat_assistant",
        "status": "approved",
        "max_data_classification": "internal",
        **fields,
    }


def errors_of(excinfo: pytest.ExceptionInfo[Refused]) -> dict[str, list[str]]:
    return excinfo.value.errors


@pytest.mark.django_db
def test_create_makes_the_slug_from_the_name_and_audits(author: User) -> None:
    entry = register_entry_create(
        by=author,
        data=NewRegisterEntry.parse(
            entry_data(price_per_million_input_tokens="2.50", prices_checked_on=CHECKED)
        ),
    ).target
    assert entry.slug == "acme-chat"
    assert entry.price_per_million_input_tokens == Decimal("2.50")
    event = AuditEvent.objects.get(action="register_entry.created")
    assert event.actor == author
    assert event.object_id == str(entry.pk)
    assert event.after is not None
    assert event.after["name"] == "Acme Chat"
    assert event.after["price_per_million_input_tokens"] == "2.50"
    assert event.after["prices_checked_on"] == "2026-11-01"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": "   "}, "name", "Give the tool or model a name."),
        ({"kind": ""}, "kind", "Choose one of:"),
        ({"status": "allowed"}, "status", "“allowed” is not one of:"),
        ({"max_data_classification": "secret"}, "max_data_classification", "is not one of"),
        (
            {"price_per_million_input_tokens": "-1", "prices_checked_on": CHECKED},
            "price_per_million_input_tokens",
            "A price cannot be negative.",
        ),
        (
            {"gpu_hourly_price": "-0.01", "gpu_type": "H100", "prices_checked_on": CHECKED},
            "gpu_hourly_price",
            "A price cannot be negative.",
        ),
        (
            {"price_per_million_output_tokens": "10"},
            "prices_checked_on",
            "Say when the prices were checked",
        ),
        (
            {"gpu_hourly_price": "3.20", "prices_checked_on": CHECKED},
            "gpu_type",
            "Say which GPU",
        ),
        ({"price_per_million_input_tokens": "lots"}, "price_per_million_input_tokens", "number"),
        ({"name": "x" * 121}, "name", "Keep this to 120 characters"),
        ({"name": "New"}, "name", "reserved"),
    ],
)
def test_create_refuses_bad_data_and_saves_nothing(
    author: User, fields: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(Refused) as excinfo:
        register_entry_create(by=author, data=NewRegisterEntry.parse(entry_data(**fields)))
    assert message in " ".join(errors_of(excinfo)[field])
    assert not RegisterEntry.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="register_entry").exists()


@pytest.mark.django_db
def test_create_reports_every_problem_at_once(author: User) -> None:
    with pytest.raises(Refused) as excinfo:
        register_entry_create(
            by=author,
            data=NewRegisterEntry.parse(entry_data(name="", price_per_million_input_tokens="-3")),
        )
    assert set(errors_of(excinfo)) == {
        "name",
        "price_per_million_input_tokens",
        "prices_checked_on",
    }


@pytest.mark.django_db
def test_create_refuses_a_second_entry_with_the_same_name(author: User) -> None:
    register_entry_create(by=author, data=NewRegisterEntry.parse(entry_data()))
    with pytest.raises(Refused) as excinfo:
        register_entry_create(by=author, data=NewRegisterEntry.parse(entry_data(name="Acme  chat")))
    assert "already has an entry at “acme-chat”" in errors_of(excinfo)["name"][0]
    assert RegisterEntry.objects.count() == 1


@pytest.mark.django_db
def test_update_changes_only_what_differs_and_audits_before_and_after(
    author: User, approver: User
) -> None:
    data = NewRegisterEntry.parse(entry_data(conditions_of_use="Use SSO."))
    entry = add_entry(author, approver, data)
    policy = Policy.objects.create(
        title="Acceptable use",
        slug="acceptable-use",
        category=PolicyCategory.ACCEPTABLE_USE,
        created_by=author,
    )
    outcome = register_entry_propose(
        entry=entry,
        by=author,
        data=RegisterEntryChange.parse(
            changes={
                "status": "restricted",
                "conditions_of_use": "Use SSO.",
                "governing_policy": policy,
            },
        ),
    )
    # The governing policy changes at once; the status waits for an approver.
    assert outcome.target.status == "approved"
    assert outcome.pending is not None and outcome.pending.changes == {"status": "restricted"}
    assert RegisterEntry.objects.get(pk=entry.pk).governing_policy == policy
    event = AuditEvent.objects.filter(action="register_entry.updated").latest("id")
    assert event.before == {"governing_policy": None}
    assert event.after == {"governing_policy": "acceptable-use"}
    pending_change_approve(by=approver, change=outcome.pending)
    assert RegisterEntry.objects.get(pk=entry.pk).status == "restricted"
    applied = AuditEvent.objects.filter(action="register_entry.updated").latest("id")
    assert (applied.actor, applied.before, applied.after) == (
        approver,
        {"status": "approved"},
        {"status": "restricted"},
    )


@pytest.mark.django_db
def test_update_without_changes_writes_nothing(author: User) -> None:
    entry = register_entry_create(
        by=author,
        data=NewRegisterEntry.parse(
            entry_data(price_per_million_input_tokens="2.5", prices_checked_on=CHECKED)
        ),
    ).target
    outcome = register_entry_propose(
        entry=entry,
        by=author,
        data=RegisterEntryChange.parse(
            changes={"price_per_million_input_tokens": Decimal("2.5000")}
        ),
    )
    assert outcome.pending is None
    assert not AuditEvent.objects.filter(action="register_entry.updated").exists()


@pytest.mark.django_db
def test_update_refuses_bad_data_and_keeps_the_entry(author: User) -> None:
    entry = register_entry_create(by=author, data=NewRegisterEntry.parse(entry_data())).target
    with pytest.raises(Refused) as excinfo:
        register_entry_propose(
            entry=entry,
            by=author,
            data=RegisterEntryChange.parse(
                changes={"name": "Renamed", "price_per_million_output_tokens": Decimal("-1")}
            ),
        )
    assert "price_per_million_output_tokens" in errors_of(excinfo)
    assert RegisterEntry.objects.get(pk=entry.pk).name == "Acme Chat"


@pytest.mark.django_db
def test_update_keeps_the_slug(author: User) -> None:
    entry = register_entry_create(by=author, data=NewRegisterEntry.parse(entry_data())).target
    updated = register_entry_propose(
        entry=entry, by=author, data=RegisterEntryChange.parse(changes={"name": "Acme Chat Pro"})
    ).target
    assert (updated.name, updated.slug) == ("Acme Chat Pro", "acme-chat")


@pytest.mark.django_db
def test_database_refuses_a_negative_price_even_past_the_service() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        RegisterEntry.objects.create(
            name="Raw",
            slug="raw",
            kind="api_model",
            price_per_million_input_tokens=Decimal("-1"),
            prices_checked_on=CHECKED,
        )


@pytest.mark.django_db
def test_demo_seed_is_idempotent_and_links_the_acceptable_use_policy(
    author: User, approver: User
) -> None:
    assert seed_register() == f"{len(DEMO_REGISTER)} register entries ({len(DEMO_REGISTER)} new)"
    # The author adds each entry, the approver agrees: the register is as the demo lists it.
    assert {
        entry.slug: (entry.status, entry.max_data_classification)
        for entry in RegisterEntry.objects.all()
    } == {
        data["slug"]: (data["status"], data.get("max_data_classification", "public"))
        for data in DEMO_REGISTER
    }
    assert not PendingChange.objects.filter(status=ChangeStatus.PENDING).exists()
    assert set(
        PendingChange.objects.values_list("proposed_by__username", "decided_by__username")
    ) == {("paul", "ada")}
    assert RegisterEntry.objects.filter(governing_policy__isnull=True).count() == len(DEMO_REGISTER)
    assert seed_register() == f"{len(DEMO_REGISTER)} register entries (0 new)"
    assert RegisterEntry.objects.count() == len(DEMO_REGISTER) >= 14
    statuses = set(RegisterEntry.objects.values_list("status", flat=True))
    assert statuses == {"approved", "restricted", "under_review", "prohibited"}
    gpt = RegisterEntry.objects.get(slug="openai-gpt-4o-api")
    assert (gpt.price_per_million_input_tokens, gpt.price_per_million_output_tokens) == (
        Decimal("2.50"),
        Decimal("10.00"),
    )
    assert gpt.prices_checked_on == CHECKED

    RegisterEntry.objects.filter(slug="deepseek-chat").delete()
    policy = Policy.objects.create(
        title="Acceptable use",
        slug="acceptable-use",
        category=PolicyCategory.ACCEPTABLE_USE,
        created_by=author,
    )
    assert seed_register().endswith("(1 new)")
    assert RegisterEntry.objects.get(slug="deepseek-chat").governing_policy == policy
