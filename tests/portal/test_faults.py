"""Faults: Redis stopped while cases are submitted, a worker killed in the middle of an estimate,
PostgreSQL restarted under the web process, and what /healthz says in each of these states.

Each test breaks services of its own (a redis-server, a PostgreSQL cluster on free ports, started
here) and talks to the production start commands: ``bin/web`` (gunicorn) and ``bin/worker``.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from portal.api.throttling import PortalUserRateThrottle
from portal.models import User
from tests.factories import PASSWORD, personal_token
from tests.faults import (
    OwnPostgres,
    OwnRedis,
    PortalClient,
    WebProcess,
    hidden_fields,
    manage,
    postgres_bin_dir,
    redis_server_executable,
    send_through,
    start_worker_on,
    wait_for,
    workers_answering,
)
from tests.services import (
    broker_unreachable,
    database_url_of_test_db,
    emails_sent_by_worker,
    missing_service,
    stop_worker,
)
from tests.usecases.conftest import make_draft
from tests.usecases.estimates_portal.helpers import SHAPER_ANSWERS, priced_tool
from usecases import services as usecase_services
from usecases.estimates import services as estimate_services
from usecases.estimates.archetype import ArchetypeAnswers
from usecases.estimates.models import EstimateRun, RunStatus
from usecases.estimates.tasks import sweep_estimates
from usecases.inputs import ArchetypeAnswering
from usecases.models import Status, UseCase

pytestmark = pytest.mark.worker

Worker = tuple[subprocess.Popen[bytes], str, Path]


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    server = OwnRedis(redis_server_executable(), tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    cluster = OwnPostgres(postgres_bin_dir())
    cluster.init()
    cluster.start()
    yield cluster
    cluster.remove()


@pytest.fixture
def web_processes(tmp_path: Path) -> Iterator[Callable[..., WebProcess]]:
    """Start ``bin/web`` with extra environment; each one started is stopped at the end."""
    started: list[WebProcess] = []

    def start(**env: str) -> WebProcess:
        web = WebProcess(tmp_path, **env)
        started.append(web)
        web.start()
        return web

    yield start
    for web in started:
        web.stop()


@pytest.fixture
def fault_workers(tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    """Start ``bin/worker`` on a given broker; each one still running is stopped at the end."""
    started: list[subprocess.Popen[bytes]] = []

    def start(broker_url: str, **env: str) -> Worker:
        worker = start_worker_on(broker_url, tmp_path, **env)
        started.append(worker[0])
        return worker

    yield start
    for process in started:
        stop_worker(process)


@pytest.fixture
def on_postgresql() -> None:
    if connection.vendor != "postgresql":
        missing_service("the fault tests need PostgreSQL (DATABASE_URL=postgres://...)")


def draft_ready_to_submit(lead: User, title: str) -> UseCase:
    case = make_draft(lead, [priced_tool()], title=title)
    estimate_services.usecase_archetype_answer(
        usecase=case,
        by=lead,
        data=ArchetypeAnswering.parse(answers=ArchetypeAnswers(**SHAPER_ANSWERS)),
    )
    return UseCase.objects.get(pk=case.pk)


def health(client: PortalClient) -> tuple[int, dict[str, Any]]:
    reply = client.get("/healthz", accept="application/json")
    return reply.status, reply.json()


def runs_of(*cases: UseCase) -> list[EstimateRun]:
    return list(EstimateRun.objects.filter(usecase__in=cases).order_by("usecase_id", "archetype"))


def assert_each_estimate_done_once(cases: list[UseCase], attempts: int) -> None:
    runs = runs_of(*cases)
    pairs = [(run.usecase_id, run.archetype) for run in runs]
    expected = sorted((case.pk, a) for case in cases for a in ("maker", "shaper", "taker"))
    assert sorted(pairs) == expected  # one run per case and archetype: nothing requested twice
    for run in runs:
        assert run.status == RunStatus.DONE, (run.pk, run.status, run.error)
        assert run.attempts == attempts, (run.pk, run.archetype, run.attempts)
        assert run.result is not None and run.finished_at is not None


# --- Redis stopped while cases are submitted ------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_submissions_during_a_redis_outage_are_saved_and_estimated_once_it_is_back(
    on_postgresql: None,
    lead: User,
    reviewer: User,
    own_redis: OwnRedis,
    web_processes: Callable[..., WebProcess],
    fault_workers: Callable[..., Worker],
    tmp_path: Path,
) -> None:
    on_page = draft_ready_to_submit(lead, "Submitted on the page while Redis is down")
    by_api = draft_ready_to_submit(lead, "Submitted through the API while Redis is down")
    afterwards = draft_ready_to_submit(lead, "Submitted once Redis is back")
    token = personal_token(lead)
    broker = own_redis.url(0)
    mail = tmp_path / "mail"
    web = web_processes(DATABASE_URL=database_url_of_test_db(), REDIS_URL=broker)
    client = PortalClient(web.base_url)
    client.sign_in(lead.username, PASSWORD)

    status, body = health(client)  # Redis answers, but nothing consumes the queue yet
    assert status == 503, body
    assert body["checks"]["database"]["ok"] and body["checks"]["redis"]["ok"]
    assert body["checks"]["worker"] == {
        "ok": False,
        "detail": "no Celery worker answered within 1 second",
    }
    fault_workers(broker, EMAIL_FILE_PATH=str(mail))
    status, body = health(client)
    assert (status, body["status"]) == (200, "ok"), body

    own_redis.stop()
    status, body = health(client)
    assert status == 503 and body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"] == {"ok": False, "detail": "unreachable: ConnectionError"}
    assert body["checks"]["worker"] == {
        "ok": False,
        "detail": "unknown: the broker (Redis) is unreachable",
    }

    # On the page: the intake's last step, then its submit form.
    review = client.get(f"/usecases/{on_page.reference}/edit/review/")
    assert review.status == 200, review.body[-2000:]
    action = f"/usecases/{on_page.reference}/transition/"
    submitted = client.post_form(action, {**hidden_fields(review.body, action), "comment": ""})
    assert submitted.status == 302, submitted.body[-3000:]
    assert submitted.headers.get("Location", "").endswith(f"/usecases/{on_page.reference}/")
    assert client.get(f"/usecases/{on_page.reference}/").status == 200
    # Through the API.
    reply = client.post_json(f"/api/v1/usecases/{by_api.reference}/submit/", {}, token)
    assert reply.status == 200, reply.body[-3000:]
    assert reply.json()["status"] == Status.SUBMITTED

    outage_cases = [on_page, by_api]
    for case in outage_cases:
        assert UseCase.objects.get(pk=case.pk).status == Status.SUBMITTED
    waiting = runs_of(*outage_cases)
    assert len(waiting) == 6
    assert {run.status for run in waiting} == {RunStatus.WAITING}  # recorded, not lost

    own_redis.start()  # the same port, empty: what was never enqueued is not there either
    assert wait_for(lambda: health(client)[0] == 200, 60), health(client)  # the worker is back
    assert {run.status for run in runs_of(*outage_cases)} == {RunStatus.WAITING}
    # The sweeper (beat sends it every minute) hands the waiting runs to the workers; two ticks
    # in a row must not compute anything twice.
    beat = django_settings.CELERY_BEAT_SCHEDULE.values()
    assert sweep_estimates.name in {entry["task"] for entry in beat}
    send_through(broker, sweep_estimates.name)
    send_through(broker, sweep_estimates.name)
    assert wait_for(
        lambda: {run.status for run in runs_of(*outage_cases)} == {RunStatus.DONE}, 60
    ), [(run.archetype, run.status) for run in runs_of(*outage_cases)]
    assert_each_estimate_done_once(outage_cases, attempts=1)
    for case in outage_cases:
        assert UseCase.objects.get(pk=case.pk).estimate_annual_p50 is not None

    # The same web process enqueues directly again, no restart needed.
    reply = client.post_json(f"/api/v1/usecases/{afterwards.reference}/submit/", {}, token)
    assert reply.status == 200, reply.body[-3000:]
    assert wait_for(lambda: {run.status for run in runs_of(afterwards)} == {RunStatus.DONE}, 60), [
        (run.archetype, run.status) for run in runs_of(afterwards)
    ]
    assert_each_estimate_done_once([*outage_cases, afterwards], attempts=1)
    # Its email to the CIO office goes out too. (Those of the submissions during the outage
    # could not be enqueued: the web process logged them, nothing sends them later.)
    reference = str(afterwards.reference)
    assert wait_for(lambda: any(reference in email for email in emails_sent_by_worker(mail)), 30), (
        emails_sent_by_worker(mail)
    )


# --- A worker killed in the middle of an estimate -------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_estimate_its_estimates_run_again_on_another_worker_once(
    on_postgresql: None,
    lead: User,
    own_redis: OwnRedis,
    fault_workers: Callable[..., Worker],
) -> None:
    case = draft_ready_to_submit(lead, "Estimated while its worker is killed")
    with broker_unreachable():  # the runs are recorded as waiting; the sweeper enqueues them
        usecase_services.usecase_submit(usecase=case, by=lead)
    assert {run.status for run in runs_of(case)} == {RunStatus.WAITING}
    broker = own_redis.url(0)
    # A short task time limit makes the broker's visibility timeout (limit + 60 s) short: that
    # is how long Redis keeps an unacknowledged message away from other workers.
    limits = {"CELERY_TASK_TIME_LIMIT": "1"}

    # A real estimate in the middle: another transaction holds the case's row, so the task,
    # once it has marked its run running and computed the result, waits to store it.
    holder = psycopg2.connect(database_url_of_test_db())
    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT id FROM usecases_usecase WHERE id = %s FOR UPDATE", [case.pk])
        first, first_name, _ = fault_workers(broker, WORKER_CONCURRENCY="3", **limits)
        send_through(broker, sweep_estimates.name)

        def all_three_wait_in_the_middle() -> bool:
            # Not on ``holder``: a transaction sees one snapshot of pg_stat_activity.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
                (blocked,) = cursor.fetchone() or (0,)
            statuses = {run.status for run in runs_of(case)}
            return blocked == 3 and statuses == {RunStatus.RUNNING}

        assert wait_for(all_three_wait_in_the_middle, 60), [
            (run.archetype, run.status) for run in runs_of(case)
        ]
        _, second_name, second_log = fault_workers(broker, **limits)
        assert workers_answering(broker) == sorted([first_name, second_name])

        os.killpg(first.pid, signal.SIGKILL)  # the worker and its pool: nothing acknowledges
        first.wait(timeout=10)
    finally:
        holder.rollback()
        holder.close()

    assert workers_answering(broker) == [second_name]
    assert wait_for(
        lambda: {run.status for run in runs_of(case)} == {RunStatus.DONE}, 180, interval=1
    ), [(run.archetype, run.status, run.attempts) for run in runs_of(case)]
    assert_each_estimate_done_once([case], attempts=2)  # started twice, stored once
    ran_again = [
        line for line in second_log.read_text().splitlines() if "usecases.run_estimate[" in line
    ]
    assert sum(line.endswith("'done'") for line in ran_again) == 3, ran_again
    case.refresh_from_db()
    assert case.estimate_annual_p50 is not None


@pytest.mark.django_db
def test_a_redelivered_estimate_takes_over_the_run_its_dead_worker_left_running(
    lead: User,
) -> None:
    case = draft_ready_to_submit(lead, "Redelivered")
    usecase_services.usecase_submit(usecase=case, by=lead)  # never committed: nothing enqueued
    run = EstimateRun.objects.get(usecase=case, archetype="taker")
    assert estimate_services.estimate_run_start(run.pk) is not None  # the worker that dies
    assert estimate_services.estimate_run_execute(run.pk) == "skipped"  # a duplicate waits
    assert estimate_services.estimate_run_execute(run.pk, redelivered=True) == "done"
    run.refresh_from_db()
    assert (run.status, run.attempts) == (RunStatus.DONE, 2)
    assert estimate_services.estimate_run_execute(run.pk, redelivered=True) == "skipped"


# --- PostgreSQL restarted under the web process ---------------------------------------------


def test_the_web_process_answers_503_while_postgresql_is_down_and_recovers_by_itself(
    own_postgres: OwnPostgres,
    own_redis: OwnRedis,
    web_processes: Callable[..., WebProcess],
    fault_workers: Callable[..., Worker],
) -> None:
    database = own_postgres.create_database("portal_outage")
    manage(  # migrate as a deployment does, and one person to sign in (one start of Django)
        "shell",
        "-c",
        "from django.core.management import call_command; "
        "from portal.models import Department, User; "
        "call_command('migrate', interactive=False, verbosity=0); "
        "department = Department.objects.create(name='Finance', slug='finance'); "
        f"User.objects.create_user(username='pat', password='{PASSWORD}', "
        "department=department)",
        database_url=database,
    )
    broker = own_redis.url(0)
    fault_workers(broker, DATABASE_URL=database)
    web = web_processes(DATABASE_URL=database, REDIS_URL=broker)
    client = PortalClient(web.base_url)
    client.sign_in("pat", PASSWORD)

    def pages_and_api_answer() -> None:
        with ThreadPoolExecutor(max_workers=8) as pool:  # more requests than gunicorn threads
            statuses = list(pool.map(lambda _: client.get("/").status, range(8)))
        assert statuses == [200] * 8
        me = client.get("/api/v1/me/", accept="application/json")
        assert me.status == 200 and me.json()["username"] == "pat"
        status, body = health(client)
        assert (status, body["checks"]["database"]) == (200, {"ok": True, "detail": "postgresql"})

    pages_and_api_answer()
    processes = web.process_ids()
    sign_out = hidden_fields(client.get("/").body, "/accounts/logout/")

    # A quick restart: every connection the web process keeps (CONN_MAX_AGE) is now dead.
    own_postgres.restart()
    pages_and_api_answer()

    own_postgres.stop()
    page = client.get("/")
    assert page.status == 503, page.body[-2000:]
    assert page.headers["Content-Type"].startswith("text/html")
    assert page.headers["Retry-After"] == "30"
    assert "The portal is briefly unavailable" in page.body and "</html>" in page.body
    api = client.get("/api/v1/me/", accept="application/json")
    assert api.status == 503, api.body[-2000:]
    assert api.headers["Content-Type"] == "application/json"
    assert "database cannot be reached" in api.json()["detail"]
    form = client.post_form("/accounts/logout/", sign_out)  # a write: the session is deleted
    assert form.status == 503 and "briefly unavailable" in form.body, form.body[-2000:]
    status, body = health(client)
    assert status == 503 and body["status"] == "unavailable"
    assert body["checks"]["database"] == {"ok": False, "detail": "unreachable: OperationalError"}
    assert body["checks"]["redis"]["ok"] and body["checks"]["worker"]["ok"]  # only the database

    own_postgres.start()
    pages_and_api_answer()  # still signed in: the failed sign-out changed nothing
    assert web.process_ids() == processes  # the same master and workers: nothing restarted
    assert not re.search(r'HTTP/1\.1" 500 ', web.log_tail(1_000_000)), web.log_tail()


# --- The API's rate limit when Redis is down ------------------------------------------------


class TwoAMinute(PortalUserRateThrottle):
    rate = "2/minute"


@pytest.mark.django_db
def test_the_api_rate_limit_counts_in_redis_and_lets_requests_through_while_it_is_down(
    employee: User,
    redis_url: str,
    settings: Any,
) -> None:
    request = Request(APIRequestFactory().get("/api/v1/me/"))
    request.user = employee
    cache.delete(str(TwoAMinute().get_cache_key(request, APIView())))
    allowed = [TwoAMinute().allow_request(request, APIView()) for _ in range(3)]
    assert allowed == [True, True, False]  # it still limits
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        }
    }
    assert TwoAMinute().allow_request(request, APIView()) is True  # not a 500 for everyone
