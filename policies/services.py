"""Writes of the policies feature: drafting, review, four-eyes publishing, acknowledgements.

Each service takes the person acting and a typed input (:mod:`policies.inputs`), checks their
permission on the object (``portal.roles``), runs in one transaction, locks what two people
could change at once, and records an audit event. Refusals are :class:`portal.boundary.Refused`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Max
from django.utils import timezone
from django.utils.text import slugify

from policies.inputs import NewPolicy, PolicySettings, ReturnReason, VersionText
from policies.models import (
    Acknowledgement,
    AcknowledgementTally,
    Policy,
    PolicyVersion,
    VersionStatus,
)
from policies.pending import POLICY_FIELDS, Proposed, policy_values, propose
from policies.rendering import MarkdownRejected, render_markdown
from policies.search import index_policy
from portal.audit import audit_record
from portal.boundary import Refused, require
from portal.models import Department, User
from portal.roles import is_version_author

logger = logging.getLogger(__name__)

FOUR_EYES = "You wrote this version, so another approver must publish it (four-eyes rule)."


def _rendered(body_markdown: str) -> tuple[str, list[dict[str, Any]]]:
    try:
        rendered = render_markdown(body_markdown)
    except MarkdownRejected as error:
        raise Refused.invalid({"body_markdown": str(error)}) from None
    toc = [
        {"level": heading.level, "text": heading.text, "anchor": heading.anchor}
        for heading in rendered.table_of_contents
    ]
    return rendered.html, toc


def _unique_slug(title: str) -> str:
    base = slugify(title)[:100] or "policy"
    slug, counter = base, 2
    while Policy.objects.filter(slug=slug).exists():
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


@transaction.atomic
def policy_create(*, by: User, data: NewPolicy) -> Policy:
    """A new policy with its first draft (version 1)."""
    require(by, "policies.author_policies", None, "Only policy authors may create policies.")
    body_html, toc = _rendered(data.body_markdown)
    policy = Policy.objects.create(
        title=data.title,
        slug=_unique_slug(data.title),
        category=data.category,
        summary=data.summary,
        requires_acknowledgement=data.requires_acknowledgement,
        audience_everyone=data.audience_everyone,
        created_by=by,
    )
    if not data.audience_everyone:
        policy.audience_departments.set(data.audience_departments)
    version = PolicyVersion.objects.create(
        policy=policy,
        number=1,
        body_markdown=data.body_markdown,
        body_html=body_html,
        table_of_contents=toc,
        summary_of_changes="First version.",
        is_material=True,
        author=by,
    )
    audit_record(
        actor=by,
        action="policy.created",
        obj=policy,
        after={"title": data.title, "category": data.category, "draft": version.number},
    )
    return policy


SETTINGS_FIELDS = (
    "title",
    "category",
    "summary",
    "requires_acknowledgement",
    "audience_everyone",
    "audience_departments",
)


def _settings_values(policy: Policy) -> dict[str, Any]:
    return {**policy_values(policy), "summary": policy.summary}


def _wanted_values(data: PolicySettings) -> dict[str, Any]:
    departments = [] if data.audience_everyone else list(data.audience_departments)
    return {
        "title": data.title,
        "category": data.category,
        "summary": data.summary,
        "requires_acknowledgement": data.requires_acknowledgement,
        "audience_everyone": data.audience_everyone,
        "audience_departments": sorted(department.pk for department in departments),
    }


def policy_settings_over(policy: Policy, changes: dict[str, Any]) -> PolicySettings:
    """The policy's settings as they would be with ``changes`` (stored values), checked as a
    whole by today's rules."""
    values = {**_settings_values(policy), **changes}
    pks = list(values.pop("audience_departments"))
    departments = tuple(Department.objects.filter(pk__in=pks))
    if len(departments) != len(set(pks)):
        raise Refused.conflict(
            "A department this change addresses is no longer there; propose it again."
        )
    return PolicySettings.parse(values, audience_departments=departments)


def apply_policy_settings(
    *,
    by: User,
    policy: Policy,
    data: PolicySettings,
    fields: Iterable[str] = SETTINGS_FIELDS,
    comment: str = "",
) -> Policy:
    """Set ``fields`` of the (locked) policy from ``data`` and audit what changed: the one path
    of a settings change, made at once or approved."""
    wanted = _wanted_values(data)
    current = _settings_values(policy)
    changed = [name for name in SETTINGS_FIELDS if name in fields and wanted[name] != current[name]]
    if not changed:
        return policy
    columns = [name for name in changed if name != "audience_departments"]
    for name in columns:
        setattr(policy, name, getattr(data, name))
    if columns:
        policy.save(update_fields=columns)
    if "audience_departments" in changed:
        policy.audience_departments.set(wanted["audience_departments"])
    index_policy(policy)
    audit_record(
        actor=by,
        action="policy.settings_changed",
        obj=policy,
        before={name: current[name] for name in changed},
        after={name: wanted[name] for name in changed},
        comment=comment,
    )
    return policy


