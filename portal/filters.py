"""Filters of the audit log: the browser of every event, and the base of the readings of it
that other apps offer (the portfolio's decision log)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms

from portal.forms import SmallControls
from portal.models import AuditEvent


class AuditFilter(django_filters.FilterSet):
    """Who did it, and when."""

    actor = django_filters.CharFilter(
        field_name="actor_label", lookup_expr="iexact", label="Who (username)", max_length=150
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
        form = SmallControls

    @property
    def form(self) -> Any:
        form = super().form
        if self.field_order:
            form.order_fields(self.field_order)
        return form


class AuditEventFilter(AuditFilter):
    action = django_filters.CharFilter(lookup_expr="istartswith", label="Action starts with")
    object_type = django_filters.CharFilter(lookup_expr="iexact", label="Object type")
    object_id = django_filters.CharFilter(lookup_expr="exact", label="Object id")

    field_order = ("actor", "action", "object_type", "object_id", "since", "until")
