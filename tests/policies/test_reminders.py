"""Reminders: sent after the configured days, once per person and interval, never twice."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from policies import services
from policies.inputs import NewPolicy
from policies.models import AcknowledgementReminder, Policy
from policies.reminders import reminders_send
from policies.tasks import send_acknowledgement_reminders
from portal.models import User
from tests.factories import make_user
from tests.policies.conftest import publish_new_version
from tests.services import emails_sent_by_worker


def _owed_since(policy: Policy, days: int) -> None:
    Policy.objects.filter(pk=policy.pk).update(
        acknowledgement_due_since=timezone.now() - timedelta(days=days)
    )


@pytest.mark.django_db
def test_nobody_is_reminded_before_the_configured_days(
    published_policy: Policy, employee: User, settings
) -> None:
    settings.POLICY_REMINDER_AFTER_DAYS = 7
    _owed_since(published_policy, 3)
    assert reminders_send() == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_owing_people_are_reminded_once_per_interval(
    published_policy: Policy, employee: User, lead: User, settings
) -> None:
    settings.POLICY_REMINDER_AFTER_DAYS = 7
    _owed_since(published_policy, 10)
    services.acknowledgement_record(by=lead, version=published_policy.versions.get(number=1))
    sent = reminders_send()
    recipients = sorted(address for message in mail.outbox for address in message.to)
    # author and approver of the fixture owe it too; the lead acknowledged
    assert sent == 3
    assert recipients == sorted([employee.email, "paul@example.com", "ada@example.com"])
    assert f"/policies/{published_policy.slug}/" in mail.outbox[0].body
    assert reminders_send() == 0  # same interval: nothing again
    assert len(mail.outbox) == 3
    later = timezone.now() + timedelta(days=settings.POLICY_REMINDER_INTERVAL_DAYS)
    assert reminders_send(now=later) == 3  # next interval: reminded again


@pytest.mark.django_db
def test_one_email_lists_every_policy_a_person_owes(
    author: User, approver: User, employee: User, settings
) -> None:
    for title in ("First rules", "Second rules"):
        policy = services.policy_create(
            by=author, data=NewPolicy.parse(title=title, category="other", body_markdown="x")
        )
        publish_new_version(policy, author, approver, "x")
        _owed_since(policy, 30)
    reminders_send()
    to_employee = [message for message in mail.outbox if employee.email in message.to]
    assert len(to_employee) == 1
    assert "First rules" in to_employee[0].body and "Second rules" in to_employee[0].body
    assert to_employee[0].subject == "Please acknowledge 2 AI policies"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_on_real_workers_send_each_email_once(
    celery_worker: str, worker_mail_dir: Path, author: User, approver: User, department
) -> None:
    policy = services.policy_create(
        by=author, data=NewPolicy.parse(title="Reminded", category="other", body_markdown="x")
    )
    publish_new_version(policy, author, approver, "x")
    people = [make_user(username=f"reader{i}", department=department) for i in range(25)]
    _owed_since(policy, 30)
    before = len(emails_sent_by_worker(worker_mail_dir))
    first, second = send_acknowledgement_reminders.delay(), send_acknowledgement_reminders.delay()
    sent = first.get(timeout=60) + second.get(timeout=60)
    owing = len(people) + 2  # the readers, the author and the approver
    assert sent == owing
    assert AcknowledgementReminder.objects.filter(policy=policy).count() == owing
    messages = emails_sent_by_worker(worker_mail_dir)[before:]
    recipients = [
        line for message in messages for line in message.splitlines() if line.startswith("To: ")
    ]
    assert len(recipients) == owing
    assert len(set(recipients)) == owing