@transaction.atomic
def policy_settings_propose(*, by: User, policy: Policy, data: PolicySettings) -> Proposed:
    """Change a policy's settings. A policy nobody has been asked to follow yet (no published
    version) changes at once. A published one changes its summary at once; its title, category,
    audience and acknowledgement requirement wait for an approver (``policies.pending``)."""
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    require(by, "policies.author_policies", policy, "Only policy authors may change settings.")
    if not policy.is_published:
        return Proposed(apply_policy_settings(by=by, policy=policy, data=data), None)
    wanted, current = _wanted_values(data), _settings_values(policy)
    gated = {name: wanted[name] for name in POLICY_FIELDS if wanted[name] != current[name]}
    pending = propose(by=by, target=policy, changes=gated) if gated else None
    apply_policy_settings(by=by, policy=policy, data=data, fields=["summary"])
    return Proposed(policy, pending)


@transaction.atomic
def policy_version_create_draft(*, by: User, policy: Policy) -> PolicyVersion:
    """A new draft, starting from the text of the latest version."""
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    require(by, "policies.author_policies", policy, "Only policy authors may draft versions.")
    open_version = policy.versions.filter(
        status__in=[VersionStatus.DRAFT, VersionStatus.IN_REVIEW]
    ).first()
    if open_version is not None:
        raise Refused.conflict(
            f"Version {open_version.number} is still {open_version.get_status_display().lower()}; "
            "finish it before starting another."
        )
    latest = policy.versions.order_by("-number").first()
    number = (policy.versions.aggregate(top=Max("number"))["top"] or 0) + 1
    body = latest.body_markdown if latest else ""
    body_html, toc = _rendered(body)
    version = PolicyVersion.objects.create(
        policy=policy,
        number=number,
        body_markdown=body,
        body_html=body_html,
        table_of_contents=toc,
        is_material=True,
        author=by,
    )
    audit_record(actor=by, action="policy_version.drafted", obj=version, after={"number": number})
    return version


def _locked_version(version: PolicyVersion) -> PolicyVersion:
    return PolicyVersion.objects.select_for_update().select_related("policy").get(pk=version.pk)


@transaction.atomic
def policy_version_update(*, by: User, version: PolicyVersion, data: VersionText) -> PolicyVersion:
    version = _locked_version(version)
    require(by, "policies.author_policies", version, "Only policy authors may edit drafts.")
    if version.status != VersionStatus.DRAFT:
        raise Refused.conflict(
            f"Version {version.number} is {version.get_status_display().lower()} and can no "
            "longer be edited. Start a new version to change the text."
        )
    body_html, toc = _rendered(data.body_markdown)
    before = {
        "body_markdown": version.body_markdown,
        "summary_of_changes": version.summary_of_changes,
        "is_material": version.is_material,
    }
    version.body_markdown, version.body_html, version.table_of_contents = (
        data.body_markdown,
        body_html,
        toc,
    )
    version.summary_of_changes = data.summary_of_changes
    version.is_material = data.is_material
    version.save(
        update_fields=[
            "body_markdown",
            "body_html",
            "table_of_contents",
            "summary_of_changes",
            "is_material",
            "updated_at",
        ]
    )
    after = {
        "body_markdown": data.body_markdown,
        "summary_of_changes": data.summary_of_changes,
        "is_material": data.is_material,
    }
    changed = {key for key in after if after[key] != before[key]}
    if changed:
        audit_record(
            actor=by,
            action="policy_version.edited",
            obj=version,
            before={key: before[key] for key in changed},
            after={key: after[key] for key in changed},
        )
    return version


@transaction.atomic
def policy_version_submit(*, by: User, version: PolicyVersion) -> PolicyVersion:
    version = _locked_version(version)
    require(by, "policies.author_policies", version, "Only policy authors may submit.")
    if version.status != VersionStatus.DRAFT:
        raise Refused.conflict(
            f"Only a draft can be submitted for review; version {version.number} is "
            f"{version.get_status_display().lower()}."
        )
    errors = {}
    if not version.body_markdown.strip():
        errors["body_markdown"] = "Write the policy text before submitting it for review."
    if version.number > 1 and not version.summary_of_changes.strip():
        errors["summary_of_changes"] = "Say in a sentence what changed since the last version."
    if errors:
        raise Refused.invalid(errors)
    version.status = VersionStatus.IN_REVIEW
    version.submitted_at = timezone.now()
    version.save(update_fields=["status", "submitted_at", "updated_at"])
    audit_record(
        actor=by,
        action="policy_version.submitted",
        obj=version,
        before={"status": "draft"},
        after={"status": "in_review"},
    )
    return version


