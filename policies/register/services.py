"""Writes to the tools register: add an entry, change an entry. Each write is audited."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from policies.models import (
    DataClassification,
    EntryKind,
    EntryStatus,
    Indemnity,
    Policy,
    RegisterEntry,
    TrainingDataDisclosure,
)
from policies.search import index_register_entry
from portal.audit import audit_record
from portal.models import User
from usecases.estimates.services import estimates_after_price_change
from usecases.findings import open_findings_after_register_change

# The fields a person may set, with their defaults on a new entry. The slug is set once, on
# creation: shared links (``/tools/<slug>/``) must keep working when an entry is renamed.
EDITABLE_FIELDS: dict[str, Any] = {
    "name": "",
    "vendor": "",
    "kind": None,
    "status": EntryStatus.UNDER_REVIEW,
    "max_data_classification": DataClassification.PUBLIC,
    "conditions_of_use": "",
    "description": "",
    "governing_policy": None,
    "training_data_disclosure": TrainingDataDisclosure.UNKNOWN,
    "licence": "",
    "output_ownership": "",
    "indemnity": Indemnity.UNKNOWN,
    "price_per_million_input_tokens": None,
    "price_per_million_output_tokens": None,
    "prices_checked_on": None,
    "gpu_type": "",
    "gpu_hourly_price": None,
}
# Slugs that would clash with the register's own addresses (``/tools/new/``, the API's lookup).
RESERVED_SLUGS = {"new", "lookup"}
_TEXT_FIELDS = {
    "name",
    "vendor",
    "conditions_of_use",
    "description",
    "licence",
    "output_ownership",
    "gpu_type",
}
_CHOICES = {
    "kind": EntryKind,
    "status": EntryStatus,
    "max_data_classification": DataClassification,
    "training_data_disclosure": TrainingDataDisclosure,
    "indemnity": Indemnity,
}
_PRICE_FIELDS = (
    "price_per_million_input_tokens",
    "price_per_million_output_tokens",
    "gpu_hourly_price",
)
_MAX_LENGTHS = {
    **{
        name: getattr(RegisterEntry._meta.get_field(name), "max_length", None)
        for name in ("name", "vendor", "description", "licence", "output_ownership", "gpu_type")
    },
    "conditions_of_use": 5000,  # a text field: the limit is the register's, not the database's
}


def register_entry_create(*, by: User | None, data: dict[str, Any]) -> RegisterEntry:
    """Add a tool or model to the register. ``data`` holds :data:`EDITABLE_FIELDS` and ``slug``.

    Without a slug, one is made from the name. Raises ``ValidationError`` (per field) on bad data.
    """
    values = _validated({**EDITABLE_FIELDS, **_known(data)})
    slug = slugify(str(data.get("slug") or "")) or slugify(values["name"])
    if not slug:
        # A name without Latin letters or digits (人工知能, 🚀) still gets an address.
        slug = _free_slug("tool")
    if slug in RESERVED_SLUGS:
        field = "slug" if data.get("slug") else "name"
        raise ValidationError({field: f"“{slug}” is reserved by the portal; choose another name."})
    with transaction.atomic():
        if RegisterEntry.objects.filter(slug=slug).exists():
            field = "slug" if data.get("slug") else "name"
            raise ValidationError(
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
    *, entry: RegisterEntry, by: User | None, data: dict[str, Any]
) -> RegisterEntry:
    """Change an entry's editable fields (those present in ``data``); audit what changed.

    Raises ``ValidationError`` (per field) on bad data; nothing is saved then.
    """
    with transaction.atomic():
        locked = RegisterEntry.objects.select_for_update().get(pk=entry.pk)
        current = {name: getattr(locked, name) for name in EDITABLE_FIELDS}
        values = _validated({**current, **_known(data)})
        changed = [name for name in EDITABLE_FIELDS if values[name] != current[name]]
        if not changed:
            return locked
        before = _audit_values(locked, changed)
        for name in changed:
            setattr(locked, name, values[name])
        locked.save(update_fields=[*changed, "updated_at"])
        index_register_entry(locked)
        audit_record(
            actor=by,
            action="register_entry.updated",
            obj=locked,
            before=before,
            after=_audit_values(locked, changed),
        )
        estimates_after_price_change(entry=locked, changed=changed)  # re-estimates on commit
        open_findings_after_register_change(entry_id=locked.pk, changed=changed)
    return locked


def _known(data: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in data.items() if name in EDITABLE_FIELDS}


def _validated(values: dict[str, Any]) -> dict[str, Any]:
    """Tidy ``values`` and check the register's rules; all problems are reported at once."""
    errors: dict[str, str] = {}
    for name in _TEXT_FIELDS:
        values[name] = str(values[name] or "").strip()
    if not values["name"]:
        errors["name"] = "Give the tool or model a name."
    for name, limit in _MAX_LENGTHS.items():
        if limit and len(values[name]) > limit:
            errors[name] = f"Keep this to {limit} characters (it has {len(values[name])})."
    for name, choices in _CHOICES.items():
        if values[name] in (None, ""):
            errors[name] = f"Choose one of: {_labels(choices)}."
        elif values[name] not in choices.values:
            errors[name] = f"“{values[name]}” is not one of: {_labels(choices)}."
        else:
            values[name] = choices(values[name])
    for name in _PRICE_FIELDS:
        price = values[name]
        if price in (None, ""):
            values[name] = None
            continue
        try:
            values[name] = Decimal(str(price))
        except ArithmeticError:
            errors[name] = "Give a number, such as 2.50."
            continue
        if not values[name].is_finite():
            errors[name] = "Give a number, such as 2.50."
        elif values[name] < 0:
            errors[name] = "A price cannot be negative."
        elif values[name] >= Decimal("1e8"):
            errors[name] = "This price is too large to be right; check it."
    has_price = any(values[name] is not None for name in _PRICE_FIELDS)
    checked_on = values["prices_checked_on"]
    if checked_on is not None and not isinstance(checked_on, datetime.date):
        errors["prices_checked_on"] = "Give a date, such as 2026-11-01."
    elif has_price and checked_on is None:
        errors["prices_checked_on"] = "Say when the prices were checked, so readers know their age."
    if values["gpu_hourly_price"] is not None and not values["gpu_type"]:
        errors["gpu_type"] = "Say which GPU the hourly price is for."
    policy = values["governing_policy"]
    if policy is not None and not isinstance(policy, Policy):
        errors["governing_policy"] = "Choose a policy from the list."
    if errors:
        raise ValidationError(errors)
    return values


def _labels(choices: Any) -> str:
    return ", ".join(f"{value} ({label})" for value, label in choices.choices)


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
