"""Background work of the policies feature."""

from __future__ import annotations

from celery import shared_task

from policies.reminders import reminders_send
from policies.services import acknowledgement_tally_rebuild


@shared_task(name="policies.send_acknowledgement_reminders", ignore_result=False)
def send_acknowledgement_reminders() -> int:
    """Daily (beat): remind people who have owed an acknowledgement for too long."""
    return reminders_send()


@shared_task(name="policies.rebuild_acknowledgement_tally", ignore_result=True, time_limit=600)
def rebuild_acknowledgement_tally() -> int:
    """Every ten minutes (beat): recount the compliance tally, so that people who moved
    department or left are counted where they are now."""
    return acknowledgement_tally_rebuild()
