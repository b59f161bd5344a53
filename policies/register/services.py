"""Writes to the tools register: add an entry, change an entry (what changes what people may
do waits for an approver: ``policies.pending``). Each write is audited.

A new entry is not approved by the person adding it: it starts under review (or prohibited, if
asked) for public data, and an approval or a higher data classification asked for is a pending
change on it, decided like any other change to the entry.

Both take the person acting and a typed input (:mod:`policies.register.inputs`), which holds
the register's rules; policy authors and administrators may write (``portal.roles``). A change
the use cases must know of (an entry's approval or prices) is announced with
:data:`policies.register.signals.register_entry_changed`, inside the transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from policies.models import DataClassification, EntryStatus, Policy, RegisterEntry
from policies.pending import ENTRY_FIELDS, Proposed, propose
from policies.register.inputs import (
    EDITABLE_FIELDS,
    RESERVED_SLUGS,
    NewRegisterEntry,
    RegisterEntryChange,
    RegisterEntryInput,
)
from policies.register.signals import register_entry_changed
from policies.search import index_register_entry
from portal.audit import audit_record
from portal.boundary import Refused, require
from portal.models import User

MAY_CHANGE = "Only policy authors and administrators may change the register."


# What a new entry may be without a second person: not approved (under review, or prohibited:
# the lookup says no to both), and approved for no more than public data.
STARTS_AS: dict[str, str] = {
    "status": EntryStatus.UNDER_REVIEW,
    "max_data_classification": DataClassification.PUBLIC,
}
NOT_APPROVED = frozenset({EntryStatus.UNDER_REVIEW, EntryStatus.PROHIBITED})


def register_entry_create(*, by: User, data: NewRegisterEntry) -> Proposed:
    """Add a tool or model to the register; without a slug, one is made from the name. It is
    added not approved, for public data: an approval (status approved or approved with
    conditions) or a data classification asked for waits for an approver other than ``by``
    (``policies.pending``), like a change to the entry."""
    require(by, "policies.manage_register", None, MAY_CHANGE)
    slug = slugify(data.slug) or slugify(data.name)
    if not slug:
        # A name without Latin letters or digits (人工知能, 🚀) still gets an address.
        slug = _free_slug("tool")
    if slug in RESERVED_SLUGS:
        field = "slug" if data.slug else "name"
        raise Refused.invalid({field: f"“{slug}” is reserved by the portal; choose another name."})
    values = {name: getattr(data, name) for name in EDITABLE_FIELDS}
    asked = {
        name: values.pop(name)
        for name, start in STARTS_AS.items()
        if values[name] != start and not (name == "status" and values[name] in NOT_APPROVED)
    }
    with transaction.atomic():
        if RegisterEntry.objects.filter(slug=slug).exists():
            field = "slug" if data.slug else "name"
            raise Refused.invalid(
                {field: f"The register already has an entry at “{slug}”; open that one instead."}
            )
        entry = RegisterEntry.objects.create(slug=slug, **{**STARTS_AS, **values})
        index_register_entry(entry)
        audit_record(
            actor=by,
            action="register_entry.created",
            obj=entry,
            after=_audit_values(entry, ["slug", *EDITABLE_FIELDS]),
        )
        pending = propose(by=by, target=entry, changes=asked) if asked else None
    return Proposed(entry, pending)


def _free_slug(base: str) -> str:
    slug, counter = base, 2
    while RegisterEntry.objects.filter(slug=slug).exists():
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


def apply_entry_change(
    *,
    by: User,
    entry: RegisterEntry,
    whole: RegisterEntryInput,
    names: Iterable[str] = EDITABLE_FIELDS,
    comment: str = "",
) -> list[str]:
    """Set ``names`` of the (locked) entry from ``whole`` (checked already), audit what changed
    and announce it: the one path of an entry change, made at once or approved."""
    changed = [
        name for name in EDITABLE_FIELDS if name in names and getattr(whole, name) != getattr(
            entry, name
        )
    ]  # fmt: skip
    if not changed:
        return changed
    before = _audit_values(entry, changed)
    for name in changed:
        setattr(entry, name, getattr(whole, name))
    entry.save(update_fields=[*changed, "updated_at"])
    index_register_entry(entry)
    audit_record(
        actor=by,
        action="register_entry.updated",
        obj=entry,
        before=before,
        after=_audit_values(entry, changed),
        comment=comment,
    )
    register_entry_changed.send(sender=RegisterEntry, entry=entry, changed=changed)
    return changed


def register_entry_propose(
    *, by: User, entry: RegisterEntry, data: RegisterEntryChange
) -> Proposed:
    """Change the fields given, on the entry as it is now; the result is checked as a whole
    (nothing is saved if it breaks a rule). A change to the entry's status, approved data
    classification, prices or IP-transparency answers waits for an approver
    (``policies.pending``); the other fields change at once (audited, announced)."""
    with transaction.atomic():
        locked = RegisterEntry.objects.select_for_update().get(pk=entry.pk)
        require(by, "policies.manage_register", locked, MAY_CHANGE)
        whole = RegisterEntryInput.over(locked, data.changes)
        changed = [
            name for name in EDITABLE_FIELDS if getattr(whole, name) != getattr(locked, name)
        ]
        gated = [name for name in changed if name in ENTRY_FIELDS]
        at_once = [name for name in changed if name not in ENTRY_FIELDS]
        pending = None
        if gated:
            # What changes now must stand on its own, without the part that waits.
            RegisterEntryInput.over(locked, {name: getattr(whole, name) for name in at_once})
            pending = propose(
                by=by, target=locked, changes={name: getattr(whole, name) for name in gated}
            )
        apply_entry_change(by=by, entry=locked, whole=whole, names=at_once)
    return Proposed(locked, pending)


def _audit_values(entry: RegisterEntry, names: list[str]) -> dict[str, Any]:
    """JSON-ready values of ``names``, as a reader of the audit log would want them."""
    shown: dict[str, Any] = {}
    for name in names:
        value = getattr(entry, name)
        if isinstance(value, Policy):
            value = value.slug
        elif isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, datetime.date):
            value = value.isoformat()
        elif hasattr(value, "value"):  # a TextChoices member
            value = value.value
        shown[name] = value
    return shown
