"""Services of the estimates in the portal, without a worker (tasks are called directly)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from portal.boundary import Refused
from portal.models import User
from tests.services import broker_unreachable
from usecases.estimates import services
from usecases.estimates.archetype import ArchetypeAnswers
from usecases.estimates.assumptions import DEFAULT_ASSUMPTIONS
from usecases.estimates.models import AssumptionsVersion, EstimateRun, RunStatus
from usecases.estimates.tasks import run_estimate
from usecases.inputs import (
    ArchetypeAnswering,
    ArchetypeChoice,
    AssumptionsChange,
    DriversChange,
    EstimateRerun,
)
from usecases.models import UseCase

from .helpers import SHAPER_ANSWERS, priced_tool, submitted_case

pytestmark = pytest.mark.django_db


class AuditEventCount:
    def __init__(self) -> None:
        from portal.models import AuditEvent

        self.model, self.count = AuditEvent, AuditEvent.objects.count()

    def unchanged(self) -> bool:
        return self.model.objects.count() == self.count


def _current(case: UseCase, archetype: str) -> EstimateRun:
    return EstimateRun.objects.get(usecase=case, archetype=archetype, is_current=True)


def test_submission_asks_for_three_estimates_with_intake_defaults(lead: User) -> None:
    case = submitted_case(lead, priced_tool())
    runs = {r.archetype: r for r in EstimateRun.objects.filter(usecase=case)}
    assert set(runs) == {"taker", "shaper", "maker"}
    assert {r.status for r in runs.values()} == {RunStatus.WAITING}
    taker = runs["taker"].inputs
    assert taker["model"] == "priced-model"
    assert taker["price_per_million_input_tokens"] == 3.0
    # 45 customer-service people (no volume facts: assumed employee users) x the function's
    # hint of 40 uses a working day; the preferred tool is an API, so nobody gets a seat and
    # every request is a call; they review their own drafts (every output), at an agent's
    # $55,000 / 46 / 40 = $29.89 an hour; 4 h a week x 45 x 46 weeks = 8,280 h saved, stated
    # with 60 % confidence: 60 % to 140 % of it.
    assert taker["requests_per_day"]["mode"] == 45 * 40
    assert taker["users"] == 0 and "api_requests_per_day" not in taker
    assert taker["review_by"] == "own_draft" and taker["review_share"] == 1.0
    assert taker["user_hourly_cost"] == 29.89
    assert taker["hours_saved_per_year"] == {"low": 4_968, "mode": 8_280, "high": 11_592}
    assert runs["maker"].assumptions_version.number == 1


def test_expected_benefit_is_hours_times_people_times_weeks_times_hourly_cost(lead: User) -> None:
    case = submitted_case(lead)
    # Before any estimate: 4 h x 45 people x 46 weeks x an hour of customer service
    # ($55,000 / (46 weeks x 40 h)) = 8,280 h x $29.89 = $247,500 (was a flat $60 an hour).
    assert UseCase.objects.get(pk=case.pk).expected_annual_benefit == Decimal("247500.00")


def test_a_finished_run_of_the_recommended_archetype_fills_the_case_figures(lead: User) -> None:
    case = submitted_case(lead, priced_tool())
    shaper = _current(case, "shaper")
    assert services.estimate_run_execute(shaper.pk) == "done"
    shaper.refresh_from_db()
    case.refresh_from_db()
    assert shaper.result is not None
    assert case.recommended_archetype == "shaper"
    assert case.estimate_one_time_p50 == Decimal(str(shaper.result["one_time"]["p50"]))
    assert case.estimate_annual_p50 == Decimal(str(shaper.result["annual"]["p50"]))
    assert case.estimate_payback_months == shaper.result["payback_months"]


def test_the_same_inputs_are_not_computed_twice(lead: User) -> None:
    case = submitted_case(lead)
    first = _current(case, "taker")
    assert services.estimate_run_execute(first.pk) == "done"
    result = EstimateRun.objects.get(pk=first.pk).result
    again = services.estimates_request(usecase=case, archetypes=["taker"])
    assert [r.pk for r in again] == [first.pk]
    assert services.estimate_run_execute(first.pk) == "skipped"
    stored = EstimateRun.objects.get(pk=first.pk)
    assert stored.attempts == 1 and stored.result == result
    assert EstimateRun.objects.filter(usecase=case, archetype="taker").count() == 1


def test_running_the_task_twice_stores_one_result(lead: User) -> None:
    case = submitted_case(lead)
    run = _current(case, "maker")
    assert run_estimate.apply(args=(run.pk,)).get() == "done"
    finished = EstimateRun.objects.get(pk=run.pk).finished_at
    assert run_estimate.apply(args=(run.pk,)).get() == "skipped"
    stored = EstimateRun.objects.get(pk=run.pk)
    assert stored.finished_at == finished and stored.attempts == 1


def test_new_drivers_make_a_new_run_and_the_old_result_stays_visible_as_stale(
    lead: User, reviewer: User
) -> None:
    case = submitted_case(lead)
    old = _current(case, "taker")
    services.estimate_run_execute(old.pk)
    new = services.estimate_drivers_set(
        usecase=case,
        by=reviewer,
        data=DriversChange.parse(
            archetype="taker",
            drivers={
                "requests_per_day": 10.0,
                "price_per_million_input_tokens": 1.0,
                "price_per_million_output_tokens": 2.0,
                "input_tokens": 100.0,
            },
        ),
    )
    assert new.pk != old.pk and new.status == RunStatus.WAITING
    old.refresh_from_db()
    assert old.is_stale and not old.is_current
    from usecases.estimates.selectors import estimate_panels

    taker = next(p for p in estimate_panels(case) if p.archetype == "taker")
    assert taker.shown is not None and taker.shown.pk == old.pk and taker.is_stale
    services.estimate_run_execute(new.pk)
    taker = next(p for p in estimate_panels(case) if p.archetype == "taker")
    assert taker.shown is not None and taker.shown.pk == new.pk and not taker.is_stale


def test_a_failing_run_keeps_its_reason_and_can_be_retried_after_a_fix(
    lead: User, reviewer: User
) -> None:
    case = submitted_case(lead)
    run = services.estimate_drivers_set(
        usecase=case,
        by=reviewer,
        data=DriversChange.parse(archetype="maker", drivers={"parameters": 1e9, "gpu": "TPU v9"}),
    )
    assert services.estimate_run_execute(run.pk) == "failed"
    run.refresh_from_db()
    assert "gpu" in run.error and "TPU v9" in run.error
    retried = services.estimate_rerun(
        usecase=case, by=reviewer, data=EstimateRerun.parse(archetype="maker")
    )
    assert retried.pk == run.pk and retried.status == RunStatus.WAITING and retried.error == ""
    fixed = services.estimate_drivers_set(  # drivers left out are kept: null removes the GPU
        usecase=case,
        by=reviewer,
        data=DriversChange.parse(archetype="maker", drivers={"parameters": 1e9, "gpu": None}),
    )
    assert services.estimate_run_execute(fixed.pk) == "done"


def test_drivers_the_engine_refuses_are_named(lead: User, reviewer: User) -> None:
    case = submitted_case(lead)
    with pytest.raises(Refused) as error:
        services.estimate_drivers_set(
            usecase=case,
            by=reviewer,
            data=DriversChange.parse(archetype="maker", drivers={"utilization": 2.0}),
        )
    assert "parameters" in str(error.value) or "utilization" in str(error.value)


def test_the_sweeper_enqueues_runs_left_waiting_when_the_broker_was_down(
    lead: User, redis_url: str, django_capture_on_commit_callbacks: Any
) -> None:
    with broker_unreachable(), django_capture_on_commit_callbacks(execute=True):
        case = submitted_case(lead)
    assert set(EstimateRun.objects.filter(usecase=case).values_list("status", flat=True)) == {
        RunStatus.WAITING
    }
    # The broker is back: the sweeper hands every waiting run to it (no worker listens to the
    # tests' queue here, so they stay queued: the real worker's part is in test_worker.py).
    with django_capture_on_commit_callbacks(execute=True):
        assert services.estimates_sweep() == 3
    assert set(EstimateRun.objects.filter(usecase=case).values_list("status", flat=True)) == {
        RunStatus.QUEUED
    }


def test_the_sweeper_requeues_runs_stuck_in_running(lead: User) -> None:
    case = submitted_case(lead)
    run = _current(case, "taker")
    assert services.estimate_run_start(run.pk) is not None
    EstimateRun.objects.filter(usecase=case).exclude(pk=run.pk).update(
        status=RunStatus.QUEUED, queued_at=timezone.now()
    )
    assert services.estimates_sweep() == 0
    EstimateRun.objects.filter(pk=run.pk).update(
        started_at=run.created_at - services.STUCK_AFTER * 2
    )
    assert services.estimates_sweep() == 1
    assert services.estimate_run_execute(run.pk) == "done"


def test_assumptions_are_versioned_and_each_save_kept(admin_user: User, lead: User) -> None:
    data = DEFAULT_ASSUMPTIONS.model_dump(mode="json")
    data["contingency_percent"] = 30
    version = services.assumptions_publish(
        by=admin_user, data=AssumptionsChange.parse(data=data, comment="More risk")
    )
    assert version.number == 2
    assert AssumptionsVersion.objects.count() == 2
    assert services.assumptions_current().assumptions().contingency_percent == 30
    data["default_gpu"] = "B200"
    with pytest.raises(Refused) as error:
        services.assumptions_publish(by=admin_user, data=AssumptionsChange.parse(data=data))
    assert "default_gpu" in str(error.value)
    with pytest.raises(Refused):
        services.assumptions_publish(
            by=lead, data=AssumptionsChange.parse(data=DEFAULT_ASSUMPTIONS.model_dump(mode="json"))
        )


def test_only_reviewers_adjust_drivers_and_choose_the_archetype(lead: User, reviewer: User) -> None:
    case = submitted_case(lead)
    with pytest.raises(Refused):
        services.estimate_drivers_set(
            usecase=case,
            by=lead,
            data=DriversChange.parse(archetype="maker", drivers={"parameters": 1e9}),
        )
    with pytest.raises(Refused):
        services.usecase_archetype_choose(
            usecase=case, by=lead, data=ArchetypeChoice.parse(archetype="shaper", justification="")
        )
    with pytest.raises(Refused):
        services.usecase_archetype_choose(
            usecase=case,
            by=reviewer,
            data=ArchetypeChoice.parse(archetype="maker", justification="no"),
        )
    chosen = services.usecase_archetype_choose(
        usecase=case,
        by=reviewer,
        data=ArchetypeChoice.parse(archetype="taker", justification="A pilot with a tool first."),
    )
    assert chosen.chosen_archetype == "taker"
    from portal.models import AuditEvent

    assert AuditEvent.objects.filter(action="usecase.archetype_chosen").count() == 1


def test_an_archetype_decision_on_a_stale_page_is_refused(lead: User, reviewer: User) -> None:
    case = submitted_case(lead)
    seen = UseCase.objects.get(pk=case.pk).version
    services.usecase_archetype_choose(
        by=reviewer, usecase=case, data=ArchetypeChoice.parse(archetype="shaper")
    )
    events = AuditEventCount()
    with pytest.raises(Refused, match="changed under you") as refusal:
        services.usecase_archetype_choose(
            by=reviewer,
            usecase=case,
            data=ArchetypeChoice.parse(
                archetype="maker",
                justification="We will own the model.",
                expected_version=seen,
            ),
        )
    assert refusal.value.kind == Refused.CONFLICT
    assert UseCase.objects.get(pk=case.pk).chosen_archetype == "shaper"
    assert events.unchanged()
    with pytest.raises(Refused, match="changed under you"):
        services.usecase_archetype_answer(
            by=lead,
            usecase=case,
            data=ArchetypeAnswering.parse(
                answers=ArchetypeAnswers(**SHAPER_ANSWERS), expected_version=seen
            ),
        )


def test_an_archetype_decision_goes_through_the_case_writer(lead: User, reviewer: User) -> None:
    case = submitted_case(lead)
    taker = _current(case, "taker")
    services.estimate_run_execute(taker.pk)
    taker.refresh_from_db()
    assert taker.result is not None
    before = UseCase.objects.get(pk=case.pk)
    assert before.estimate_annual_p50 is None  # the recommended shaper has no estimate yet
    chosen = services.usecase_archetype_choose(
        by=reviewer,
        usecase=case,
        data=ArchetypeChoice.parse(archetype="taker", justification="A pilot with a tool first."),
    )
    stored = UseCase.objects.get(pk=case.pk)
    assert chosen.version == stored.version == before.version + 1  # a decision: it moves
    # The figures follow the chosen archetype, in the same write.
    assert stored.estimate_annual_p50 == Decimal(str(taker.result["annual"]["p50"]))
