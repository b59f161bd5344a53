"""Background work of the use-case feature: emails about the workflow, re-scoring after a rubric
change. Thin: take ids, load, call a service or send, and tolerate running twice."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.core.cache import cache
from django.core.mail import send_mail
from django.utils import timezone

from portal.emails import email_text, portal_url
from portal.models import AuditEvent, User
from portal.roles import Role
from usecases.models import Notification, Status, UseCase

logger = logging.getLogger(__name__)

DECISION_WORDS = {
    Status.APPROVED: "approved",
    Status.REJECTED: "rejected",
    Status.ON_HOLD: "put on hold",
}


def _message(event: AuditEvent, usecase: UseCase) -> tuple[str, str, list[str]] | None:
    """(subject, body, recipients) of the email a workflow event sends, if any."""
    status = (event.after or {}).get("status")
    context: dict[str, Any] = {
        "usecase": usecase,
        "actor": event.actor.display_name if event.actor else "The portal",
        "url": portal_url("usecases:detail", usecase.reference),
    }
    if status == Status.SUBMITTED:
        reviewers = User.objects.filter(groups__name=Role.REVIEWER, is_active=True).exclude(
            email=""
        )
        subject, body = email_text("usecases/email/submitted", context)
        return subject, body, sorted({person.email for person in reviewers})
    if event.action == "usecase.exception_expired":
        reviewers = User.objects.filter(groups__name=Role.REVIEWER, is_active=True).exclude(
            email=""
        )
        recipients = {person.email for person in reviewers}
        if usecase.submitter.email:
            recipients.add(usecase.submitter.email)
        after = event.after or {}
        context.update(
            finding=after.get("title") or after.get("finding", ""), comment=event.comment
        )
        subject, body = email_text("usecases/email/exception_expired", context)
        return subject, body, sorted(recipients)
    if status in DECISION_WORDS:
        if not usecase.submitter.email:
            return None
        context.update(word=DECISION_WORDS[Status(status)], comment=event.comment)
        subject, body = email_text("usecases/email/decided", context)
        return subject, body, [usecase.submitter.email]
    return None


@shared_task(name="usecases.notify_usecase_event", time_limit=60, soft_time_limit=50)
def notify_usecase_event(event_id: int) -> int:
    """Email the people a workflow event concerns; sends once per event. Returns emails sent."""
    event = AuditEvent.objects.select_related("actor").filter(pk=event_id).first()
    if event is None or event.object_type != UseCase._meta.label_lower:
        return 0
    usecase = (
        UseCase.objects.select_related("submitter", "department").filter(pk=event.object_id).first()
    )
    if usecase is None:
        return 0
    message = _message(event, usecase)
    if message is None or not message[2]:
        _mark_sent(event_id)
        return 0
    key = f"usecases:notified:{event_id}:{event.created_at.timestamp()}"
    if not cache.add(key, "sending", timeout=7 * 24 * 3600):
        logger.info("event %s already notified", event_id)
        return 0
    subject, body, recipients = message
    try:
        send_mail(subject, body, None, recipients)
    except Exception:
        cache.delete(key)  # let the retry send it
        raise
    _mark_sent(event_id)
    return len(recipients)


def _mark_sent(event_id: int) -> None:
    Notification.objects.filter(event_id=event_id, sent_at__isnull=True).update(
        sent_at=timezone.now()
    )


@shared_task(name="usecases.sweep_notifications", time_limit=60, soft_time_limit=50)
def sweep_notifications() -> int:
    """Enqueue again the workflow emails still in the outbox (the broker was down)."""
    from usecases.services import notifications_sweep

    return notifications_sweep()


@shared_task(name="usecases.expire_exceptions", time_limit=300, soft_time_limit=290)
def expire_exceptions() -> int:
    """Expire the guardrail exceptions past their end date (beat, hourly); safe twice."""
    from usecases.services import exceptions_expire

    return exceptions_expire()


@shared_task(name="usecases.rescore_all_usecases", time_limit=600, soft_time_limit=590)
def rescore_all_usecases(rubric_number: int | None = None) -> int:
    """Re-score every case with the rubric in force (the latest, whatever number is passed)."""
    from usecases.services import usecases_rescore_all

    return usecases_rescore_all()


@shared_task(name="usecases.refresh_open_findings_for_tool", time_limit=600, soft_time_limit=590)
def refresh_open_findings_for_tool(entry_id: int) -> int:
    """Recount the open guardrail findings of the cases that use a register entry."""
    from usecases.findings import open_findings_refresh_for_tool

    return open_findings_refresh_for_tool(entry_id)


# The estimates' tasks live beside their services; importing them here registers them.
from usecases.estimates.tasks import (  # noqa: E402, F401
    plan_estimate_batch,
    run_estimate,
    sweep_estimates,
)
