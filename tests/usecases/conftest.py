from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from policies.models import RegisterEntry
from portal.models import User
from usecases import services
from usecases.inputs import (
    ArchetypeAnswering,
    ArchetypeChoice,
    ExceptionGrant,
    ExceptionRequest,
    Move,
    NewIntake,
    Ratings,
    RiskAssessment,
    RiskRegister,
    SignOffInput,
)
from usecases.models import Status, UseCase
from usecases.risk import RiskAnswers, RiskTier
from usecases.scoring import Criterion

COMPLETE: dict[str, Any] = {
    "title": "Draft answers to customer emails",
    "problem": "Agents answer 1,200 emails a day, most of them about the same things.",
    "proposed_solution": "Draft replies from the knowledge base; the agent edits and sends.",
    "value_lever": "productivity",
    "business_function": "customer_service",
    "people_affected": 45,
    "benefit_kind": "hours_saved",
    "hours_saved_per_person_per_week": Decimal("4"),
    "benefit_confidence": 60,
    "data_classification": "internal",
    "data_categories": ["customer"],
    "output_audience": ["internal"],
    "human_oversight": "every_output",
}


def make_tool(slug: str, **fields: Any) -> RegisterEntry:
    defaults = {
        "name": slug.replace("-", " ").title(),
        "kind": "api_model",
        "status": "approved",
        "max_data_classification": "confidential",
        "training_data_disclosure": "partial",
    }
    entry, _ = RegisterEntry.objects.update_or_create(slug=slug, defaults={**defaults, **fields})
    return entry


@pytest.fixture
def approved_tool(db: None) -> RegisterEntry:
    return make_tool("approved-model")


@pytest.fixture
def internal_only_tool(db: None) -> RegisterEntry:
    return make_tool("internal-chat", max_data_classification="internal", kind="chat_assistant")


def make_draft(lead: User, tools: list[RegisterEntry] | None = None, **overrides: Any) -> UseCase:
    return services.usecase_create_draft(
        by=lead, data=NewIntake.parse({**COMPLETE, **overrides}, preferred_tools=tools or [])
    )


def advance(usecase: UseCase, *steps: tuple[User, str], comment: str = "ok") -> UseCase:
    for by, to in steps:
        usecase = UseCase.objects.get(pk=usecase.pk)
        services.usecase_transition(usecase=usecase, by=by, data=Move.parse(to=to, comment=comment))
    return UseCase.objects.get(pk=usecase.pk)


def assess(usecase: UseCase, by: User, **answers: Any) -> UseCase:
    services.usecase_risk_assess(
        usecase=usecase, by=by, data=RiskAssessment.parse(answers=RiskAnswers(**answers))
    )
    return UseCase.objects.get(pk=usecase.pk)


# Archetype answers that recommend the "shaper" (tests/usecases/estimates_portal/helpers.py).
READY_ARCHETYPE_ANSWERS: dict[str, Any] = {
    "model_does_job_as_is": False,
    "needs_company_data": True,
    "must_run_on_company_infrastructure": False,
    "capability_is_differentiator": False,
    "data_volume": "small",
    "budget_ceiling": 500_000.0,
    "skills_in_house": "some",
}


def finish_estimates(case: UseCase, *, archetype: str = "") -> None:
    """Compute the case's current estimates (of ``archetype`` only, if given) here; when the
    session's real Celery worker has already claimed one (a test that commits), wait for the
    worker to finish it. Either way the test sees them done, in CI as on a laptop."""
    import time

    from usecases.estimates import services as estimate_services
    from usecases.estimates.models import EstimateRun, RunStatus

    runs = EstimateRun.objects.filter(usecase=case, is_current=True)
    if archetype:
        runs = runs.filter(archetype=archetype)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pending = list(runs.exclude(status__in=[RunStatus.DONE, RunStatus.FAILED]))
        if not pending:
            return
        for run in pending:
            estimate_services.estimate_run_execute(run.pk)
        time.sleep(0.1)


