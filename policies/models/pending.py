"""A change waiting for a second person: a published policy's settings, or a register entry's
approval, data classification, prices or IP-transparency answers (four eyes).

One person proposes (``changes``: field → new value, JSON-ready; ``before``: field → value when
proposed); an approver who is not the proposer approves it (it takes effect then) or rejects it
with a reason; the proposer may withdraw it. At most one change waits per policy and per entry.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

__all__ = ["ChangeStatus", "PendingChange"]


class ChangeStatus(models.TextChoices):
    PENDING = "pending", "Waiting for approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


class PendingChange(models.Model):
    policy = models.ForeignKey(
        "policies.Policy",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="pending_changes",
    )
    entry = models.ForeignKey(
        "policies.RegisterEntry",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="pending_changes",
    )
    changes = models.JSONField()
    before = models.JSONField()
    status = models.CharField(
        max_length=16, choices=ChangeStatus.choices, default=ChangeStatus.PENDING
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    # Who approved or rejected it (never the proposer); empty while pending or when withdrawn.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(policy__isnull=False) & Q(entry__isnull=True))
                | (Q(policy__isnull=True) & Q(entry__isnull=False)),
                name="pending_change_one_target",
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("proposed_by")),
                name="pending_change_four_eyes",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ChangeStatus.values), name="pending_change_status_known"
            ),
            models.UniqueConstraint(
                fields=["policy"],
                condition=Q(status="pending", policy__isnull=False),
                name="pending_change_one_per_policy",
            ),
            models.UniqueConstraint(
                fields=["entry"],
                condition=Q(status="pending", entry__isnull=False),
                name="pending_change_one_per_entry",
            ),
        ]
        indexes = [models.Index(fields=["status", "proposed_at"], name="pending_change_waiting")]

    def __str__(self) -> str:
        target = self.policy if self.policy_id else self.entry
        return f"change to {target}"

    @property
    def target(self) -> models.Model:
        target = self.policy if self.policy_id is not None else self.entry
        assert target is not None
        return target

    @property
    def is_pending(self) -> bool:
        return self.status == ChangeStatus.PENDING
