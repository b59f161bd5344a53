"""Background work of the policies feature."""

from __future__ import annotations

from celery import shared_task

from policies.reminders import reminders_send


@shared_task(name="policies.send_acknowledgement_reminders", ignore_result=False)
def send_acknowledgement_reminders() -> int:
    """Daily (beat): remind people who have owed an acknowledgement for too long."""
    return reminders_send()
