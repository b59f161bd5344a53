"""What the use-case feature puts on each person's home page, and on a person's page for
administrators (the cases they proposed)."""

from __future__ import annotations

from django.http import HttpRequest

from portal.home import HomePanel, register_panel
from portal.models import User
from portal.people.panels import register_person_panel
from usecases.models import UseCase
from usecases.selectors import usecases_visible_to
from usecases.workflow import AWAITING_REVIEW, CLOSED


@register_panel
def my_usecases(request: HttpRequest) -> HomePanel | None:
    user = request.user
    if not isinstance(user, User) or not user.has_perm("usecases.create_usecase"):
        return None
    cases = list(
        usecases_visible_to(user)
        .exclude(status__in=CLOSED)
        .select_related("department")
        .order_by("-updated_at", "-id")[:6]
    )
    return HomePanel(
        title="My use cases",
        template="usecases/_home_mine.html",
        context={"cases": cases},
        order=30,
    )


@register_panel
def review_queue_panel(request: HttpRequest) -> HomePanel | None:
    user = request.user
    if not isinstance(user, User) or not user.has_perm("usecases.review_usecases"):
        return None
    waiting = usecases_visible_to(user).filter(status__in=AWAITING_REVIEW)
    cases = list(waiting.select_related("department").order_by("submitted_at", "id")[:6])
    if not cases:
        return None
    return HomePanel(
        title=f"Use cases waiting for the CIO office ({waiting.count()})",
        template="usecases/_home_queue.html",
        context={"cases": cases},
        order=25,
    )


@register_person_panel
def cases_of_person(person: User) -> HomePanel:
    """The people pages: the cases this person proposed, newest first (kept after they leave)."""
    proposed = UseCase.objects.filter(submitter=person)
    cases = list(proposed.select_related("department").order_by("-updated_at", "-id")[:20])
    return HomePanel(
        title=f"Use cases they proposed ({proposed.count() if len(cases) == 20 else len(cases)})",
        template="usecases/_person_cases.html",
        context={"cases": cases},
        order=20,
    )
