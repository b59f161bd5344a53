"""The navigation bar: each entry shows only to people whose roles allow the page behind it."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    permission: str
    section: str  # the first path segment the entry owns, to mark it active


# Later features append their pages here, in the order people should see them.
NAV_ENTRIES: list[NavEntry] = [
    NavEntry("Home", "home", "portal.view_home", ""),
    NavEntry("Policies", "policies:list", "policies.view_policies", "policies"),
    NavEntry("AI tools", "register:lookup", "policies.view_register", "tools"),
    NavEntry("Compliance", "compliance:overview", "policies.view_compliance", "compliance"),
    NavEntry("Use cases", "usecases:list", "usecases.view_usecases", "usecases"),
    NavEntry("Review queue", "review:queue", "usecases.review_usecases", "review"),
    NavEntry("Portfolio", "portfolio:ranked", "usecases.view_portfolio", "portfolio"),
]
ADMIN_ENTRIES: list[NavEntry] = [
    NavEntry("People", "people:list", "portal.manage_people", "people"),
    NavEntry("Departments", "people:departments", "portal.manage_people", "people"),
    NavEntry("Directory groups", "people:groups", "portal.manage_people", "people"),
    NavEntry("Import people", "people:import-upload", "portal.manage_people", "people"),
    NavEntry("SCIM tokens", "people:scim-tokens", "portal.manage_scim_tokens", "people"),
    NavEntry("Audit log", "audit-log", "portal.view_audit_log", "audit"),
    NavEntry("Scoring rubric", "usecases:rubric", "usecases.manage_rubric", "usecases"),
    NavEntry(
        "Guardrail policies",
        "usecases:guardrail-policies",
        "usecases.manage_guardrail_policies",
        "usecases",
    ),
]


def _visible(request: HttpRequest, entries: list[NavEntry]) -> list[dict[str, object]]:
    path = request.path.strip("/")
    section = path.split("/", 1)[0] if path else ""
    visible = []
    for entry in entries:
        if not request.user.has_perm(entry.permission):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        visible.append({"label": entry.label, "url": url, "active": section == entry.section})
    return visible


def navigation_for(request: HttpRequest) -> dict[str, list[dict[str, object]]]:
    if not request.user.is_authenticated:
        return {"main": [], "admin": []}
    return {"main": _visible(request, NAV_ENTRIES), "admin": _visible(request, ADMIN_ENTRIES)}
