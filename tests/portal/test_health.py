"""/healthz reports the database, Redis and the worker truthfully, with the right status code."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db(transaction=True)
def test_healthy_when_database_redis_and_a_worker_answer(
    client: Client, celery_worker: str
) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"ok": True, "detail": "postgresql"}
    assert body["checks"]["redis"]["ok"] is True
    assert body["checks"]["worker"]["ok"] is True


@pytest.mark.django_db
def test_unavailable_when_redis_is_down(client: Client, settings, redis_url: str) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["ok"] is True
    assert checks["redis"]["ok"] is False
    assert checks["worker"] == {"ok": False, "detail": "unknown: the broker (Redis) is unreachable"}


@pytest.mark.django_db
def test_unavailable_when_no_worker_listens(client: Client, settings, redis_url: str) -> None:
    settings.REDIS_URL = redis_url.rsplit("/", 1)[0] + "/13"  # a broker no worker consumes
    response = client.get("/healthz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["redis"]["ok"] is True
    assert checks["worker"]["ok"] is False
    assert "no Celery worker answered" in checks["worker"]["detail"]


@pytest.mark.django_db
def test_embedded_default_reports_a_missing_worker_on_the_file_broker(
    client: Client, settings, tmp_path
) -> None:
    """Without Redis the broker is a folder; no worker consumes this one, and /healthz says so
    (bin/run's worker answering there is checked in tests/portal/test_run_command.py)."""
    for folder in ("messages", "control"):
        (tmp_path / folder).mkdir()
    settings.REDIS_URL = None
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(tmp_path / "messages"),
        "data_folder_out": str(tmp_path / "messages"),
        "control_folder": str(tmp_path / "control"),
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["redis"] == {
        "ok": True,
        "detail": "not configured: the broker is kept in files (embedded)",
    }
    assert checks["worker"]["ok"] is False
    assert "no Celery worker answered" in checks["worker"]["detail"]
