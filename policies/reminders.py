"""Reminders to people who have owed an acknowledgement for too long.

At most one reminder per person, policy and interval, even when two workers run at once: each
run first *claims* its reminders in the database (the unique constraint decides who wins), then
emails only the people it claimed.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone

from policies import selectors
from policies.models import AcknowledgementReminder, Policy
from portal.emails import email_text, portal_url
from portal.models import User

log = logging.getLogger(__name__)


def reminder_period(now: datetime, interval_days: int) -> str:
    """The reminder interval ``now`` falls in: the same string for every run in that interval."""
    return str(int(now.timestamp() // (interval_days * 86400)))


def _claim(policy: Policy, period: str, now: datetime) -> list[int]:
    """Record a reminder for everyone who owes ``policy``; return the people this run claimed."""
    owing = selectors.people_owing(policy).exclude(email="").order_by().values("id")
    if connection.vendor == "postgresql":
        sql, params = owing.query.sql_with_params()
        with connection.cursor() as cursor:
            # ``sql`` is the ORM's own compiled query with its parameters kept apart.
            insert = (
                "INSERT INTO policies_acknowledgementreminder"  # noqa: S608
                " (user_id, policy_id, period, sent_at)"
                " SELECT owing.id, %s, %s, %s FROM (" + sql + ") AS owing"
                " ON CONFLICT DO NOTHING RETURNING user_id"
            )
            cursor.execute(insert, [policy.pk, period, now, *params])
            return [row[0] for row in cursor.fetchall()]
    claimed = []
    for user_id in owing.values_list("id", flat=True):
        _reminder, created = AcknowledgementReminder.objects.get_or_create(
            user_id=user_id, policy=policy, period=period
        )
        if created:
            claimed.append(user_id)
    return claimed


def reminders_send(*, now: datetime | None = None) -> int:
    """Email everyone who has owed an acknowledgement for longer than the configured days."""
    now = now or timezone.now()
    due_before = now - timedelta(days=settings.POLICY_REMINDER_AFTER_DAYS)
    period = reminder_period(now, settings.POLICY_REMINDER_INTERVAL_DAYS)
    owed: dict[int, list[Policy]] = defaultdict(list)
    with transaction.atomic():
        for policy in selectors.policies_needing_acknowledgement().filter(
            acknowledgement_due_since__lte=due_before
        ):
            for user_id in _claim(policy, period, now):
                owed[user_id].append(policy)
    sent = 0
    people = User.objects.in_bulk(list(owed))
    for user_id, policies in owed.items():
        person = people[user_id]
        links = [(policy, portal_url("policies:detail", slug=policy.slug)) for policy in policies]
        subject, body = email_text("policies/email/reminder", {"person": person, "policies": links})
        try:
            send_mail(subject, body, None, [person.email])
        except OSError:  # the mail server is down: the reminder is recorded, log and go on
            log.warning("reminder email to user %s failed", user_id)
            continue
        sent += 1
    return sent
