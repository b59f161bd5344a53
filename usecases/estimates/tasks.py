"""Background work of the estimates: one task per run, the batch planner and the sweeper.

Thin: take ids, call a service. Registered through ``usecases.tasks`` (Celery autodiscovers it).
"""

from __future__ import annotations

import logging

from celery import Task, shared_task

from portal.celery import _transient_errors
from usecases.estimates import services
from usecases.estimates.models import EstimateRun, RunStatus

logger = logging.getLogger(__name__)


@shared_task(bind=True, name="usecases.run_estimate", time_limit=120, soft_time_limit=110)
def run_estimate(self: Task, run_id: int) -> str:
    """Compute one estimate run; safe to run twice (the result is stored once)."""
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    try:
        return services.estimate_run_execute(run_id, redelivered=redelivered)
    except _transient_errors():
        # Give the run back so the retry (with backoff) may start it again.
        EstimateRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
            status=RunStatus.QUEUED
        )
        if self.request.retries >= (self.max_retries or 0):
            services.estimate_runs_fail_stale_retries(
                run_id, "The database or the queue stayed unreachable; retry the estimate."
            )
        raise


@shared_task(name="usecases.plan_estimate_batch", time_limit=1800, soft_time_limit=1790)
def plan_estimate_batch(batch_id: int, entry_id: int | None = None) -> int:
    """Create the runs of a re-estimation batch (on the ``batch`` queue)."""
    return services.estimate_batch_plan(batch_id, entry_id)


@shared_task(name="usecases.sweep_estimates", time_limit=60, soft_time_limit=50)
def sweep_estimates() -> int:
    """Every minute: enqueue runs left waiting, re-queue runs stuck in queued or running."""
    return services.estimates_sweep()
