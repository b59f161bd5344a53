"""Portal-wide tasks."""

from __future__ import annotations

import socket
from typing import Any

from celery import shared_task
from django.db import connection


@shared_task(name="portal.diagnostic_ping", ignore_result=False, time_limit=30, soft_time_limit=25)
def diagnostic_ping(nonce: str) -> dict[str, str]:
    """Answer from a worker, touching the database: proves broker, worker and database connect."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"nonce": nonce, "worker": socket.gethostname(), "database": connection.vendor}


@shared_task(name="portal.apply_person_import", time_limit=3600, soft_time_limit=3500)
def apply_person_import(batch_id: int) -> None:
    """Apply a previewed CSV import of people (portal.people.importing)."""
    from portal.models import PersonImport
    from portal.people.importing import import_apply

    try:
        import_apply(batch_id)
    except Exception as error:
        PersonImport.objects.filter(pk=batch_id).update(
            status=PersonImport.Status.FAILED, failure=str(error)[:2000]
        )
        raise


@shared_task(bind=True, name="portal.preview_person_import", time_limit=1800, soft_time_limit=1750)
def preview_person_import(self: Any, batch_id: int, run: int) -> None:
    """The dry-run preview of a CSV import of people (portal.people.importing.preview_compute).

    A transient error (database or broker briefly away) is retried from the first row; anything
    else, or the last retry, is kept as the preview's failure in words and never retried."""
    from celery.exceptions import SoftTimeLimitExceeded

    from portal.people.importing import (
        PREVIEW_ATTEMPTS,
        Unreadable,
        preview_compute,
        preview_failed,
    )

    try:
        preview_compute(batch_id, run)
    except Exception as error:
        if isinstance(error, self.autoretry_for) and self.request.retries + 1 < PREVIEW_ATTEMPTS:
            raise  # PortalTask retries it with backoff; preview_compute starts over
        if isinstance(error, SoftTimeLimitExceeded):
            reason = "The preview took longer than 29 minutes; split the file in parts."
        elif isinstance(error, Unreadable):
            reason = str(error)
        else:
            reason = f"The preview stopped: {type(error).__name__}: {error}"
        preview_failed(batch_id, run, reason)
