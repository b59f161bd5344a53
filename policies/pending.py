"""Changes under four eyes: proposed by one person, in force once an approver agrees.

A published policy's title, category, audience and acknowledgement requirement, and a register
entry's approval (status), approved data classification, prices and IP-transparency answers,
change what people may do; so one person proposes (:func:`propose`, called by
``policies.services.policy_settings_propose`` and
``policies.register.services.register_entry_propose``) and an approver who is not the proposer
approves (:func:`pending_change_approve`) or rejects with a reason (:func:`pending_change_reject`);
the proposer may withdraw (:func:`pending_change_withdraw`). Approval re-checks the whole result
against today's rules and refuses a change whose fields moved since it was proposed. The change
itself is applied by the same code as a change made at once.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from policies.inputs import RejectReason
from policies.models import (
    ChangeStatus,
    DataClassification,
    EntryStatus,
    Indemnity,
    PendingChange,
    Policy,
    PolicyCategory,
    RegisterEntry,
    TrainingDataDisclosure,
)
from portal.audit import audit_record
from portal.boundary import Refused, require
from portal.models import Department, User

# The settings of a published policy that wait for an approver (the summary changes at once).
POLICY_FIELDS: dict[str, str] = {
    "title": "Title",
    "category": "Category",
    "requires_acknowledgement": "Requires acknowledgement",
    "audience_everyone": "Addressed to everyone",
    "audience_departments": "Departments addressed",
}
# The fields of a register entry that wait for an approver (the others change at once).
ENTRY_FIELDS: dict[str, str] = {
    "status": "Status",
    "max_data_classification": "Approved for data up to",
    "price_per_million_input_tokens": "Price per million input tokens",
    "price_per_million_output_tokens": "Price per million output tokens",
    "gpu_hourly_price": "Price per GPU-hour",
    "seat_price_monthly": "Price per user a month",
    "prices_checked_on": "Prices checked on",
    "training_data_disclosure": "Training data disclosure",
    "licence": "Licence",
    "output_ownership": "Output ownership",
    "indemnity": "Indemnity",
}
_CHOICES = {
    "category": PolicyCategory,
    "status": EntryStatus,
    "max_data_classification": DataClassification,
    "training_data_disclosure": TrainingDataDisclosure,
    "indemnity": Indemnity,
}

MAY_DECIDE = "Only a policy approver who did not propose this change may decide it."
OWN_CHANGE = "You proposed this change, so another approver must decide it (four-eyes rule)."
MAY_WITHDRAW = "Only the person who proposed this change may withdraw it."


# --- Values as stored in a change, and in words ------------------------------------------------


def json_value(value: Any) -> Any:
    """A field's value as a change stores it (JSON-ready)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Policy):
        return value.slug
    if hasattr(value, "value"):  # a TextChoices member
        return value.value
    return value


def _same(field: str, left: Any, right: Any) -> bool:
    """Whether two stored values are the same (prices: as numbers, 30 is 30.0000)."""
    if field in ENTRY_FIELDS and "price" in field and left is not None and right is not None:
        try:
            return Decimal(str(left)) == Decimal(str(right))
        except InvalidOperation:
            return False
    return bool(left == right)


def policy_values(policy: Policy) -> dict[str, Any]:
    """The four-eyes settings of ``policy`` as a change stores them."""
    return {
        "title": policy.title,
        "category": policy.category,
        "requires_acknowledgement": policy.requires_acknowledgement,
        "audience_everyone": policy.audience_everyone,
        "audience_departments": sorted(policy.audience_departments.values_list("pk", flat=True)),
    }


def entry_values(entry: RegisterEntry) -> dict[str, Any]:
    """The four-eyes fields of ``entry`` as a change stores them."""
    return {name: json_value(getattr(entry, name)) for name in ENTRY_FIELDS}


def current_values(change: PendingChange) -> dict[str, Any]:
    if change.policy is not None:
        return policy_values(change.policy)
    assert change.entry is not None
    return entry_values(change.entry)


