"""Through the real broker and worker: re-scoring after a rubric change, and the emails."""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from portal.models import User
from tests.services import broker_unreachable, emails_sent_by_worker
from usecases import services
from usecases.inputs import Ratings, RubricChange
from usecases.models import Notification, Status, UseCase
from usecases.scoring import Criterion, Rubric

from .conftest import advance, assess, make_draft

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for(condition: Callable[[], bool], seconds: float = 45) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return False


def test_a_rubric_change_rescores_every_case_in_the_background(
    celery_worker: str, lead: User, reviewer: User, admin_user: User
) -> None:
    cases = []
    for n in range(3):
        case = make_draft(lead, title=f"Case {n}")
        case = advance(case, (lead, Status.SUBMITTED), (reviewer, Status.IN_REVIEW))
        case = assess(case, reviewer)
        ratings = {c.value: (5 if c == Criterion.STRATEGIC_FIT else 1, "") for c in Criterion}
        services.usecase_rate(usecase=case, by=reviewer, data=Ratings.of(ratings))
        cases.append(case)
    assert UseCase.objects.get(pk=cases[0].pk).value_score == pytest.approx(37.5)
    weights = {c: 0.0 for c in Criterion} | {
        Criterion.STRATEGIC_FIT: 1.0,
        Criterion.DATA_READINESS: 1.0,
    }
    services.rubric_publish(
        by=admin_user, data=RubricChange.parse(rubric=Rubric(weights=weights), comment="Fit only")
    )
    assert wait_for(
        lambda: all(
            UseCase.objects.get(pk=c.pk).value_score == 100
            and UseCase.objects.get(pk=c.pk).scored_with_rubric == 1
            for c in cases
        )
    ), "the worker did not re-score the cases"


def test_submission_mails_reviewers_and_decisions_mail_the_submitter(
    celery_worker: str,
    worker_mail_dir: Path,
    lead: User,
    reviewer: User,
    second_reviewer: User,
) -> None:
    case = make_draft(lead, title="Mail me")
    advance(case, (lead, Status.SUBMITTED))

    def mails_about(words: str) -> list[str]:
        return [m for m in emails_sent_by_worker(worker_mail_dir) if words in m]

    assert wait_for(lambda: bool(mails_about(f"{case.reference} submitted for review")))
    submitted = mails_about(f"{case.reference} submitted for review")[0]
    assert reviewer.email in submitted and second_reviewer.email in submitted
    advance(case, (reviewer, Status.IN_REVIEW))
    advance(case, (reviewer, Status.REJECTED), comment="Overlaps with the chatbot project.")
    assert wait_for(lambda: bool(mails_about(f"{case.reference} rejected")))
    decision = mails_about(f"{case.reference} rejected")[0]
    assert lead.email in decision and "Overlaps with the chatbot project." in decision


def test_an_email_the_broker_could_not_take_is_sent_by_the_sweeper_once(
    celery_worker: str, worker_mail_dir: Path, lead: User, reviewer: User
) -> None:
    case = make_draft(lead, title="Submitted while the broker was down")
    with broker_unreachable():
        advance(case, (lead, Status.SUBMITTED))
    waiting = Notification.objects.get(event__object_id=str(case.pk), sent_at__isnull=True)

    subject = f"{case.reference} submitted for review"
    assert services.notifications_sweep() == 0  # too recent: its enqueue may still be under way
    assert services.notifications_sweep(older_than=datetime.timedelta(0)) == 1
    assert wait_for(lambda: Notification.objects.get(pk=waiting.pk).sent_at is not None)
    assert services.notifications_sweep(older_than=datetime.timedelta(0)) == 0
    sent = [m for m in emails_sent_by_worker(worker_mail_dir) if subject in m]
    assert len(sent) == 1 and reviewer.email in sent[0]
