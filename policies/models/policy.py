"""Policies, their versions (draft → in review → published → superseded), and acknowledgements."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q

from portal.models import Department


class PolicyCategory(models.TextChoices):
    STANCE = "stance", "Overall stance"
    ACCEPTABLE_USE = "acceptable_use", "Acceptable use"
    DATA_PRIVACY = "data_privacy", "Data privacy"
    INTELLECTUAL_PROPERTY = "intellectual_property", "Intellectual property"
    SECURITY = "security", "Security"
    OTHER = "other", "Other"


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"
    SUPERSEDED = "superseded", "Superseded"


class Policy(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=120, unique=True)
    category = models.CharField(max_length=32, choices=PolicyCategory.choices)
    summary = models.CharField(max_length=300, blank=True)
    requires_acknowledgement = models.BooleanField(default=True)
    audience_everyone = models.BooleanField(default=True)
    audience_departments = models.ManyToManyField(Department, blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Kept by the publishing service: the version readers see, and the version from which an
    # acknowledgement counts (the last material change; minor changes keep it).
    current_version = models.ForeignKey(
        "PolicyVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledgement_from_number = models.PositiveIntegerField(null=True, blank=True)
    acknowledgement_due_since = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "policies"
        indexes = [models.Index(fields=["requires_acknowledgement", "published_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.current_version_id is not None


class PolicyVersion(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(
        max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    body_markdown = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    table_of_contents = models.JSONField(default=list, blank=True)
    summary_of_changes = models.CharField(max_length=500, blank=True)
    is_material = models.BooleanField(
        default=True, help_text="A material change asks everyone to acknowledge again."
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["policy", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="policy_version_number"),
            models.UniqueConstraint(
                fields=["policy"],
                condition=Q(status="published"),
                name="one_published_version_per_policy",
            ),
            models.UniqueConstraint(
                fields=["policy"],
                condition=Q(status__in=["draft", "in_review"]),
                name="one_open_version_per_policy",
            ),
            models.CheckConstraint(
                condition=Q(approver__isnull=True) | ~Q(approver=F("author")),
                name="version_approver_is_not_author",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "in_review"])
                | (Q(approver__isnull=False) & Q(published_at__isnull=False)),
                name="published_version_has_approver",
            ),
        ]
        indexes = [models.Index(fields=["status", "policy"])]

    def __str__(self) -> str:
        return f"{self.policy.title} v{self.number}"

    @property
    def is_editable(self) -> bool:
        return self.status == VersionStatus.DRAFT

    @property
    def is_published(self) -> bool:
        return self.status == VersionStatus.PUBLISHED


class Acknowledgement(models.Model):
    """One person has read and accepted one version. Acknowledging twice changes nothing."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    version = models.ForeignKey(
        PolicyVersion, on_delete=models.PROTECT, related_name="acknowledgements"
    )
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="acknowledgements")
    version_number = models.PositiveIntegerField()
    acknowledged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "version"], name="one_ack_per_user_and_version")
        ]
        indexes = [
            models.Index(fields=["policy", "version_number", "user"]),
            models.Index(fields=["user", "policy", "version_number"]),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} acknowledged {self.version_id}"


class AcknowledgementTally(models.Model):
    """How many active people of one department have an acknowledgement of one policy that
    counts (a version at or after ``acknowledgement_from_number``): the compliance figures
    without reading a million acknowledgements on every view.

    Kept by the services: acknowledging adds one, publishing a material version recounts the
    policy. People who move department or leave change it without a service, so a periodic task
    (``policies.rebuild_acknowledgement_tally``) recounts everything; until it runs, the
    readers clamp a department's count to its head count.
    """

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="+")
    # The department's id, 0 for people without one (a plain integer, so that the pair can be
    # the target of INSERT … ON CONFLICT on PostgreSQL and SQLite alike).
    department_key = models.PositiveBigIntegerField()
    acknowledged = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "department_key"], name="one_tally_per_policy_and_department"
            )
        ]

    def __str__(self) -> str:
        return f"{self.acknowledged} of department {self.department_key} for {self.policy_id}"


class AcknowledgementReminder(models.Model):
    """A reminder sent: at most one per person, policy and reminder interval (``period``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="reminders")
    period = models.CharField(max_length=16)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "policy", "period"], name="one_reminder_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"reminder to {self.user_id} for {self.policy_id} ({self.period})"


class SearchDocument(models.Model):
    """What the search box finds: a published policy, a register entry or a use case (found only
    by those who may see it, ``policies.search``), kept in step by the services that change
    them. On PostgreSQL ``vector`` holds the weighted full-text document (title A, text B) behind
    a GIN index; on SQLite the search falls back to plain matching."""

    class Kind(models.TextChoices):
        POLICY = "policy", "Policy"
        TOOL = "tool", "AI tool or model"
        USECASE = "usecase", "Use case"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    key = models.SlugField(max_length=120)
    title = models.CharField(max_length=200)
    text = models.TextField(blank=True)
    url = models.CharField(max_length=300)
    vector = SearchVectorField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="one_document_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.title}"
