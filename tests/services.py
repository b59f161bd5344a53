"""Fixtures for the real services: Redis and a Celery worker started with the project's command.

Outside CI a missing service skips the tests that need it; with ``CI=true`` it fails them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings
from django.db import connection

from portal.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI") == "true"


def missing_service(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing service is a failure)")
    pytest.skip(reason)


def database_url_of_test_db() -> str:
    db = connection.settings_dict
    credentials = db["USER"] or "postgres"
    if db.get("PASSWORD"):
        credentials += f":{db['PASSWORD']}"
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = settings.REDIS_URL
    if not url or os.environ.get("PORTAL_TEST_NO_REDIS"):
        missing_service("Redis is not configured for the tests (REDIS_URL)")
    assert url is not None
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=3)
        client.ping()
    except redis.RedisError as exc:
        missing_service(f"Redis does not answer at {url}: {exc}")
    shut_down_stray_workers()
    client.flushdb()  # the tests' own database number: start from an empty queue
    return url


def shut_down_stray_workers() -> None:
    """Stop any worker still listening on the tests' Redis database.

    The test database number belongs to the tests, so a worker that answers here is left over
    from an earlier session that was killed before its teardown; it would take this session's
    tasks (and send their emails into its own folder)."""
    strays = celery_app.control.ping(timeout=1.0)
    if not strays:
        return
    names = [name for reply in strays for name in reply]
    celery_app.control.shutdown(destination=names)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and celery_app.control.ping(destination=names, timeout=1.0):
        time.sleep(0.5)


def start_worker(
    tmp_dir: Path,
    *,
    broker_url: str | None = None,
    answers: Callable[[str], bool] | None = None,
    prefix: str = "test",
    **extra_env: str,
) -> tuple[subprocess.Popen[bytes], str, Path]:
    """Start ``bin/worker`` (the command production uses) against the test database, on the
    suite's broker or ``broker_url``; ``answers(hostname)`` says whether it answers a ping there
    (the suite's own broker by default)."""
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    log = tmp_dir / f"{name}.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url_of_test_db(),
        "REDIS_URL": broker_url or str(settings.REDIS_URL),
        "WORKER_NAME": name,
        "WORKER_CONCURRENCY": "2",
        **extra_env,
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(ROOT / "bin" / "worker")],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    hostname = f"{name}@{os.uname().nodename}"
    if answers is None:

        def answers(host: str) -> bool:
            return bool(celery_app.control.ping(destination=[host], timeout=1.0))

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"the Celery worker exited ({process.returncode}):\n{log.read_text()[-3000:]}"
            )
        if answers(hostname):
            return process, hostname, log
        time.sleep(0.5)
    stop_worker(process)
    pytest.fail(f"the Celery worker did not answer within 90 s:\n{log.read_text()[-3000:]}")


def stop_worker(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def worker_mail_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the session's worker writes the emails it sends (one file per connection)."""
    return tmp_path_factory.mktemp("worker-mail")


def emails_sent_by_worker(mail_dir: Path) -> list[str]:
    """The messages in the worker's mail folder, each as its raw text."""
    messages: list[str] = []
    for path in sorted(mail_dir.glob("*.log")):
        chunks = path.read_text().split("-" * 79)
        messages.extend(chunk.strip() for chunk in chunks if chunk.strip())
    return messages


@pytest.fixture(scope="session")
def celery_worker(
    redis_url: str,
    django_db_setup: Any,
    django_db_blocker: Any,
    tmp_path_factory: pytest.TempPathFactory,
    worker_mail_dir: Path,
) -> Iterator[str]:
    """A real Celery worker process for the whole session; yields its hostname."""
    if connection.vendor != "postgresql":
        missing_service("the worker tests need PostgreSQL (DATABASE_URL=postgres://...)")
    with django_db_blocker.unblock():
        process, hostname, _log = start_worker(
            tmp_path_factory.mktemp("worker"), EMAIL_FILE_PATH=str(worker_mail_dir)
        )
    yield hostname
    stop_worker(process)


@contextmanager
def broker_unreachable() -> Iterator[None]:
    """Point the real Celery client at a broker address where nothing listens (port 1), so every
    enqueue fails as it does when Redis is down; restore the real broker afterwards."""
    app: Any = celery_app  # the client's connection pools are private attributes
    real_url = app.conf.broker_url

    def reset_connections() -> None:
        # Forget the client's pools without closing them: kombu keeps one pool per broker URL
        # for the whole process, and the real broker's pool must stay usable afterwards.
        app._pool = None
        app.amqp._producer_pool = None

    reset_connections()
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        yield
    finally:
        reset_connections()
        app.conf.broker_url = real_url
