"""The decision log: every decision on the record, read from the audit log (the CIO office sees
every case), filtered with the audit log's own filters (``portal.filters``).

A decision is a workflow move of a case, an exception requested, granted or expired, a second
reviewer's sign-off, an EU AI Act tier override (raised, lowering proposed or agreed), the
archetype chosen (or overridden), a policy version published, a policy's settings changed, a
register entry created or changed, a change to either proposed, approved, rejected or withdrawn
(four eyes), and the portal's governance settings (rubric, assumptions,
the guardrails' policies). Each row says who, when, what before and after, and the reason, in
words (:data:`DECISION_LABELS`), never the audit log's codes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from policies.pending import EVENT_LABELS as PENDING_CHANGE_LABELS
from portal.events import event_label, register_event_labels
from portal.filters import AuditFilter
from portal.models import AuditEvent
from usecases.models import Archetype, Status, UseCase
from usecases.risk import RiskTier
from usecases.workflow import MOVE_ACTIONS, TRANSITIONS

# What each kind of decision is called, in the page and in the CSV.
DECISION_LABELS: dict[str, str] = {
    **{action: transition.to.label for action, transition in MOVE_ACTIONS.items()},
    "usecase.draft": "Taken back to draft (answering a hold)",
    "usecase.exception_requested": "Exception requested",
    "usecase.exception_granted": "Exception granted",
    "usecase.exception_expired": "Exception expired",
    "usecase.signed_off": "Signed off (second reviewer)",
    "usecase.tier_overridden": "Risk tier overridden",
    "usecase.tier_lowering_proposed": "Risk tier lowering proposed",
    "usecase.tier_lowering_agreed": "Risk tier lowering agreed",
    "usecase.archetype_chosen": "Archetype chosen",
    "policy_version.published": "Policy version published",
    "policy_version.returned": "Policy version returned to its author",
    "policy_version.withdrawn": "Policy version withdrawn by its author",
    "policy.settings_changed": "Policy settings changed",
    "register_entry.created": "Register entry added",
    "register_entry.updated": "Register entry changed",
    **PENDING_CHANGE_LABELS,
    "rubric.published": "Scoring rubric changed",
    "assumptions.published": "Estimate assumptions changed",
    "guardrail_policies.named": "Guardrail policies named",
}
CASE_DECISIONS = [action for action in DECISION_LABELS if action.startswith("usecase.")]
OTHER_DECISIONS = [action for action in DECISION_LABELS if not action.startswith("usecase.")]

# Events of use cases that are not decisions, in words for the audit log.
OTHER_EVENT_LABELS: dict[str, str] = {
    "usecase.created": "Use case proposed",
    "usecase.updated": "Use case edited",
    "usecase.commented": "Comment added",
    "usecase.rated": "Use case rated",
    "usecase.risk_assessed": "Risk assessed",
    "usecase.risks_updated": "Risks changed",
    "usecase.estimate_drivers_set": "Estimate drivers set",
    "usecase.archetype_answered": "Archetype questions answered",
    "policy_version.drafted": "Policy version drafted",
    "policy_version.edited": "Policy version edited",
    "policy_version.submitted": "Policy version submitted for approval",
    "policy.created": "Policy created",
    "policy.acknowledged": "Policy acknowledged",
}


def register_labels() -> None:
    """Give the portal's one registry (``portal.events``) these labels; called from
    ``UsecasesConfig.ready``. New decision labels go in ``DECISION_LABELS`` above."""
    register_event_labels(OTHER_EVENT_LABELS)
    register_event_labels(DECISION_LABELS)


def decision_events() -> QuerySet[AuditEvent]:
    """Every decision, newest first."""
    return AuditEvent.objects.filter(
        Q(object_type=UseCase._meta.label_lower, action__in=CASE_DECISIONS)
        | Q(action__in=OTHER_DECISIONS)
    ).order_by("-created_at", "-id")


def _kind(value: str) -> str:
    """A filter value as an audit action: a move's status (``rejected``), or the action."""
    return f"usecase.{value}" if value in TRANSITIONS else value


