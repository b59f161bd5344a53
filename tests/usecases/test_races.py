"""Races on the real database: two drafts saved at once, two reviewers deciding at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, transaction
from django.utils import timezone

from portal.boundary import Refused
from portal.models import User
from usecases import services
from usecases.estimates.models import EstimateRun, RunStatus
from usecases.inputs import Move
from usecases.models import Status, UseCase

from .conftest import advance, assess, make_draft, ready_for_approval

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(*actions: Callable[[], object]) -> list[object]:
    """Run each action in its own thread (own connection), released at the same moment."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[object] = [None] * len(actions)

    def run(index: int, action: Callable[[], object]) -> None:
        barrier.wait()
        try:
            outcomes[index] = action()
        except Exception as error:
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)  # a loaded machine: twenty threads queue on one row lock
    return outcomes


def test_two_drafts_saved_at_once_get_different_references(lead: User) -> None:
    outcomes = run_together(*[lambda n=n: make_draft(lead, title=f"Idea {n}") for n in range(4)])
    references = [o.reference for o in outcomes if isinstance(o, UseCase)]
    assert len(references) == 4 and len(set(references)) == 4


def test_two_reviewers_deciding_at_once_one_wins_the_other_is_told(
    lead: User, reviewer: User, second_reviewer: User
) -> None:
    case = advance(make_draft(lead), (lead, Status.SUBMITTED), (reviewer, Status.IN_REVIEW))
    case = ready_for_approval(assess(case, reviewer), reviewer)
    seen = case.version
    outcomes = run_together(
        lambda: services.usecase_transition(
            usecase=case, by=reviewer, data=Move.parse(to=Status.APPROVED, expected_version=seen)
        ),
        lambda: services.usecase_transition(
            usecase=case,
            by=second_reviewer,
            data=Move.parse(
                to=Status.REJECTED, comment="Duplicate of another case.", expected_version=seen
            ),
        ),
    )
    winners = [o for o in outcomes if isinstance(o, UseCase)]
    losers = [o for o in outcomes if isinstance(o, Refused)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert "changed under you" in str(losers[0])
    assert UseCase.objects.get(pk=case.pk).status == winners[0].status


@pytest.mark.parametrize("on_the_page_seen", [True, False])
def test_twenty_approvals_of_one_gated_case_at_once_approve_it_once(
    lead: User, reviewer: User, on_the_page_seen: bool
) -> None:
    from portal.models import AuditEvent

    case = advance(make_draft(lead), (lead, Status.SUBMITTED), (reviewer, Status.IN_REVIEW))
    case = ready_for_approval(case, reviewer)
    seen = case.version if on_the_page_seen else None
    outcomes = run_together(
        *[
            lambda: services.usecase_transition(
                usecase=case,
                by=reviewer,
                data=Move.parse(to=Status.APPROVED, expected_version=seen),
            )
            for _ in range(20)
        ]
    )
    winners = [o for o in outcomes if isinstance(o, UseCase)]
    losers = [o for o in outcomes if isinstance(o, Refused)]
    assert len(winners) == 1 and len(losers) == 19, outcomes
    told = "changed under you" if on_the_page_seen else "cannot move"
    assert all(told in str(loser) for loser in losers)
    assert UseCase.objects.get(pk=case.pk).status == Status.APPROVED
    approvals = AuditEvent.objects.filter(action="usecase.approved", object_id=str(case.pk))
    assert approvals.count() == 1


def test_twenty_approvals_of_a_case_not_ready_change_nothing(lead: User, reviewer: User) -> None:
    case = advance(make_draft(lead), (lead, Status.SUBMITTED), (reviewer, Status.IN_REVIEW))
    case = assess(case, reviewer)
    outcomes = run_together(
        *[
            lambda: services.usecase_transition(
                usecase=case, by=reviewer, data=Move.parse(to=Status.APPROVED)
            )
            for _ in range(20)
        ]
    )
    assert all(isinstance(o, Refused) and "cannot be approved yet" in str(o) for o in outcomes)
    assert UseCase.objects.get(pk=case.pk).version == case.version


def test_twenty_grants_of_one_exception_at_once_grant_it_once(
    lead: User, reviewer: User, second_reviewer: User, admin_user: User
) -> None:
    from policies.models import RegisterEntry
    from portal.models import AuditEvent
    from usecases.inputs import ExceptionGrant
    from usecases.models import GuardrailException

    from .conftest import an_exception, make_tool

    tool: RegisterEntry = make_tool("internal-chat", max_data_classification="internal")
    case = make_draft(lead, [tool], data_classification="confidential")
    case = advance(case, (lead, Status.SUBMITTED), (reviewer, Status.IN_REVIEW))
    key = f"data_above_tool_approval:{tool.slug}"
    an_exception(case, key, reviewer, None)
    granters = [second_reviewer, admin_user] * 10
    outcomes = run_together(
        *[
            lambda who=who: services.usecase_exception_grant(
                usecase=case, by=who, data=ExceptionGrant.parse(finding_key=key)
            )
            for who in granters
        ]
    )
    granted = [o for o in outcomes if isinstance(o, GuardrailException)]
    refused = [o for o in outcomes if isinstance(o, Refused)]
    assert len(granted) == 1 and len(refused) == 19, outcomes
    assert all("already granted" in str(r) for r in refused)
    row = GuardrailException.objects.get(usecase=case)
    assert row.granted_by in (second_reviewer, admin_user)
    grants = AuditEvent.objects.filter(action="usecase.exception_granted", object_id=str(case.pk))
    assert grants.count() == 1 and grants.get().actor == row.granted_by


def _wait_until_another_connection_waits_for_a_lock(timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # pg_locks, not pg_stat_activity: that one is read once per transaction
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.05)
    return False


def _claimed_from_any_worker(run: EstimateRun) -> EstimateRun:
    """The run, marked running by this test: the session's real Celery worker (started by an
    earlier test) may have taken it, or may take it later; either way the test must store it."""
    from usecases.estimates import services as estimate_services

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        claimed = estimate_services.estimate_run_start(run.pk)
        if claimed is not None:
            return claimed  # a worker handed the task later finds it running and skips it
        current = EstimateRun.objects.get(pk=run.pk)
        if current.status in (RunStatus.DONE, RunStatus.FAILED):  # a worker finished it
            EstimateRun.objects.filter(pk=run.pk).update(
                status=RunStatus.RUNNING, started_at=timezone.now(), result=None
            )
            return EstimateRun.objects.get(pk=run.pk)
        time.sleep(0.05)
    raise AssertionError("a worker held the run for a minute")


def test_a_worker_storing_an_estimate_while_the_case_asks_for_new_ones_does_not_deadlock(
    lead: User,
) -> None:
    """The worker's store and a request for the same case's estimates take the case row first,
    then its runs: held in the other order, each waits for the other and PostgreSQL kills one."""
    from usecases.estimates import services as estimate_services

    from .estimates_portal.helpers import priced_tool, submitted_case

    case = submitted_case(lead, priced_tool())
    run = _claimed_from_any_worker(
        EstimateRun.objects.get(usecase=case, archetype="taker", is_current=True)
    )
    holding = threading.Event()
    outcomes: dict[str, object] = {}

    def request() -> None:  # estimates_request, held open between its two locks
        try:
            with transaction.atomic():
                UseCase.objects.select_for_update().get(pk=case.pk)
                holding.set()
                outcomes["worker waits"] = _wait_until_another_connection_waits_for_a_lock()
                estimate_services.estimates_request(usecase=case)
            outcomes["request"] = "ok"
        except Exception as error:
            outcomes["request"] = error
        finally:
            connection.close()

    def store() -> None:
        holding.wait(30)
        try:
            result, error = estimate_services.compute_run(run.inputs, run.assumptions_version)
            outcomes["store"] = estimate_services._finish(run, result, error)
        except Exception as error:
            outcomes["store"] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=request), threading.Thread(target=store)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert outcomes == {"worker waits": True, "request": "ok", "store": "done"}, outcomes
    assert EstimateRun.objects.get(pk=run.pk).status == RunStatus.DONE
