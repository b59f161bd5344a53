"""A task's round trip through the real broker (Redis) and a real worker started by the tests."""

from __future__ import annotations

import uuid

import pytest

from portal.tasks import diagnostic_ping


@pytest.mark.django_db(transaction=True)
def test_task_round_trip_through_redis_and_a_worker(celery_worker: str) -> None:
    nonce = uuid.uuid4().hex
    result = diagnostic_ping.delay(nonce).get(timeout=30)
    assert result["nonce"] == nonce
    assert result["database"] == "postgresql"


def test_tasks_acknowledge_late_and_retry_transient_errors() -> None:
    assert diagnostic_ping.acks_late is True
    assert diagnostic_ping.reject_on_worker_lost is True
    from django.db.utils import OperationalError

    assert OperationalError in diagnostic_ping.autoretry_for  # type: ignore[attr-defined]
