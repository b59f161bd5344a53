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
