"""Background work: the estimate engine in one process, the re-estimation of every case through
Celery with two workers on Redis, and the time from submitting a case to its three estimates.

The workers are started with the project's own command (``bin/worker``), one process each, on
the benchmark's database and Redis database.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import redis
from django.conf import settings
from django.db import connection, transaction

from bench.generate import Generated
from portal.celery import app as celery_app
from portal.models import User
from usecases import services as usecase_services
from usecases.estimates import services as estimate_services
from usecases.estimates.engine import estimate, estimate_with_sensitivity
from usecases.estimates.inputs import EstimateInput
from usecases.estimates.models import EstimateBatch, EstimateRun, RunStatus
from usecases.inputs import AssumptionsChange, IntakeSubmission
from usecases.models import Status, UseCase

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class BackgroundResult:
    engine_runs: int = 0
    engine_seconds: float = 0.0
    engine_per_second: float = 0.0
    # One full estimate with its sensitivity (what a run computes), the slowest of the sample.
    sensitivity_seconds: float = 0.0
    workers: int = 2
    batch_cases: int = 0
    batch_runs: int = 0
    batch_failed: int = 0
    batch_seconds: float = 0.0
    batch_per_second: float = 0.0
    batch_ratio_to_engine: float = 0.0
    submit_samples: int = 0
    submit_to_done_median_s: float = 0.0
    submit_to_done_max_s: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def engine_rate(runs: int = 24) -> tuple[int, float]:
    """Estimates per second of the engine alone, in this process, over stored inputs."""
    version = estimate_services.assumptions_current()
    assumptions = version.assumptions()
    inputs = [
        EstimateInput.model_validate(run.inputs)
        for run in EstimateRun.objects.filter(status=RunStatus.DONE).order_by("?")[:runs]
    ]
    if not inputs:
        return 0, 0.0
    started = time.perf_counter()
    for each in inputs:
        estimate(
            each,
            assumptions,
            samples=estimate_services.SAMPLES,
            seed=estimate_services.SEED,
        )
    return len(inputs), time.perf_counter() - started


def sensitivity_time(runs: int = 12) -> float:
    """Seconds of the slowest full estimate with its sensitivity, over stored inputs (target
    at most 0.5 s on one core)."""
    assumptions = estimate_services.assumptions_current().assumptions()
    slowest = 0.0
    for run in EstimateRun.objects.filter(status=RunStatus.DONE).order_by("?")[:runs]:
        inputs = EstimateInput.model_validate(run.inputs)
        started = time.perf_counter()
        estimate_with_sensitivity(
            inputs, assumptions, samples=estimate_services.SAMPLES, seed=estimate_services.SEED
        )
        slowest = max(slowest, time.perf_counter() - started)
    return slowest


def database_url() -> str:
    db = connection.settings_dict
    credentials = db["USER"] or "postgres"
    if db.get("PASSWORD"):
        credentials += f":{db['PASSWORD']}"
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def workers(count: int, log_dir: Path, *, flush: bool = True) -> Iterator[list[str]]:
    """``count`` Celery workers (``bin/worker``, concurrency 1 each) on the benchmark's database
    and Redis database (emptied first with ``flush``: the benchmark's own); stopped on the way
    out."""
    url = str(settings.REDIS_URL or "")
    if not url:
        raise RuntimeError("the Celery measurements need REDIS_URL")
    if flush:  # left-over tasks of an interrupted run would slow this one down
        redis.Redis.from_url(url).flushdb()
    log_dir.mkdir(parents=True, exist_ok=True)
    processes: list[subprocess.Popen[bytes]] = []
    names = []
    try:
        for _ in range(count):
            name = f"bench-{uuid.uuid4().hex[:6]}"
            env = {
                **os.environ,
                "DATABASE_URL": database_url(),
                "REDIS_URL": url,
                "WORKER_NAME": name,
                "WORKER_CONCURRENCY": "1",
                "WORKER_LOGLEVEL": "WARNING",
                "DJANGO_SETTINGS_MODULE": "portal.settings",
            }
            with (log_dir / f"{name}.log").open("wb") as output:
                processes.append(
                    subprocess.Popen(  # noqa: S603 - the project's own start command
                        [str(ROOT / "bin" / "worker")],
                        cwd=ROOT,
                        env=env,
                        stdout=output,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
            names.append(f"{name}@{os.uname().nodename}")
        deadline = time.monotonic() + 120
        waiting = set(names)
        while waiting and time.monotonic() < deadline:
            for process in processes:
                if process.poll() is not None:
                    raise RuntimeError(f"a worker exited ({process.returncode}); see {log_dir}")
            replies = celery_app.control.ping(destination=sorted(waiting), timeout=1.0)
            for reply in replies or []:
                waiting -= set(reply)
        if waiting:
            raise RuntimeError(f"workers did not answer within 120 s: {sorted(waiting)}")
        yield names
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def reestimate_everything(admin: User, *, timeout: float) -> EstimateBatch:
    """Publish a new assumptions version (the real path: a batch re-estimates every estimated
    case on the ``batch`` queue) and wait until the batch is finished."""
    current = estimate_services.assumptions_current()
    data = dict(current.data)
    data["working_weeks_per_year"] = float(data.get("working_weeks_per_year", 46)) + 0.5
    before = EstimateBatch.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    estimate_services.assumptions_publish(
        by=admin, data=AssumptionsChange.parse(data=data, comment="Benchmark re-estimation")
    )
    batch = EstimateBatch.objects.filter(pk__gt=before).order_by("pk").first()
    if batch is None:
        raise RuntimeError("publishing the assumptions made no re-estimation batch")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batch.refresh_from_db()
        if batch.is_finished:
            return batch
        time.sleep(0.5)
    raise RuntimeError(f"the re-estimation did not finish within {timeout:.0f} s: {batch}")


def submit_to_done(lead: User, *, samples: int, timeout: float = 120) -> list[float]:
    """Submit complete drafts one at a time; seconds until each has its three estimates done."""
    candidates = UseCase.objects.filter(status=Status.DRAFT).order_by("-submitter_id", "pk")
    # The lead's own complete drafts first, then anyone's (some drafts are still incomplete).
    ordered = sorted(candidates[:200], key=lambda draft: draft.submitter_id != lead.pk)
    drafts = [d for d in ordered if not IntakeSubmission.missing(d.snapshot())][:samples]
    durations = []
    for draft in drafts:
        submitter = User.objects.get(pk=draft.submitter_id)
        started = time.perf_counter()
        with transaction.atomic():
            usecase_services.usecase_submit(usecase=draft, by=submitter)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = EstimateRun.objects.filter(
                usecase=draft, is_current=True, status__in=[RunStatus.DONE, RunStatus.FAILED]
            ).count()
            if done >= 3:
                break
            time.sleep(0.02)
        else:
            raise RuntimeError(f"{draft.reference}: estimates not done within {timeout:.0f} s")
        durations.append(time.perf_counter() - started)
    return durations


def measure_background(
    generated: Generated,
    *,
    log_dir: Path,
    worker_count: int = 2,
    submissions: int = 3,
    timeout: float = 3600,
    flush: bool = True,
    log: Callable[[str], None] | None = None,
) -> BackgroundResult:
    say = log or (lambda message: None)
    result = BackgroundResult(workers=worker_count)
    runs, seconds = engine_rate()
    result.engine_runs = runs
    result.engine_seconds = round(seconds, 2)
    result.engine_per_second = round(runs / seconds, 2) if seconds else 0.0
    say(f"  engine in-process: {result.engine_per_second} estimates/s")
    result.sensitivity_seconds = round(sensitivity_time(), 3)
    say(f"  one estimate with its sensitivity: {result.sensitivity_seconds} s (slowest)")
    admin = User.objects.get(username=generated.cast["admin"])
    lead = User.objects.get(username=generated.cast["lead"])
    with workers(worker_count, log_dir, flush=flush):
        say(f"  {worker_count} workers up; re-estimating every case")
        started = time.perf_counter()
        batch = reestimate_everything(admin, timeout=timeout)
        elapsed = time.perf_counter() - started
        result.batch_runs = batch.done + batch.failed
        result.batch_failed = batch.failed
        result.batch_cases = (
            EstimateRun.objects.filter(batch=batch).values("usecase").distinct().count()
        )
        result.batch_seconds = round(elapsed, 1)
        result.batch_per_second = round(result.batch_runs / elapsed, 2) if elapsed else 0.0
        if result.engine_per_second:
            result.batch_ratio_to_engine = round(
                result.batch_per_second / result.engine_per_second, 2
            )
        say(f"  re-estimation: {result.batch_runs} runs in {result.batch_seconds} s")
        durations = submit_to_done(lead, samples=submissions)
    result.submit_samples = len(durations)
    if durations:
        result.submit_to_done_median_s = round(statistics.median(durations), 2)
        result.submit_to_done_max_s = round(max(durations), 2)
    return result