@transaction.atomic
def policy_version_return_to_draft(
    *, by: User, version: PolicyVersion, data: ReturnReason
) -> PolicyVersion:
    version = _locked_version(version)
    require(by, "policies.approve_policies", version, "Only policy approvers may return.")
    if version.status != VersionStatus.IN_REVIEW:
        raise Refused.conflict(f"Version {version.number} is not in review any more.")
    version.status = VersionStatus.DRAFT
    version.save(update_fields=["status", "updated_at"])
    event = audit_record(
        actor=by,
        action="policy_version.returned",
        obj=version,
        before={"status": "in_review"},
        after={"status": "draft"},
        comment=data.reason,
    )

    def tell_the_author() -> None:
        from policies.tasks import notify_version_returned

        try:
            notify_version_returned.delay(event.pk)
        except Exception:
            logger.warning("broker down: the return of version %s is not emailed", version.pk)

    transaction.on_commit(tell_the_author)
    return version


@transaction.atomic
def policy_version_withdraw(*, by: User, version: PolicyVersion) -> PolicyVersion:
    """The author takes their version back out of review, as a draft again (audited)."""
    version = _locked_version(version)
    require(
        by,
        "policies.withdraw_version",
        version,
        "Only the version's author may withdraw it from review.",
    )
    if version.status != VersionStatus.IN_REVIEW:
        raise Refused.conflict(
            f"Only a version in review can be withdrawn; version {version.number} is "
            f"{version.get_status_display().lower()}."
        )
    version.status = VersionStatus.DRAFT
    version.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=by,
        action="policy_version.withdrawn",
        obj=version,
        before={"status": "in_review"},
        after={"status": "draft"},
    )
    return version


def returned_with(version: PolicyVersion) -> Any:
    """The audit event that returned this draft to its author (the approver and the reason), if
    the draft's last move was a return; shown above the editor."""
    from portal.models import AuditEvent

    if version.status != VersionStatus.DRAFT:
        return None
    last = (
        AuditEvent.objects.filter(
            object_type=PolicyVersion._meta.label_lower,
            object_id=str(version.pk),
            action__in=["policy_version.returned", "policy_version.submitted",
                        "policy_version.withdrawn"],
        )
        .select_related("actor")
        .order_by("-created_at", "-id")
        .first()
    )  # fmt: skip
    return last if last is not None and last.action == "policy_version.returned" else None


@transaction.atomic
def policy_version_publish(*, by: User, version: PolicyVersion) -> PolicyVersion:
    """Approve and publish; the previous published version is superseded in the same step.

    Four eyes (``portal.roles.can_publish``): an approver, not the author. Two approvers at
    once: the row lock makes the second wait, then find the version already published, and be
    refused.
    """
    policy = Policy.objects.select_for_update().get(pk=version.policy_id)
    version = _locked_version(version)
    if version.status == VersionStatus.PUBLISHED:
        raise Refused.conflict(
            f"Version {version.number} was published already"
            + (f" by {version.approver.display_name}." if version.approver else ".")
        )
    if version.status != VersionStatus.IN_REVIEW:
        raise Refused.conflict(
            f"Only a version in review can be published; version {version.number} is "
            f"{version.get_status_display().lower()}."
        )
    if is_version_author(by, version):  # the author's own work: waits for someone else
        raise Refused.conflict(FOUR_EYES)
    require(by, "policies.publish_version", version, "Only policy approvers may publish.")
    now = timezone.now()
    previous = policy.versions.filter(status=VersionStatus.PUBLISHED).first()
    if previous is not None:
        previous.status = VersionStatus.SUPERSEDED
        previous.superseded_at = now
        previous.save(update_fields=["status", "superseded_at", "updated_at"])
    version.status = VersionStatus.PUBLISHED
    version.approver = by
    version.published_at = now
    try:
        version.save(update_fields=["status", "approver", "published_at", "updated_at"])
    except IntegrityError:  # the database's last word on four eyes and one published version
        raise Refused.conflict("This version cannot be published by you now.") from None
    fields = ["current_version", "published_at"]
    policy.current_version = version
    policy.published_at = now
    asks_again = version.is_material or policy.acknowledgement_from_number is None
    if asks_again:
        policy.acknowledgement_from_number = version.number
        policy.acknowledgement_due_since = now
        fields += ["acknowledgement_from_number", "acknowledgement_due_since"]
    policy.save(update_fields=fields)
    if asks_again:  # earlier acknowledgements no longer count
        acknowledgement_tally_rebuild(policy_ids=[policy.pk])
    index_policy(policy)
    audit_record(
        actor=by,
        action="policy_version.published",
        obj=version,
        before={"status": "in_review", "superseded": previous.number if previous else None},
        after={"status": "published", "material": version.is_material},
    )
    return version


