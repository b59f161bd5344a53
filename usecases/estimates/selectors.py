"""Reads of the estimates: the three archetypes of a case side by side, at a fixed number of
queries whatever the history of re-estimates."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone

from usecases.estimates.models import EstimateRun, RunStatus
from usecases.models import Archetype, UseCase

LINE_ITEM_WORDS = {
    "api_usage": "API usage",
    "training_compute": "Training compute",
}
# How far along the bar is for each status (Bootstrap's w-25 ... w-100; no inline styles).
PROGRESS = {
    RunStatus.WAITING: 25,
    RunStatus.QUEUED: 50,
    RunStatus.RUNNING: 75,
    RunStatus.DONE: 100,
    RunStatus.FAILED: 100,
}
WAITING_FOR_WORKER_AFTER = 30  # seconds queued before the page says so and offers a retry


@dataclass
class ArchetypePanel:
    archetype: str
    label: str
    run: EstimateRun | None
    shown: EstimateRun | None  # the run whose results are shown (may be stale)
    recommended: bool
    chosen: bool
    waiting_for_worker: bool = False
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def progress(self) -> int:
        return PROGRESS[RunStatus(self.run.status)] if self.run else 0

    @property
    def is_active(self) -> bool:
        return self.run is not None and self.run.is_active

    @property
    def is_stale(self) -> bool:
        return self.shown is not None and self.shown is not self.run

    @property
    def breakdown(self) -> list[dict[str, Any]]:
        return [
            {**line, "label": LINE_ITEM_WORDS.get(line["item"], line["item"].replace("_", " "))}
            for line in self.result.get("breakdown", [])
        ]


def estimate_panels(usecase: UseCase) -> list[ArchetypePanel]:
    """Per archetype: the current run, and the results to show (the latest done, maybe stale)."""
    # One query, on PostgreSQL and SQLite alike: the current runs and the latest finished ones
    # (the current runs are the newest requests, so they are among the latest created).
    runs = list(
        EstimateRun.objects.filter(usecase=usecase)
        .filter(Q(is_current=True) | Q(status=RunStatus.DONE))
        .order_by("-created_at", "-id")[:30]
    )
    runs.sort(key=lambda r: r.finished_at or r.created_at, reverse=True)
    now = timezone.now()
    panels = []
    for archetype in Archetype:
        mine = [r for r in runs if r.archetype == archetype.value]
        current = next((r for r in mine if r.is_current), None)
        shown = current if current and current.status == RunStatus.DONE else None
        if shown is None:
            shown = next((r for r in mine if r.status == RunStatus.DONE), None)
        since = None
        if current is not None and current.is_active:
            since = current.queued_at or current.created_at
            if current.status == RunStatus.RUNNING:
                since = current.started_at
        panels.append(
            ArchetypePanel(
                archetype=archetype.value,
                label=archetype.value.title(),
                run=current,
                shown=shown,
                recommended=usecase.recommended_archetype == archetype.value,
                chosen=usecase.chosen_archetype == archetype.value,
                waiting_for_worker=since is not None
                and (now - since).total_seconds() > WAITING_FOR_WORKER_AFTER,
                result=(shown.result or {}) if shown else {},
            )
        )
    return panels