class DecisionFilter(AuditFilter):
    decision = django_filters.ChoiceFilter(
        method="of_kind",
        label="Decision",
        empty_label="Any decision",
        choices=[
            (action.removeprefix("usecase.") if action in MOVE_ACTIONS else action, label)
            for action, label in DECISION_LABELS.items()
        ],
    )
    reference = django_filters.CharFilter(method="of_case", label="Case (UC-0001)", max_length=16)

    field_order = ("actor", "decision", "reference", "since", "until")

    def of_kind(self, events: QuerySet[AuditEvent], name: str, value: str) -> QuerySet[AuditEvent]:
        return events.filter(action=_kind(value))

    def of_case(
        self, events: QuerySet[AuditEvent], name: str, reference: str
    ) -> QuerySet[AuditEvent]:
        case_ids = UseCase.objects.filter(reference__iexact=reference.strip()).values_list(
            "pk", flat=True
        )
        return events.filter(
            object_type=UseCase._meta.label_lower, object_id__in=[str(pk) for pk in case_ids]
        )


# --- Before and after, in words -------------------------------------------------------------


def _choice(choices: Any, value: Any) -> str:
    return str(choices(value).label) if value in choices.values else str(value or "")


def _short(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value) or "none"
    if isinstance(value, dict):
        return "…"
    text = "—" if value in (None, "") else str(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _fields(values: Mapping[str, Any] | None) -> str:
    """Changed fields as ``name: value; …`` (at most six)."""
    if not values:
        return ""
    pairs = [f"{name.replace('_', ' ')}: {_short(value)}" for name, value in values.items()]
    return "; ".join(pairs[:6]) + ("; …" if len(pairs) > 6 else "")


Words = Callable[[Mapping[str, Any], Mapping[str, Any]], tuple[str, str]]


def _move(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[str, str]:
    return _choice(Status, before.get("status")), _choice(Status, after.get("status"))


def _tier(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[str, str]:
    to = after.get("risk_tier") or after.get("proposed_tier")
    words = _choice(RiskTier, to) + (" (proposed)" if after.get("state") == "pending" else "")
    return _choice(RiskTier, before.get("risk_tier")), words


def _exception(state_before: str, state_after: str) -> Words:
    def words(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[str, str]:
        finding = after.get("title") or after.get("finding", "")
        ends = f", ends {after['expires_on']}" if after.get("expires_on") else ""
        conditions = f"; conditions: {after['conditions']}" if after.get("conditions") else ""
        return state_before, f"{state_after}: {finding}{ends}{conditions}"

    return words


def _archetype(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[str, str]:
    chosen = _choice(Archetype, after.get("chosen_archetype"))
    if after.get("overrides_recommendation"):
        recommended = _choice(Archetype, before.get("recommended_archetype")) or "none"
        chosen += f" (overrides the recommended {recommended})"
    return _choice(Archetype, before.get("chosen_archetype")), chosen


def _published(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[str, str]:
    superseded = before.get("superseded")
    was = "In review" + (f" (supersedes version {superseded})" if superseded else "")
    return was, "Published" + (", material change" if after.get("material") else ", minor change")


def _new_version(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[str, str]:
    return "", "New version in force"


WORDS: dict[str, Words] = {
    **dict.fromkeys(MOVE_ACTIONS, _move),
    "usecase.tier_overridden": _tier,
    "usecase.tier_lowering_proposed": _tier,
    "usecase.tier_lowering_agreed": _tier,
    "usecase.exception_requested": _exception("Open", "Exception requested"),
    "usecase.exception_granted": _exception("Requested", "Exception granted"),
    "usecase.exception_expired": _exception("Granted", "Expired, open again"),
    "usecase.archetype_chosen": _archetype,
    "policy_version.published": _published,
    "rubric.published": _new_version,
    "assumptions.published": _new_version,
}


def _generic(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[str, str]:
    return _fields(before), _fields(after)


@dataclass(frozen=True)
class Decision:
    event: AuditEvent
    reference: str  # the case's reference; "" for a policy, an entry or a setting
    title: str
    before: str  # the raw value the event recorded (a status for a move)
    after: str
    before_label: str
    after_label: str

    @property
    def label(self) -> str:
        """The kind of decision, in words."""
        return event_label(self.event.action)


def decisions_of(events: Iterable[AuditEvent]) -> list[Decision]:
    rows = []
    for event in events:
        before, after = dict(event.before or {}), dict(event.after or {})
        if event.object_type == UseCase._meta.label_lower:
            reference, _, title = event.object_label.partition(" ")
        else:
            reference, title = "", event.object_label
        before_words, after_words = WORDS.get(event.action, _generic)(before, after)
        rows.append(
            Decision(
                event=event,
                reference=reference,
                title=title,
                before=str(before.get("status", "")),
                after=str(after.get("status", event.action.split(".", 1)[1])),
                before_label=before_words,
                after_label=after_words or event_label(event.action),
            )
        )
    return rows