@transaction.atomic
def acknowledgement_record(*, by: User, version: PolicyVersion) -> tuple[Acknowledgement, bool]:
    """Record that ``by`` read and accepts ``version``. Twice is harmless: (ack, created)."""
    require(by, "policies.acknowledge_policies", version, "Sign in to acknowledge a policy.")
    if version.status != VersionStatus.PUBLISHED:
        raise Refused.conflict(
            "Only the current published version can be acknowledged; reload the policy to see it."
        )
    if not version.policy.requires_acknowledgement:
        raise Refused.conflict("This policy does not ask for an acknowledgement.")
    acknowledgement, created = Acknowledgement.objects.get_or_create(
        user=by,
        version=version,
        defaults={"policy_id": version.policy_id, "version_number": version.number},
    )
    if created:
        # Read now, not from ``version.policy``: the caller's copy may predate a publication.
        counts_from = (
            Policy.objects.filter(pk=version.policy_id)
            .values_list("acknowledgement_from_number", flat=True)
            .get()
        )
        if (
            by.is_active
            and counts_from is not None
            and version.number >= counts_from
            and not Acknowledgement.objects.filter(
                user=by, policy_id=version.policy_id, version_number__gte=counts_from
            )
            .exclude(pk=acknowledgement.pk)
            .exists()
        ):
            _acknowledgement_tally_add(policy_id=version.policy_id, department_id=by.department_id)
        audit_record(
            actor=by, action="policy.acknowledged", obj=version, after={"version": version.number}
        )
    return acknowledgement, created


# --- The compliance tally ---------------------------------------------------------------------


def _acknowledgement_tally_add(*, policy_id: int, department_id: int | None) -> None:
    """One more person of the department counts for the policy. An upsert, so that two people
    of one department acknowledging at once both count."""
    table = connection.ops.quote_name(AcknowledgementTally._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (policy_id, department_key, acknowledged) VALUES (%s, %s, 1) "  # noqa: S608 - the table name is the model's
            "ON CONFLICT (policy_id, department_key) "
            f"DO UPDATE SET acknowledged = {table}.acknowledged + 1",
            [policy_id, department_id or 0],
        )


def acknowledgement_tally_move(
    *,
    user_id: int,
    department_before: int | None,
    department_after: int | None,
    active_before: bool,
    active_after: bool,
) -> int:
    """A person joined, left or moved department: their counted acknowledgements leave the old
    department's tally (if they were active) and join the new one's (if they are), now rather
    than at the periodic recount. Returns the number of policies moved."""
    policy_ids = list(
        Acknowledgement.objects.filter(
            user_id=user_id, version_number__gte=F("policy__acknowledgement_from_number")
        )
        .values_list("policy_id", flat=True)
        .distinct()
    )
    if not policy_ids:
        return 0
    if active_before:
        AcknowledgementTally.objects.filter(
            policy_id__in=policy_ids, department_key=department_before or 0, acknowledged__gt=0
        ).update(acknowledged=F("acknowledged") - 1)
    if active_after:
        for policy_id in policy_ids:
            _acknowledgement_tally_add(policy_id=policy_id, department_id=department_after)
    return len(policy_ids)


@transaction.atomic
def acknowledgement_tally_rebuild(*, policy_ids: Iterable[int] | None = None) -> int:
    """Recount :class:`AcknowledgementTally` from the acknowledgements, for the given policies or
    for all: after a material version, and periodically for the people who moved department or
    left. Returns the number of tally rows written.

    The old rows are deleted first, so an acknowledgement recorded meanwhile either waits for
    this recount and adds itself to it, or is already in it.
    """
    tallies = AcknowledgementTally.objects.all()
    counted = Acknowledgement.objects.filter(
        user__is_active=True, version_number__gte=F("policy__acknowledgement_from_number")
    )
    if policy_ids is not None:
        ids = list(policy_ids)
        tallies = tallies.filter(policy_id__in=ids)
        counted = counted.filter(policy_id__in=ids)
    tallies.delete()
    rows = [
        AcknowledgementTally(
            policy_id=row["policy"],
            department_key=row["user__department"] or 0,
            acknowledged=row["people"],
        )
        for row in counted.values("policy", "user__department")
        .annotate(people=Count("user", distinct=True))
        .order_by()
    ]
    AcknowledgementTally.objects.bulk_create(
        rows,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["policy", "department_key"],
        update_fields=["acknowledged"],
    )
    return len(rows)