def value_words(field: str, value: Any, departments: Mapping[int, str] | None = None) -> str:
    """A stored value as a reader would say it: labels, not codes."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if field == "audience_departments":
        names = departments or {}
        return ", ".join(names.get(pk, "a department no longer there") for pk in value) or "—"
    if field in _CHOICES:
        try:
            return str(_CHOICES[field](value).label)
        except ValueError:
            return str(value)
    if "price" in field:
        from policies.register.views import usd

        try:
            return usd(Decimal(str(value)))
        except InvalidOperation:
            return str(value)
    return str(value)


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    before: str
    after: str


def differences(change: PendingChange) -> list[FieldChange]:
    """Each field the change touches: its label, and the value before → after, in words."""
    labels = POLICY_FIELDS if change.policy_id is not None else ENTRY_FIELDS
    pks = {*change.before.get("audience_departments", []), *change.changes.get(
        "audience_departments", []
    )}  # fmt: skip
    names = dict(Department.objects.filter(pk__in=pks).values_list("pk", "name")) if pks else {}
    return [
        FieldChange(
            field=field,
            label=labels.get(field, field),
            before=value_words(field, change.before.get(field), names),
            after=value_words(field, change.changes[field], names),
        )
        for field in labels
        if field in change.changes
    ]


def waiting_words(change: PendingChange) -> str:
    """How a refusal names the change already waiting."""
    fields = ", ".join(item.label.lower() for item in differences(change))
    when = timezone.localtime(change.proposed_at).strftime("%-d %B %Y")
    return (
        f"A change ({fields}) proposed by {change.proposed_by.display_name} on {when} is "
        "waiting for approval; an approver decides it (or its proposer withdraws it) before "
        "another change to these fields can be proposed."
    )


@dataclass(frozen=True)
class Proposed:
    """What a proposal did: the object as it is now, and the change waiting for an approver
    (None when everything took effect at once)."""

    target: Any
    pending: PendingChange | None


def saved_words(what: str, pending: PendingChange | None) -> str:
    """What a form says after saving: saved, or proposed (and what waits)."""
    if pending is None:
        return f"Your changes to {what} are saved."
    fields = ", ".join(item.label.lower() for item in differences(pending))
    return (
        f"The change to {fields} is proposed; it takes effect when an approver agrees."
        " Anything else you changed is saved."
    )


def created_words(entry: RegisterEntry, pending: PendingChange | None) -> str:
    """What the register says after adding an entry: added, and what waits for an approver."""
    if pending is None:
        return f"{entry.name} is now in the register."
    phrases = {
        "status": "the status “{}”",
        "max_data_classification": "approval for data up to “{}”",
    }
    asked = " and ".join(
        phrases.get(item.field, "the " + item.label.lower() + " “{}”").format(item.after)
        for item in differences(pending)
    )
    verb = "takes" if len(pending.changes) == 1 else "take"
    return (
        f"{entry.name} is now in the register, created as {entry.get_status_display().lower()};"
        f" {asked} {verb} effect when an approver agrees."
    )


# --- Reads ----------------------------------------------------------------------------------


def pending_for(target: Policy | RegisterEntry) -> PendingChange | None:
    """The change waiting for approval on a policy or an entry, if any."""
    key = "policy" if isinstance(target, Policy) else "entry"
    return (
        PendingChange.objects.filter(**{key: target}, status=ChangeStatus.PENDING)
        .select_related("proposed_by", "policy", "entry")
        .first()
    )


def changes_waiting_for(user: User) -> QuerySet[PendingChange]:
    """The changes ``user`` may decide: every pending one they did not propose (approvers)."""
    if not user.has_perm("policies.decide_change"):
        return PendingChange.objects.none()
    return (
        PendingChange.objects.filter(status=ChangeStatus.PENDING)
        .exclude(proposed_by=user)
        .select_related("proposed_by", "policy", "entry")
        .order_by("proposed_at", "id")
    )


def changes_visible_to(user: User) -> QuerySet[PendingChange]:
    """Every change, for those who author or approve policies and the register."""
    if not (user.has_perm("policies.author_policies") or user.has_perm("policies.decide_change")):
        return PendingChange.objects.none()
    return PendingChange.objects.select_related(
        "proposed_by", "decided_by", "policy", "entry"
    ).order_by("-proposed_at", "-id")


def target_url(change: PendingChange) -> str:
    """The page that shows the change: its policy's, or its entry's."""
    from django.urls import reverse

    if change.policy is not None:
        return reverse("policies:detail", kwargs={"slug": change.policy.slug})
    assert change.entry is not None
    return reverse("register:detail", kwargs={"slug": change.entry.slug})


def pending_card(user: User, target: Policy | RegisterEntry) -> dict[str, Any] | None:
    """The "Change waiting for approval" card of a policy's or an entry's page (authors and
    approvers see it), with the buttons this person may use."""
    if not user.has_perm("policies.view_changes"):
        return None
    change = pending_for(target)
    if change is None:
        return _rejected_card(user, target)
    return {
        "change": change,
        "rows": differences(change),
        "may_decide": user.has_perm("policies.decide_change", change),
        "may_withdraw": user.has_perm("policies.withdraw_change", change),
        "is_proposer": change.proposed_by_id == user.pk,
    }


def _rejected_card(user: User, target: Policy | RegisterEntry) -> dict[str, Any] | None:
    """The proposer hears back: their last change, if an approver rejected it, with the reason
    (until they propose another)."""
    key = "policy" if isinstance(target, Policy) else "entry"
    last = (
        PendingChange.objects.filter(**{key: target})
        .select_related("decided_by")
        .order_by("-proposed_at", "-id")
        .first()
    )
    if last is None or last.status != ChangeStatus.REJECTED or last.proposed_by_id != user.pk:
        return None
    return {"change": last, "rows": differences(last), "rejected": True}


# --- Writes ---------------------------------------------------------------------------------


def _action(change: PendingChange, verb: str) -> str:
    return (
        f"policy.settings_change_{verb}"
        if change.policy_id is not None
        else f"register_entry.change_{verb}"
    )


def propose(
    *, by: User, target: Policy | RegisterEntry, changes: Mapping[str, Any]
) -> PendingChange:
    """Record a change for a second person (the caller holds the target's lock and checked the
    proposer's permission). Refused, naming it, when a change is waiting already."""
    waiting = pending_for(target)
    if waiting is not None:
        raise Refused.conflict(waiting_words(waiting), pending_change=waiting.pk)
    now = policy_values(target) if isinstance(target, Policy) else entry_values(target)
    key = "policy" if isinstance(target, Policy) else "entry"
    try:
        with transaction.atomic():
            change = PendingChange.objects.create(
                **{key: target},
                changes={field: json_value(value) for field, value in changes.items()},
                before={field: now[field] for field in changes},
                proposed_by=by,
            )
    except IntegrityError:  # someone proposed one at the same moment
        waiting = pending_for(target)
        raise Refused.conflict(
            waiting_words(waiting) if waiting else "A change is waiting for approval already."
        ) from None
    audit_record(
        actor=by,
        action=_action(change, "proposed"),
        obj=target,
        before=change.before,
        after=change.changes,
        comment=f"Change {change.pk}, waiting for an approver.",
    )
    return change


def _locked(change: PendingChange) -> PendingChange:
    """Lock the change's target first (as a proposal does), then the change itself."""
    if change.policy_id is not None:
        Policy.objects.select_for_update().get(pk=change.policy_id)
    else:
        RegisterEntry.objects.select_for_update().get(pk=int(change.entry_id or 0))
    return (
        PendingChange.objects.select_for_update(of=("self",))
        .select_related("policy", "entry", "proposed_by", "decided_by")
        .get(pk=change.pk)
    )


def _still_pending(change: PendingChange) -> None:
    if change.status == ChangeStatus.PENDING:
        return
    who = f" by {change.decided_by.display_name}" if change.decided_by else ""
    raise Refused.conflict(f"This change was {change.get_status_display().lower()}{who} already.")


def _decided(change: PendingChange, *, status: ChangeStatus, by: User | None, reason: str) -> None:
    change.status = status
    change.decided_by = by
    change.decided_at = timezone.now()
    change.reason = reason
    try:
        with transaction.atomic():
            change.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    except IntegrityError:  # the database's last word on four eyes
        raise Refused.forbidden(OWN_CHANGE) from None


def pending_change_approve(*, by: User, change: PendingChange) -> PendingChange:
    """An approver other than the proposer agrees: the change takes effect, checked again
    against today's rules; refused if a field it touches moved since it was proposed."""
    with transaction.atomic():
        change = _locked(change)
        _still_pending(change)
        if change.proposed_by_id == by.pk:
            raise Refused.forbidden(OWN_CHANGE)
        require(by, "policies.decide_change", change, MAY_DECIDE)
        now = current_values(change)
        moved = [
            item.label
            for item in differences(change)
            if not _same(item.field, now.get(item.field), change.before.get(item.field))
        ]
        if moved:
            raise Refused.conflict(
                f"{', '.join(moved)} changed since it was proposed; propose it again "
                "(withdraw or reject this change first)."
            )
        comment = f"Proposed by {change.proposed_by.display_name}; approved."
        if change.policy is not None:
            from policies.services import apply_policy_settings, policy_settings_over

            settings = policy_settings_over(change.policy, change.changes)
            apply_policy_settings(
                by=by, policy=change.policy, data=settings, fields=list(change.changes),
                comment=comment,
            )  # fmt: skip
        else:
            from policies.register.inputs import RegisterEntryInput
            from policies.register.services import apply_entry_change

            assert change.entry is not None
            whole = RegisterEntryInput.over(change.entry, change.changes)
            apply_entry_change(
                by=by, entry=change.entry, whole=whole, names=list(change.changes),
                comment=comment,
            )  # fmt: skip
        _decided(change, status=ChangeStatus.APPROVED, by=by, reason="")
        audit_record(
            actor=by,
            action=_action(change, "approved"),
            obj=change.target,
            before=change.before,
            after=change.changes,
            comment=comment,
        )
    return change


def pending_change_reject(*, by: User, change: PendingChange, data: RejectReason) -> PendingChange:
    """An approver other than the proposer says no, with a reason; nothing changes."""
    with transaction.atomic():
        change = _locked(change)
        _still_pending(change)
        if change.proposed_by_id == by.pk:
            raise Refused.forbidden(OWN_CHANGE)
        require(by, "policies.decide_change", change, MAY_DECIDE)
        _decided(change, status=ChangeStatus.REJECTED, by=by, reason=data.reason)
        audit_record(
            actor=by,
            action=_action(change, "rejected"),
            obj=change.target,
            before=change.before,
            after=change.changes,
            comment=data.reason,
        )
    return change


def pending_change_withdraw(*, by: User, change: PendingChange) -> PendingChange:
    """The proposer takes their change back before anyone decides it; nothing changes."""
    with transaction.atomic():
        change = _locked(change)
        require(by, "policies.withdraw_change", change, MAY_WITHDRAW)
        _still_pending(change)
        _decided(change, status=ChangeStatus.WITHDRAWN, by=None, reason="")
        audit_record(
            actor=by,
            action=_action(change, "withdrawn"),
            obj=change.target,
            before=change.before,
            after=change.changes,
        )
    return change


EVENT_LABELS = {
    "policy.settings_change_proposed": "Policy settings change proposed",
    "policy.settings_change_approved": "Policy settings change approved",
    "policy.settings_change_rejected": "Policy settings change rejected",
    "policy.settings_change_withdrawn": "Policy settings change withdrawn",
    "register_entry.change_proposed": "Register entry change proposed",
    "register_entry.change_approved": "Register entry change approved",
    "register_entry.change_rejected": "Register entry change rejected",
    "register_entry.change_withdrawn": "Register entry change withdrawn",
}
