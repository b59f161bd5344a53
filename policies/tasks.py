"""Background work of the policies feature."""

from __future__ import annotations

from celery import shared_task

from policies.reminders import reminders_send
from policies.services import acknowledgement_tally_rebuild


@shared_task(name="policies.send_acknowledgement_reminders", ignore_result=False)
def send_acknowledgement_reminders() -> int:
    """Daily (beat): remind people who have owed an acknowledgement for too long."""
    return reminders_send()


@shared_task(name="policies.rebuild_acknowledgement_tally", ignore_result=True, time_limit=600)
def rebuild_acknowledgement_tally() -> int:
    """Every ten minutes (beat): recount the compliance tally, so that people who moved
    department or left are counted where they are now."""
    return acknowledgement_tally_rebuild()


@shared_task(name="policies.notify_version_returned", time_limit=60, soft_time_limit=50)
def notify_version_returned(event_id: int) -> int:
    """Email the author of a returned version the approver's reason; returns emails sent."""
    from django.core.mail import send_mail

    from policies.models import PolicyVersion
    from portal.emails import email_text, portal_url
    from portal.models import AuditEvent

    event = AuditEvent.objects.select_related("actor").filter(pk=event_id).first()
    if event is None or event.action != "policy_version.returned":
        return 0
    version = (
        PolicyVersion.objects.select_related("policy", "author").filter(pk=event.object_id).first()
    )
    if version is None or not version.author.email:
        return 0
    subject, body = email_text(
        "policies/email/returned",
        {
            "version": version,
            "approver": event.actor.display_name if event.actor else event.actor_label,
            "reason": event.comment,
            "url": portal_url("policies:version-edit", version.policy.slug, version.number),
        },
    )
    send_mail(subject, body, None, [version.author.email])
    return 1
