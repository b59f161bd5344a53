"""Portal-wide tasks."""

from __future__ import annotations

import socket

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
