"""Demo data: archetype answers for every submitted demo case, and finished estimates.

Estimates are computed in-process here (the demo must not wait for a worker); the services
are the same the tasks call, so a worker that picks the same runs up later skips them.
"""

from __future__ import annotations

from django.db import transaction

from portal.demo import register_demo_step
from portal.models import User
from usecases.estimates import services
from usecases.estimates.archetype import ArchetypeAnswers
from usecases.estimates.models import EstimateRun, RunStatus
from usecases.inputs import ArchetypeAnswering, ArchetypeChoice
from usecases.models import Status, UseCase, ValueLever

DECIDED = {Status.APPROVED, Status.IN_DELIVERY, Status.LIVE, Status.RETIRED}


def _answers(case: UseCase) -> ArchetypeAnswers:
    needs_data = bool(case.data_categories) or case.data_classification in (
        "confidential",
        "restricted",
    )
    people = case.people_affected or 0
    # A lead who chose a seat tool (Copilot, an enterprise assistant) has tried it on the task.
    # (The benchmark's generator asks with unsaved probes: they have no tools.)
    seat_tool = (
        case.pk is not None
        and case.preferred_tools.filter(seat_price_monthly__isnull=False).exists()
    )
    return ArchetypeAnswers(
        model_does_job_as_is=not needs_data or seat_tool,
        needs_company_data=needs_data,
        must_run_on_company_infrastructure=case.data_classification == "restricted",
        capability_is_differentiator=case.value_lever
        in (ValueLever.GROWTH, ValueLever.NEW_BUSINESS_MODEL),
        data_volume=("large" if people > 100 else "small") if needs_data else "none",
        budget_ceiling=250_000.0,
        skills_in_house="some",
    )


@register_demo_step
def seed_estimates() -> str:
    rita = User.objects.filter(username="rita").first()
    # Runs may already exist (a worker estimates each case as it is submitted); the
    # archetype answers are what this step adds, so they decide whether it ran before.
    if rita is None or UseCase.objects.filter(archetype_answers__isnull=False).exists():
        return "estimates already present"
    cases = UseCase.objects.filter(status__in=services.ESTIMATED_STATUSES).order_by("pk")
    for case in cases:
        with transaction.atomic():
            services.usecase_archetype_answer(
                usecase=case, by=rita, data=ArchetypeAnswering.parse(answers=_answers(case))
            )
            case.refresh_from_db()
            if case.status in DECIDED:
                services.usecase_archetype_choose(
                    usecase=case,
                    by=rita,
                    data=ArchetypeChoice.parse(
                        archetype=case.recommended_archetype,
                        justification="Confirmed at the review.",
                    ),
                )
            if not case.estimate_runs.exists():
                services.estimates_request(usecase=case)
    for run in EstimateRun.objects.filter(is_current=True).exclude(status=RunStatus.DONE):
        services.estimate_run_execute(run.pk)
    done = EstimateRun.objects.filter(is_current=True, status=RunStatus.DONE).count()
    return f"{done} estimates"
