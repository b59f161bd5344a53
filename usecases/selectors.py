"""Reads of use cases, always scoped to the person asking."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, prefetch_related_objects

from policies.models import RegisterEntry
from portal.models import AuditEvent, User
from portal.roles import needs_second_sign_off
from usecases.guardrails import CaseView, Finding, RiskEntryView, ToolView, guardrail_findings
from usecases.models import (
    GuardrailException,
    GuardrailPolicy,
    Rating,
    RiskEntry,
    RubricVersion,
    SignOff,
    UseCase,
)
from usecases.risk import NistRisk
from usecases.scoring import Criterion, Rubric
from usecases.workflow import AWAITING_REVIEW, Transition, transitions_from


def usecases_visible_to(user: Any) -> QuerySet[UseCase]:
    """Cases ``user`` may see: their own, their department's (leads), all (CIO office, admins);
    the rule of ``usecases.view_usecase`` (``portal.roles``) as a query."""
    cases = UseCase.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return cases.none()
    if user.has_perm("usecases.view_all_usecases"):
        return cases
    visible = Q(submitter=user)
    if user.has_perm("usecases.create_usecase") and user.department_id is not None:
        visible |= Q(department_id=user.department_id)
    return cases.filter(visible)


def with_guardrail_inputs(cases: QuerySet[UseCase]) -> QuerySet[UseCase]:
    """Everything the guardrails read, loaded in a fixed number of queries."""
    return cases.prefetch_related(
        Prefetch(
            "preferred_tools",
            queryset=RegisterEntry.objects.select_related("governing_policy").order_by("name"),
        ),
        Prefetch("risks", queryset=RiskEntry.objects.select_related("owner").order_by("risk")),
        Prefetch(
            "exceptions",
            queryset=GuardrailException.objects.select_related("granted_by", "requested_by"),
        ),
    )


def usecase_list_for(user: Any) -> QuerySet[UseCase]:
    """The cases a list shows ``user``, last changed first (filtered by
    ``usecases.filters.UseCaseFilter``)."""
    return (
        usecases_visible_to(user)
        .select_related("department", "submitter")
        .order_by("-updated_at", "-id")
    )


def transitions_open_to(user: User, usecase: UseCase) -> list[Transition]:
    """The moves ``user`` may offer on this case now (the service still checks everything)."""
    owner = user.has_perm("usecases.own_usecase", usecase)
    reviewer = user.has_perm("usecases.review_usecases", usecase)
    return [t for t in transitions_from(usecase.status) if (owner if t.by_owner else reviewer)]


def permissions_on(user: User, usecase: UseCase) -> dict[str, bool]:
    """What ``user`` may do on the case, for the pages to offer (``portal.roles``); the
    services ask the same predicates."""
    return {
        "own": user.has_perm("usecases.own_usecase", usecase),
        "review": user.has_perm("usecases.review_usecases", usecase),
        "comment": user.has_perm("usecases.comment_usecase", usecase),
        "assess_risk": user.has_perm("usecases.change_risk_answers", usecase),
        "sign_off": user.has_perm("usecases.sign_off_usecase", usecase),
        "request_exception": user.has_perm("usecases.request_exception", usecase),
        "override_tier": user.has_perm("usecases.override_tier", usecase),
    }


def usecase_for(user: User, reference: str) -> UseCase | None:
    return (
        with_guardrail_inputs(usecases_visible_to(user))
        .select_related("department", "submitter")
        .filter(reference=reference)
        .first()
    )


def tool_view(entry: RegisterEntry) -> ToolView:
    policy = entry.governing_policy
    return ToolView(
        slug=entry.slug,
        name=entry.name,
        status=entry.status,
        max_data_classification=entry.max_data_classification,
        training_data_disclosure=entry.training_data_disclosure,
        policy_title=policy.title if policy is not None else "",
    )


def case_view(usecase: UseCase) -> CaseView:
    """The guardrails' view of a case (load it through :func:`with_guardrail_inputs`)."""
    tools = list(usecase.preferred_tools.all())
    return CaseView(
        data_classification=usecase.data_classification,
        data_categories=tuple(usecase.data_categories or ()),
        output_audience=tuple(usecase.output_audience or ()),
        human_oversight=usecase.human_oversight,
        risk_tier=usecase.risk_tier,
        tool_slugs=tuple(tool.slug for tool in tools),
        risks=tuple(
            RiskEntryView(risk=r.risk, severity=r.severity, mitigation=r.mitigation)
            for r in usecase.risks.all()
        ),
    )


