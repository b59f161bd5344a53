"""Reads of the tools register. Every employee may read the whole register."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Q, QuerySet, Value, When

from policies.models import DataClassification, EntryStatus, RegisterEntry, classification_rank
from policies.register.lookup import ToolFacts


def register_entries(
    *, user: Any, kind: str = "", status: str = "", search: str = ""
) -> QuerySet[RegisterEntry]:
    """The register as ``user`` sees it, filtered; costs the same queries for any number of rows.

    ``user`` is the person asking: today everyone who may view the register sees all of it.
    """
    entries = RegisterEntry.objects.select_related("governing_policy").order_by("name", "id")
    if kind:
        entries = entries.filter(kind=kind)
    if status:
        entries = entries.filter(status=status)
    search = search.strip()
    if search:
        entries = entries.filter(Q(name__icontains=search) | Q(vendor__icontains=search))
    return entries


def register_entry_by_slug(*, user: Any, slug: str) -> RegisterEntry | None:
    return RegisterEntry.objects.select_related("governing_policy").filter(slug=slug).first()


def register_tool_choices(*, user: Any) -> list[tuple[str, str, str]]:
    """(slug, name, vendor) of every entry, by name: what the lookup's tool picker offers."""
    return list(RegisterEntry.objects.order_by("name", "id").values_list("slug", "name", "vendor"))


def register_alternatives_to(
    *, user: Any, entry: RegisterEntry, data: DataClassification | str, limit: int = 4
) -> list[RegisterEntry]:
    """What to use instead of ``entry`` with ``data``: approved (or approved-with-conditions)
    entries of the same kind that may take that data, the same vendor's first, then fully
    approved before conditional ones, by name. One query."""
    allowed = [
        value
        for value in DataClassification.values
        if classification_rank(value) >= classification_rank(data)
    ]
    same_vendor = (
        Case(When(vendor__iexact=entry.vendor, then=Value(0)), default=Value(1))
        if entry.vendor
        else Value(1)
    )
    return list(
        RegisterEntry.objects.filter(
            kind=entry.kind,
            status__in=[EntryStatus.APPROVED, EntryStatus.RESTRICTED],
            max_data_classification__in=allowed,
        )
        .exclude(pk=entry.pk)
        .annotate(vendor_order=same_vendor)
        .order_by("vendor_order", "status", "name", "id")[:limit]
    )


def tool_facts(entry: RegisterEntry) -> ToolFacts:
    """The lookup's view of an entry (load it with ``select_related("governing_policy")``)."""
    policy = entry.governing_policy
    return ToolFacts(
        name=entry.name,
        slug=entry.slug,
        status=EntryStatus(entry.status),
        max_data_classification=DataClassification(entry.max_data_classification),
        conditions_of_use=entry.conditions_of_use,
        policy_title=policy.title if policy is not None else None,
        policy_slug=policy.slug if policy is not None else None,
    )
