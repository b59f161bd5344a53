"""The one way services write to the audit log."""

from __future__ import annotations

from typing import Any

from django.db import models

from portal.middleware import current_request_id
from portal.models import AuditEvent, User


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    comment: str = "",
    actor_label: str = "",
) -> AuditEvent:
    """Append one event: ``actor`` did ``action`` (``"policy_version.published"``) to ``obj``.

    Call it inside the service's transaction so that the event and the change land together.
    ``actor_label`` names an actor that is not a person (``"SCIM token Entra ID"``).
    """
    object_type = object_id = object_label = ""
    if obj is not None:
        object_type = obj._meta.label_lower
        object_id = str(obj.pk)
        object_label = str(obj)[:255]
    actor_is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if actor_is_user else None,
        actor_label=actor.get_username()
        if actor is not None and actor_is_user
        else (actor_label or "system")[:150],
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_label=object_label,
        before=before,
        after=after,
        comment=comment,
        request_id=current_request_id() or "",
    )