@dataclass(frozen=True)
class FindingState:
    """A finding with its live exception (requested or granted, not expired), if any."""

    finding: Finding
    exception: GuardrailException | None

    @property
    def is_open(self) -> bool:
        """Blocks approval: no exception in force, or a hard rule (which none can lift)."""
        return not (
            self.finding.exceptable and self.exception is not None and self.exception.in_force
        )

    @property
    def is_requested(self) -> bool:
        """An exception was asked for and waits for a second reviewer or an administrator."""
        return self.exception is not None and self.exception.is_requested


def rule_policies() -> dict[str, str]:
    """Guardrail rule → the title of the policy an administrator named for it (one query)."""
    return dict(
        GuardrailPolicy.objects.filter(policy__isnull=False).values_list("rule", "policy__title")
    )


def guardrail_policies() -> dict[str, GuardrailPolicy]:
    """Guardrail rule → its row (rules never named have none)."""
    return {row.rule: row for row in GuardrailPolicy.objects.select_related("policy")}


def findings_for(usecase: UseCase, policies: Mapping[str, str] | None = None) -> list[FindingState]:
    """The case's guardrail findings, each with the exception granted for it, if any.
    ``policies`` (from :func:`rule_policies`) names their policies; read when not given."""
    tools = [tool_view(entry) for entry in usecase.preferred_tools.all()]
    granted = {
        exception.finding_key: exception
        for exception in usecase.exceptions.all()
        if exception.expired_at is None
    }
    named = rule_policies() if policies is None else policies
    return [
        FindingState(finding=finding, exception=granted.get(finding.key))
        for finding in guardrail_findings(case_view(usecase), tools, named)
    ]


def open_findings(usecase: UseCase) -> list[Finding]:
    return [state.finding for state in findings_for(usecase) if state.is_open]


@dataclass(frozen=True)
class QueueRow:
    usecase: UseCase
    open_findings: int
    missing_ratings: int
    needs_sign_off: bool


def review_queue_cases(user: User) -> QuerySet[UseCase]:
    """Cases awaiting the CIO office, oldest submission first (page it: thousands may wait)."""
    return (
        usecases_visible_to(user)
        .filter(status__in=AWAITING_REVIEW)
        .select_related("department", "submitter")
        .order_by("submitted_at", "id")
    )


def review_queue(user: User, cases: Iterable[UseCase] | None = None) -> list[QueueRow]:
    """The queue's rows, with what still blocks each case: of ``cases`` (a page of
    :func:`review_queue_cases`), else of every case waiting. Ratings and sign-offs are counted
    for these cases only (two queries), not joined into the paged query, which would then
    group every waiting case before taking a page."""
    waiting = list(review_queue_cases(user) if cases is None else cases)
    ids = [case.pk for case in waiting]
    rated = dict(
        Rating.objects.filter(usecase_id__in=ids)
        .values_list("usecase_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    prefetch_related_objects(
        waiting, Prefetch("sign_offs", queryset=SignOff.objects.only("usecase_id", "reviewer_id"))
    )
    return [
        QueueRow(
            usecase=case,
            open_findings=case.open_findings_count,
            missing_ratings=len(Criterion) - rated.get(case.pk, 0),
            needs_sign_off=needs_second_sign_off(case, user),
        )
        for case in waiting
    ]


def ratings_of(usecase: UseCase) -> dict[str, Rating]:
    return {rating.criterion: rating for rating in usecase.ratings.select_related("rated_by")}


def latest_rubric() -> tuple[int | None, Rubric]:
    """The rubric in force and its version number (``None`` while the default applies)."""
    row = RubricVersion.objects.order_by("-number").first()
    if row is None:
        return None, Rubric()
    return row.number, Rubric.model_validate(row.rubric)


def timeline_of(usecase: UseCase) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        object_type=UseCase._meta.label_lower, object_id=str(usecase.pk)
    ).order_by("created_at", "id")


def rubric_history(limit: int = 10) -> list[RubricVersion]:
    return list(RubricVersion.objects.select_related("created_by").order_by("-number")[:limit])


_NIST_ORDER = {risk.value: index for index, risk in enumerate(NistRisk)}


def ranked_risks(risks: Iterable[RiskEntry]) -> list[RiskEntry]:
    """A case's NIST register worst first: by score, then by what is left after the mitigation
    (none judged counts as the whole risk), then in NIST AI 600-1's order."""

    def rank(entry: RiskEntry) -> tuple[int, int, int]:
        residual = entry.residual_score if entry.residual_score is not None else entry.score
        return (-entry.score, -residual, _NIST_ORDER.get(entry.risk, 99))

    return sorted(risks, key=rank)
