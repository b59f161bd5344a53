"""What the policies feature puts on each person's home page."""

from __future__ import annotations

from django.http import HttpRequest

from policies.models import PolicyVersion, VersionStatus
from policies.pending import changes_waiting_for, differences, target_url
from policies.selectors import policies_owed_by
from portal.home import HomePanel, register_panel
from portal.models import AuditEvent, User
from portal.people.panels import register_person_panel


@register_panel
def policies_to_acknowledge(request: HttpRequest) -> HomePanel | None:
    user = request.user
    if not isinstance(user, User):
        return None
    owed = list(
        policies_owed_by(user).defer(
            "current_version__body_markdown",
            "current_version__body_html",
            "current_version__table_of_contents",
        )[:20]
    )
    if not owed:
        return None
    return HomePanel(
        title=f"Policies to acknowledge ({len(owed)})",
        template="policies/_home_owed.html",
        context={"policies": owed},
        order=10,
    )


@register_panel
def versions_to_approve(request: HttpRequest) -> HomePanel | None:
    user = request.user
    if not isinstance(user, User) or not user.has_perm("policies.approve_policies"):
        return None
    waiting = list(
        PolicyVersion.objects.filter(status=VersionStatus.IN_REVIEW)
        .exclude(author=user)
        .select_related("policy", "author")
        .order_by("submitted_at")[:20]
    )
    if not waiting:
        return None
    return HomePanel(
        title=f"Policy versions waiting for your approval ({len(waiting)})",
        template="policies/_home_review.html",
        context={"versions": waiting},
        order=20,
    )


@register_panel
def changes_waiting_for_me(request: HttpRequest) -> HomePanel | None:
    """Approvers: the proposed changes (policy settings, register entries) others made."""
    user = request.user
    if not isinstance(user, User) or not user.has_perm("policies.decide_change"):
        return None
    waiting = list(changes_waiting_for(user)[:20])
    if not waiting:
        return None
    items = [
        {
            "change": change,
            "target": str(change.target),
            "fields": ", ".join(item.label.lower() for item in differences(change)),
            "url": target_url(change),
        }
        for change in waiting
    ]
    return HomePanel(
        title=f"Changes waiting for you ({len(items)})",
        template="policies/_home_changes.html",
        context={"changes": items},
        order=21,
    )


@register_panel
def versions_returned_to_me(request: HttpRequest) -> HomePanel | None:
    """The author's drafts an approver returned, with the approver's reason (two queries)."""
    user = request.user
    if not isinstance(user, User) or not user.has_perm("policies.author_policies"):
        return None
    drafts = {
        str(version.pk): version
        for version in PolicyVersion.objects.filter(author=user, status=VersionStatus.DRAFT)
        .select_related("policy")
        .defer("body_markdown", "body_html", "table_of_contents")
        .order_by("-updated_at")[:50]
    }
    if not drafts:
        return None
    last: dict[str, AuditEvent] = {}
    for event in (
        AuditEvent.objects.filter(
            object_type=PolicyVersion._meta.label_lower,
            object_id__in=list(drafts),
            action__in=[
                "policy_version.returned",
                "policy_version.submitted",
                "policy_version.withdrawn",
            ],
        )
        .select_related("actor")
        .order_by("created_at", "id")
    ):
        last[event.object_id] = event
    returned = [
        (drafts[key], event)
        for key, event in last.items()
        if event.action == "policy_version.returned"
    ][:20]
    if not returned:
        return None
    return HomePanel(
        title=f"Returned to you ({len(returned)})",
        template="policies/_home_returned.html",
        context={"returned": returned},
        order=5,
    )


@register_person_panel
def policies_owed_by_person(person: User) -> HomePanel:
    """The people pages: what this person still has to acknowledge (a leaver owes nothing)."""
    owed = (
        list(
            policies_owed_by(person).defer(
                "current_version__body_markdown",
                "current_version__body_html",
                "current_version__table_of_contents",
            )[:20]
        )
        if person.is_active
        else []
    )
    return HomePanel(
        title=f"Policies they owe ({len(owed)})",
        template="policies/_person_owed.html",
        context={"policies": owed, "active": person.is_active},
        order=10,
    )
