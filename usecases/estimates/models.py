"""Stored estimates: assumption versions, estimate runs (one per case, archetype and inputs) and
re-estimation batches. Imported by ``usecases.models`` so Django sees them in the app."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from usecases.estimates.assumptions import Assumptions

# usecases.models imports this module at its end, when Archetype is already defined.
from usecases.models import Archetype


class AssumptionsVersion(models.Model):
    """One saved version of the estimate assumptions; the highest number is in force."""

    number = models.PositiveIntegerField(unique=True)
    data = models.JSONField(help_text="Assumptions.model_dump(mode='json').")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assumptions_versions",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    comment = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"assumptions v{self.number}"

    def assumptions(self) -> Assumptions:
        return Assumptions.from_stored(self.data)


class RunStatus(models.TextChoices):
    WAITING = "waiting", "Waiting for the queue"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


ACTIVE_STATUSES = (RunStatus.WAITING, RunStatus.QUEUED, RunStatus.RUNNING)


class EstimateBatch(models.Model):
    """A re-estimation of many cases after prices or assumptions changed; progress is tracked."""

    reason = models.CharField(max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="estimate_batches",
    )
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    planned = models.BooleanField(default=False, help_text="Every run of the batch is created.")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "estimate batches"

    def __str__(self) -> str:
        return f"batch {self.pk}: {self.done + self.failed}/{self.total}"

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.planned else 0
        return round(100 * (self.done + self.failed) / self.total)

    @property
    def is_finished(self) -> bool:
        return self.planned and self.done + self.failed >= self.total


class EstimateRun(models.Model):
    """One computation of one archetype of one case, for one set of inputs and assumptions.

    ``is_current`` marks the latest run asked for (one per case and archetype); results of an
    older run stay readable, ``is_stale``, until the current one is done.
    """

    usecase = models.ForeignKey(
        "usecases.UseCase", on_delete=models.CASCADE, related_name="estimate_runs"
    )
    archetype = models.CharField(max_length=8, choices=Archetype.choices)
    status = models.CharField(max_length=8, choices=RunStatus.choices, default=RunStatus.WAITING)
    inputs = models.JSONField()
    assumptions_version = models.ForeignKey(
        AssumptionsVersion, on_delete=models.PROTECT, related_name="runs"
    )
    inputs_hash = models.CharField(max_length=64)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    is_current = models.BooleanField(default=True)
    is_stale = models.BooleanField(default=False)
    batch = models.ForeignKey(
        EstimateBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="runs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["usecase", "archetype", "inputs_hash"], name="estimate_run_inputs_once"
            ),
            models.UniqueConstraint(
                fields=["usecase", "archetype"],
                condition=Q(is_current=True),
                name="estimate_run_one_current",
            ),
            models.CheckConstraint(
                condition=Q(status__in=RunStatus.values), name="estimate_run_status_known"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "queued_at"], name="estimate_run_status"),
            models.Index(fields=["usecase", "archetype", "-created_at"], name="estimate_run_case"),
        ]

    def __str__(self) -> str:
        return f"{self.archetype} estimate of {self.usecase_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class EstimateDrivers(models.Model):
    """A reviewer's drivers for one archetype of one case, replacing the intake's defaults."""

    usecase = models.ForeignKey(
        "usecases.UseCase", on_delete=models.CASCADE, related_name="estimate_drivers"
    )
    archetype = models.CharField(max_length=8, choices=Archetype.choices)
    drivers = models.JSONField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["usecase", "archetype"], name="estimate_drivers_once")
        ]
        verbose_name_plural = "estimate drivers"

    def __str__(self) -> str:
        return f"{self.archetype} drivers of {self.usecase_id}"
