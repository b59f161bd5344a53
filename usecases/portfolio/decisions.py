"""The decision log: every workflow move of every case, read from the audit log (the CIO office
sees every case), filtered with the audit log's own filters (``portal.filters``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import django_filters
from django.db.models import QuerySet

from portal.filters import AuditFilter
from portal.models import AuditEvent
from usecases.models import Status, UseCase
from usecases.workflow import MOVE_ACTIONS, TRANSITIONS


def decision_events() -> QuerySet[AuditEvent]:
    """Every move of every case, newest first."""
    return AuditEvent.objects.filter(
        object_type=UseCase._meta.label_lower, action__in=list(MOVE_ACTIONS)
    ).order_by("-created_at", "-id")


class DecisionFilter(AuditFilter):
    decision = django_filters.ChoiceFilter(
        method="moved_to",
        label="Decision",
        empty_label="Any decision",
        choices=[(to, transition.to.label) for to, transition in TRANSITIONS.items()],
    )
    reference = django_filters.CharFilter(method="of_case", label="Case (UC-0001)", max_length=16)

    field_order = ("actor", "decision", "reference", "since", "until")

    def moved_to(self, events: QuerySet[AuditEvent], name: str, to: str) -> QuerySet[AuditEvent]:
        return events.filter(action=f"usecase.{to}")

    def of_case(
        self, events: QuerySet[AuditEvent], name: str, reference: str
    ) -> QuerySet[AuditEvent]:
        case_ids = UseCase.objects.filter(reference__iexact=reference.strip()).values_list(
            "pk", flat=True
        )
        return events.filter(object_id__in=[str(pk) for pk in case_ids])


@dataclass(frozen=True)
class Decision:
    event: AuditEvent
    reference: str
    title: str
    before: str
    after: str

    @property
    def before_label(self) -> str:
        return Status(self.before).label if self.before in Status.values else self.before

    @property
    def after_label(self) -> str:
        return Status(self.after).label if self.after in Status.values else self.after


def decisions_of(events: Iterable[AuditEvent]) -> list[Decision]:
    rows = []
    for event in events:
        reference, _, title = event.object_label.partition(" ")
        rows.append(
            Decision(
                event=event,
                reference=reference,
                title=title,
                before=str((event.before or {}).get("status", "")),
                after=str((event.after or {}).get("status", event.action.split(".", 1)[1])),
            )
        )
    return rows