def ready_for_approval(
    usecase: UseCase,
    reviewer: User,
    *,
    second_reviewer: User | None = None,
    score: int = 4,
    **answers: Any,
) -> UseCase:
    """Give a case under review everything the approval gate (``usecases.approval``) asks for,
    through the services as the CIO office would: the EU AI Act answers (``answers``, if it has
    no tier yet), every rating, the archetype (the recommended one), the NIST register (for a
    tier above minimal), the chosen archetype's estimate computed, and for a high-risk case the
    sign-off of ``second_reviewer``. Open guardrail findings are left for the test to settle."""
    from usecases.estimates import services as estimate_services
    from usecases.estimates.archetype import ArchetypeAnswers

    case = UseCase.objects.get(pk=usecase.pk)
    if not case.risk_tier or answers:
        case = assess(case, reviewer, **answers)
    services.usecase_rate(
        usecase=case,
        by=reviewer,
        data=Ratings.parse(ratings=[{"criterion": c.value, "score": score} for c in Criterion]),
    )
    case = UseCase.objects.get(pk=case.pk)
    if not case.recommended_archetype:
        estimate_services.usecase_archetype_answer(
            usecase=case,
            by=reviewer,
            data=ArchetypeAnswering.parse(answers=ArchetypeAnswers(**READY_ARCHETYPE_ANSWERS)),
        )
        case = UseCase.objects.get(pk=case.pk)
    if not case.chosen_archetype:
        estimate_services.usecase_archetype_choose(
            usecase=case,
            by=reviewer,
            data=ArchetypeChoice.parse(archetype=case.recommended_archetype),
        )
        case = UseCase.objects.get(pk=case.pk)
    if case.risk_tier in (RiskTier.HIGH, RiskTier.LIMITED):
        rows = [
            {
                "risk": risk.risk,
                "likelihood": risk.likelihood,
                "severity": risk.severity,
                "mitigation": risk.mitigation,
                "owner": risk.owner.username if risk.owner else "",
                "residual_likelihood": risk.residual_likelihood,
                "residual_severity": risk.residual_severity,
                "status": risk.status,
            }
            for risk in case.risks.all()
        ] or [
            {
                "risk": "confabulation",
                "likelihood": 2,
                "severity": 2,
                "mitigation": "Every output is checked by a person.",
            }
        ]
        services.usecase_risk_register_save(
            usecase=case, by=reviewer, data=RiskRegister.parse(rows=rows)
        )
    finish_estimates(case, archetype=case.chosen_archetype)
    case = UseCase.objects.get(pk=case.pk)
    if case.is_high_risk and second_reviewer is not None:
        services.usecase_sign_off(usecase=case, by=second_reviewer, data=SignOffInput())
    return UseCase.objects.get(pk=case.pk)


def an_exception(
    usecase: UseCase,
    finding_key: str,
    requester: User,
    granter: User | None,
    *,
    reason: str = "Pilot on anonymised data only.",
    conditions: str = "One team, anonymised records, for the pilot only.",
    days: int = 90,
) -> Any:
    """Request an exception to a finding as ``requester`` and, unless ``granter`` is None, grant
    it as ``granter`` (another reviewer or an administrator): the four eyes of the service."""
    import datetime

    from django.utils import timezone

    exception = services.usecase_exception_request(
        usecase=usecase,
        by=requester,
        data=ExceptionRequest.parse(
            finding_key=finding_key,
            reason=reason,
            conditions=conditions,
            expires_on=timezone.localdate() + datetime.timedelta(days=days),
        ),
    )
    if granter is not None:
        exception = services.usecase_exception_grant(
            usecase=usecase, by=granter, data=ExceptionGrant.parse(finding_key=finding_key)
        )
    return exception


@pytest.fixture
def draft(lead: User, approved_tool: RegisterEntry) -> UseCase:
    return make_draft(lead, [approved_tool])


@pytest.fixture
def in_review(draft: UseCase, lead: User, reviewer: User) -> UseCase:
    case = advance(draft, (lead, Status.SUBMITTED), (reviewer, Status.IN_REVIEW))
    return assess(case, reviewer)
