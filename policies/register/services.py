"""Writes to the tools register: add an entry, change an entry. Each write is audited.

Both take the person acting and a typed input (:mod:`policies.register.inputs`), which holds
the register's rules; policy authors and administrators may write (``portal.roles``). A change
the use cases must know of (an entry's approval or prices) is announced with
:data:`policies.register.signals.register_entry_changed`, inside the transaction.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from policies.models import Policy, RegisterEntry
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


def register_entry_create(*, by: User, data: NewRegisterEntry) -> RegisterEntry:
    """Add a tool or model to the register; without a slug, one is made from the name."""
    require(by, "policies.manage_register", None, MAY_CHANGE)
    slug = slugify(data.slug) or slugify(data.name)
    if not slug:
        # A name without Latin letters or digits (人工知能, 🚀) still gets an address.
        slug = _free_slug("tool")
    if slug in RESERVED_SLUGS:
        field = "slug" if data.slug else "name"
        raise Refused.invalid({field: f"“{slug}” is reserved by the portal; choose another name."})
    values = {name: getattr(data, name) for name in EDITABLE_FIELDS}
    with transaction.atomic():
        if RegisterEntry.objects.filter(slug=slug).exists():
            field = "slug" if data.slug else "name"
            raise Refused.invalid(
                {field: f"The register already has an entry at “{slug}”; open that one instead."}
            )
        entry = RegisterEntry.objects.create(slug=slug, **values)
        index_register_entry(entry)
        audit_record(
            actor=by,
            action="register_entry.created",
            obj=entry,
            after=_audit_values(entry, ["slug", *EDITABLE_FIELDS]),
        )
    return entry


def _free_slug(base: str) -> str:
    slug, counter = base, 2
    while RegisterEntry.objects.filter(slug=slug).exists():
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


def register_entry_update(
    *, by: User, entry: RegisterEntry, data: RegisterEntryChange
) -> RegisterEntry:
    """Change the fields given, on the entry as it is now; the result is checked as a whole
    (nothing is saved if it breaks a rule). Audit what changed, and announce it."""
    with transaction.atomic():
        locked = RegisterEntry.objects.select_for_update().get(pk=entry.pk)
        require(by, "policies.manage_register", locked, MAY_CHANGE)
        whole = RegisterEntryInput.over(locked, data.changes)
        changed = [
            name for name in EDITABLE_FIELDS if getattr(whole, name) != getattr(locked, name)
        ]
        if not changed:
            return locked
        before = _audit_values(locked, changed)
        for name in changed:
            setattr(locked, name, getattr(whole, name))
        locked.save(update_fields=[*changed, "updated_at"])
        index_register_entry(locked)
        audit_record(
            actor=by,
            action="register_entry.updated",
            obj=locked,
            before=before,
            after=_audit_values(locked, changed),
        )
        register_entry_changed.send(sender=RegisterEntry, entry=locked, changed=changed)
    return locked


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
