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
DRIVER_WORDS = {
    "requests_per_day": "Requests a day",
    "api_requests_per_day": "API requests a day",
    "users": "Seats (employee users)",
    "seat_price_monthly": "Seat price a month",
    "input_tokens": "Tokens sent per request",
    "output_tokens": "Tokens produced per request",
    "price_per_million_input_tokens": "Input token price",
    "price_per_million_output_tokens": "Output token price",
    "hours_saved_per_year": "Hours saved a year",
    "user_hourly_cost": "Users' hourly cost",
    "review_share": "Share of outputs reviewed",
    "review_minutes_per_output": "Minutes per review",
    "reviewer_hourly_cost": "Review team's hourly cost",
    "revenue_per_year": "Revenue a year",
    "revenue_confidence": "Confidence in the revenue",
    "integration_person_weeks": "Integration weeks",
    "corpus_tokens": "Corpus size (tokens)",
    "corpus_documents": "Corpus size (documents)",
    "parameters": "Model size (parameters)",
    "training_tokens": "Training tokens",
    "gpu_hourly_price": "GPU price an hour",
    "utilization": "GPU utilisation",
    "expected_annual_benefit": "Annual benefit",
    "support_fte": "Support people",
    "run_team_scale": "Share of the run team",
}
# The tornado chart's geometry (SVG user units; the chart scales to its container).
# Each row: the driver's name above its bar, so the chart reads at a narrow card's width.
CHART_WIDTH, LABEL_WIDTH, ROW_HEIGHT = 300, 0, 36
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
    def tornado(self) -> dict[str, Any] | None:
        """The sensitivity as bars around the P50 annual cost, for a server-rendered SVG."""
        swings = self.result.get("sensitivity") or []
        if not swings:
            return None
        base = self.result["annual"]["p50"]
        reach = max(
            max(abs(s["annual_at_low"] - base), abs(s["annual_at_high"] - base)) for s in swings
        )
        plot = CHART_WIDTH - LABEL_WIDTH - 4
        middle = LABEL_WIDTH + plot / 2

        def x(value: float) -> float:
            return middle + (value - base) / reach * plot / 2 if reach else middle

        rows = []
        for n, swing in enumerate(swings):
            left, right = sorted((x(swing["annual_at_low"]), x(swing["annual_at_high"])))
            rows.append(
                {
                    "label": DRIVER_WORDS.get(swing["driver"], swing["driver"].replace("_", " ")),
                    "driver": swing["driver"],
                    "y": n * ROW_HEIGHT + 16,
                    "text_y": n * ROW_HEIGHT + 12,
                    "x": round(left, 1),
                    "width": round(max(right - left, 1.5), 1),
                    "swing": swing,
                }
            )
        return {
            "rows": rows,
            "width": CHART_WIDTH,
            "height": len(rows) * ROW_HEIGHT + 26,
            "axis_y": len(rows) * ROW_HEIGHT + 22,
            "middle": round(middle, 1),
            "label_width": LABEL_WIDTH,
            "base": base,
        }

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
