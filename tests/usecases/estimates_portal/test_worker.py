"""Through the real broker and worker: estimates after submission, after a price change,
failures with a retry, and a task delivered twice."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal

import pytest

from portal.models import User
from tests.policies.conftest import change_entry
from usecases.estimates import services
from usecases.estimates.models import EstimateBatch, EstimateRun, RunStatus
from usecases.estimates.tasks import run_estimate
from usecases.inputs import DriversChange, EstimateRerun

from .helpers import priced_tool, submitted_case

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for(condition: Callable[[], bool], seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return False


def _statuses(case_pk: int) -> dict[str, str]:
    return dict(
        EstimateRun.objects.filter(usecase_id=case_pk, is_current=True).values_list(
            "archetype", "status"
        )
    )


def test_a_submission_leads_to_three_finished_estimates(celery_worker: str, lead: User) -> None:
    case = submitted_case(lead, priced_tool())
    assert wait_for(lambda: set(_statuses(case.pk).values()) == {RunStatus.DONE}), _statuses(
        case.pk
    )
    assert sorted(_statuses(case.pk)) == ["maker", "shaper", "taker"]
    case.refresh_from_db()
    assert case.estimate_annual_p50 is not None  # the recommended (shaper) figures landed


def test_a_price_change_re_estimates_only_affected_cases(
    celery_worker: str, lead: User, author: User, approver: User
) -> None:
    tool = priced_tool("priced-model")
    affected = submitted_case(lead, tool, title="Uses the priced model")
    other = submitted_case(lead, priced_tool("other-model"), title="Uses another model")
    for case_pk in (affected.pk, other.pk):
        assert wait_for(lambda: set(_statuses(case_pk).values()) == {RunStatus.DONE})  # noqa: B023
    old = {r.archetype: r.pk for r in EstimateRun.objects.filter(usecase=affected)}
    other_runs = set(EstimateRun.objects.filter(usecase=other).values_list("pk", flat=True))

    change_entry(tool, author, approver, price_per_million_input_tokens=Decimal("30"))
    assert wait_for(lambda: EstimateBatch.objects.filter(finished_at__isnull=False).exists())
    batch = EstimateBatch.objects.get()
    assert (batch.total, batch.done, batch.failed) == (2, 2, 0)  # taker and shaper use prices
    new_taker = EstimateRun.objects.get(usecase=affected, archetype="taker", is_current=True)
    assert new_taker.pk != old["taker"] and new_taker.status == RunStatus.DONE
    assert new_taker.inputs["price_per_million_input_tokens"] == 30.0
    previous = EstimateRun.objects.get(pk=old["taker"])
    assert previous.is_stale and previous.result is not None  # kept, marked stale
    assert EstimateRun.objects.get(pk=old["maker"]).is_current  # no prices: same inputs
    assert set(EstimateRun.objects.filter(usecase=other).values_list("pk", flat=True)) == other_runs


def test_a_failing_run_shows_its_reason_and_can_be_retried(
    celery_worker: str, lead: User, reviewer: User
) -> None:
    case = submitted_case(lead)
    run = services.estimate_drivers_set(
        usecase=case,
        by=reviewer,
        data=DriversChange.parse(archetype="maker", drivers={"parameters": 1e9, "gpu": "TPU v9"}),
    )
    assert wait_for(lambda: EstimateRun.objects.get(pk=run.pk).status == RunStatus.FAILED)
    assert "TPU v9" in EstimateRun.objects.get(pk=run.pk).error
    services.estimate_rerun(usecase=case, by=reviewer, data=EstimateRerun.parse(archetype="maker"))
    assert wait_for(
        lambda: (
            EstimateRun.objects.get(pk=run.pk).attempts == 2
            and EstimateRun.objects.get(pk=run.pk).status == RunStatus.FAILED
        )
    )


def test_the_same_task_delivered_twice_stores_one_result(
    celery_worker: str, lead: User, django_capture_on_commit_callbacks: object
) -> None:
    case = submitted_case(lead)
    assert wait_for(lambda: set(_statuses(case.pk).values()) == {RunStatus.DONE})
    run = EstimateRun.objects.get(usecase=case, archetype="taker", is_current=True)
    # Deliver it twice more, as a broker redelivery would.
    run_estimate.apply_async(args=(run.pk,))
    run_estimate.apply_async(args=(run.pk,))
    time.sleep(3)
    stored = EstimateRun.objects.get(pk=run.pk)
    assert stored.attempts == 1 and stored.finished_at == run.finished_at
    assert stored.result == run.result
