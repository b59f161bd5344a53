"""Filters of the audit log: the browser of every event, and the base of the readings of it
that other apps offer (the portfolio's decision log)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from portal.events import event_choices
from portal.forms import SmallControls
from portal.models import AuditEvent


class AuditFilterForm(SmallControls):
    """The filters' form: a range that ends before it starts is refused in words."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            # Neither date is used (a list that reads the filters anyway ignores the range).
            cleaned.pop("since", None)
            cleaned.pop("until", None)
            raise forms.ValidationError(
                f"The range ends ({until:%Y-%m-%d}) before it starts ({since:%Y-%m-%d}): "
                "swap the two dates."
            )
        return cleaned


class AuditFilter(django_filters.FilterSet):
    """Who did it, and when."""

    # Any part of a username matches (the audit log adds its people picker, below).
    actor = django_filters.CharFilter(
        field_name="actor_label", lookup_expr="icontains", label="Who", max_length=150
    )
    since = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__gte",
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__lte",
        label="Until",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    # The order of the fields on the page (the filters of subclasses come between who and when).
    field_order: tuple[str, ...] = ()

    class Meta:
        model = AuditEvent
        fields: list[str] = []
        form = AuditFilterForm

    @property
    def form(self) -> Any:
        form = super().form
        if self.field_order:
            form.order_fields(self.field_order)
        return form


class AuditEventFilter(AuditFilter):
    # A search field, not a select (100,000 people): the people picker (portal.js) suggests
    # usernames from names as one types, from ``audit-people`` (admins only, like this page).
    actor = django_filters.CharFilter(
        field_name="actor_label",
        lookup_expr="icontains",
        label="Who",
        max_length=150,
        widget=forms.TextInput(
            attrs={
                "list": "audit-people-options",
                "data-people-picker": "/audit/people/",
                "autocomplete": "off",
                "placeholder": "name or username",
            }
        ),
    )
    # Event types in words, from the one registry (portal.events) every app adds its labels to.
    action = django_filters.ChoiceFilter(
        choices=event_choices, label="Event", empty_label="Any event"
    )
    object = django_filters.CharFilter(
        method="of_object",
        label="Object",
        max_length=255,
        widget=forms.TextInput(attrs={"placeholder": "name, UC-0001 or id"}),
    )
    object_type = django_filters.CharFilter(
        lookup_expr="iexact", label="Object type", widget=forms.HiddenInput
    )
    object_id = django_filters.CharFilter(
        lookup_expr="exact", label="Object id", widget=forms.HiddenInput
    )

    field_order = ("actor", "action", "object", "since", "until", "object_type", "object_id")

    def of_object(
        self, events: QuerySet[AuditEvent], name: str, value: str
    ) -> QuerySet[AuditEvent]:
        """Any part of the object's name (a case's label starts with its reference), or its id."""
        value = value.strip()
        return events.filter(Q(object_label__icontains=value) | Q(object_id=value))
