"""Accounts, departments and the append-only audit log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper


class Department(models.Model):
    """A unit of the company; people belong to one, use cases to one, policies may target some."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in. Roles are Django groups (see :mod:`portal.roles`)."""

    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    # From the company's directory (SCIM, CSV import); blank for people created here.
    external_id = models.CharField(
        max_length=255, blank=True, help_text="The directory's identifier of this person."
    )
    employee_number = models.CharField(max_length=64, blank=True)
    directory_name = models.CharField(
        max_length=255, blank=True, help_text="The display name the directory gives."
    )
    manager = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )
    provisioned_at = models.DateTimeField(
        null=True, blank=True, help_text="When the directory first sent this person."
    )
    # A SCIM DELETE: the account stays (with every past record) but is gone from the directory.
    deprovisioned_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True, null=True)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        indexes = [
            models.Index(fields=["department", "is_active"]),
            # Head counts per department (compliance figures): an index-only scan of the active.
            models.Index(
                fields=["department"], condition=Q(is_active=True), name="user_active_department"
            ),
            # SCIM and the import find people by userName and email without case (``iexact``
            # is UPPER(...) = UPPER(...)): without these, each look-up reads every row.
            models.Index(Upper("username"), name="user_username_upper"),
            models.Index(Upper("email"), name="user_email_upper"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""), name="user_external_id"
            ),
            models.UniqueConstraint(
                fields=["employee_number"],
                condition=~Q(employee_number=""),
                name="user_employee_number",
            ),
        ]

    @property
    def display_name(self) -> str:
        return self.directory_name or self.get_full_name() or self.username


class DirectoryGroup(models.Model):
    """A group of the company's directory, pushed by SCIM; an administrator maps it to a portal
    role or to a department, and its members hold that role or belong to that department."""

    display_name = models.CharField(max_length=255, unique=True)
    external_id = models.CharField(max_length=255, blank=True)
    role = models.CharField(
        max_length=40, blank=True, help_text="The portal role its members hold (a role's key)."
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="directory_groups",
        help_text="The department its members belong to.",
    )
    members = models.ManyToManyField(User, blank=True, related_name="directory_groups")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name


class BearerToken(models.Model):
    """A secret a program presents as ``Authorization: Bearer``: shown once, stored as its
    SHA-256 (a 256-bit random secret needs no slow hash), revocable.

    ``kind`` says what it opens: a SCIM token opens ``/scim/v2/`` and nothing else; a personal
    token opens the REST API as its owner and nothing else. Neither signs anyone in.
    """

    class Kind(models.TextChoices):
        SCIM = "scim", "SCIM provisioning"
        PERSONAL = "personal", "Personal API token"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12, help_text="The first characters, to recognise it.")
    owner = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="bearer_tokens"
    )
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="scim", owner__isnull=True)
                | Q(kind="personal", owner__isnull=False),
                name="bearer_token_owner_by_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name} ({self.prefix}…)"


class PersonImport(models.Model):
    """One CSV upload of people (for a company without SCIM): mapped, previewed, then applied
    by a Celery task in chunks, whose progress the page shows."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "uploaded"
        APPLYING = "applying", "applying"
        DONE = "done", "done"
        FAILED = "failed", "failed"

    class PreviewStatus(models.TextChoices):
        NONE = "", "not previewed"
        RUNNING = "running", "running"
        DONE = "done", "done"
        FAILED = "failed", "failed"

    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    file_name = models.CharField(max_length=255)
    content = models.TextField(help_text="The uploaded CSV, as text.")
    columns = models.JSONField(default=list)
    mapping = models.JSONField(default=dict, help_text="Portal field → CSV column.")
    create_departments = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    deactivated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, help_text="The first bad rows: line and reason.")
    failure = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The dry-run preview, computed by the ``portal.preview_person_import`` task.
    preview_status = models.CharField(
        max_length=10, choices=PreviewStatus.choices, default=PreviewStatus.NONE, blank=True
    )
    preview_run = models.PositiveIntegerField(
        default=0, help_text="Bumped by each Preview: a superseded task stops writing."
    )
    preview_attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Starts of this run's task (a worker lost mid-task starts it again)."
    )
    preview_rows = models.PositiveIntegerField(default=0, help_text="Rows read so far.")
    preview_total = models.PositiveIntegerField(default=0)
    preview = models.JSONField(
        default=dict,
        help_text="The finished preview: counts, the first bad rows, the first changes, and the "
        "mapping and create-departments choice it was computed for.",
    )
    preview_failure = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"import {self.pk} of {self.file_name}"

    @property
    def percent(self) -> int:
        return round(100 * self.processed_rows / self.total_rows) if self.total_rows else 0

    @property
    def preview_percent(self) -> int:
        if not self.preview_total:
            return 0
        return min(100, round(100 * self.preview_rows / self.preview_total))

    @property
    def current_choice(self) -> dict[str, Any]:
        """What the import would be applied with now: the preview must have been of this."""
        return {"mapping": self.mapping, "create_departments": self.create_departments}

    @property
    def preview_is_current(self) -> bool:
        return (
            self.preview_status == self.PreviewStatus.DONE
            and self.preview.get("choice") == self.current_choice
        )


class SingleSignOnIdentity(models.Model):
    """A person's account at the identity provider: its issuer and subject (the ``sub`` claim).

    Single sign-on finds people by this pair, never by their email: an email can be changed or
    claimed at the provider, the subject cannot (OpenID Connect Core, section 5.7).
    """

    class LinkedBy(models.TextChoices):
        CREATED = "created", "created at first sign-in"
        VERIFIED_EMAIL = "verified_email", "linked by a verified email at first sign-in"
        DIRECTORY = "directory", "linked by the directory's externalId at first sign-in"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sso_identities")
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    linked_by = models.CharField(max_length=20, choices=LinkedBy.choices)
    linked_at = models.DateTimeField(auto_now_add=True)
    last_sign_on_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="sso_identity_subject"),
            models.UniqueConstraint(fields=["user", "issuer"], name="sso_identity_one_per_issuer"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"


class AuditLogIsAppendOnly(Exception):
    """Raised on any attempt to change or delete an audit event."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AuditLogIsAppendOnly("Audit events cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("Audit events cannot be deleted.")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise AuditLogIsAppendOnly("Audit events cannot be changed.")


class AuditEvent(models.Model):
    """One state change: who did what to which object, when, and the state before and after.

    Append-only: the application refuses to update or delete rows (model and queryset), and the
    database refuses too (triggers installed by migration 0002).
    """

    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=255, blank=True)
    before = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    comment = models.TextField(blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "created_at"]),
            models.Index(fields=["action", "created_at"]),
            models.Index(fields=["actor", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label or 'system'} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditLogIsAppendOnly("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("Audit events cannot be deleted.")
