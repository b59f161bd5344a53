"""Pages of the shared app: home, the audit log, health, and the error pages."""

from __future__ import annotations

import sys

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import RequestDataTooBig
from django.core.paginator import Paginator
from django.db.models import Q
from django.db.utils import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from rules.contrib.views import permission_required

from portal.filters import AuditEventFilter
from portal.health import run_checks
from portal.home import panels_for
from portal.models import AuditEvent, User


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"panels": panels_for(request)})


@permission_required("portal.view_audit_log", raise_exception=True)
def audit_log(request: HttpRequest) -> HttpResponse:
    events = AuditEvent.objects.select_related("actor").order_by("-created_at", "-id")
    event_filter = AuditEventFilter(request.GET, queryset=events)
    page = Paginator(event_filter.qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "portal/audit_log.html",
        {"filter": event_filter, "page": page, "query": query.urlencode()},
    )


@permission_required("portal.view_audit_log", raise_exception=True)
@require_GET
def audit_people(request: HttpRequest) -> JsonResponse:
    """The audit log's people picker (leavers included: their events stay in the log)."""
    return people_suggestions(request, active_only=False)


def people_suggestions(request: HttpRequest, *, active_only: bool) -> JsonResponse:
    """A people picker's answer: at most ten people whose username starts with, or whose name
    contains, what was typed (two letters at least), so it serves 100,000 people. The caller
    checks who may ask."""
    typed = request.GET.get("q", "").strip()[:150]
    if len(typed) < 2:
        return JsonResponse({"people": []})
    people = User.objects.filter(
        Q(username__istartswith=typed)
        | Q(first_name__icontains=typed)
        | Q(last_name__icontains=typed)
        | Q(directory_name__icontains=typed)
    )
    if active_only:
        people = people.filter(is_active=True)
    found = people.order_by("username").values(
        "username", "first_name", "last_name", "directory_name"
    )[:10]
    return JsonResponse(
        {
            "people": [
                {
                    "username": person["username"],
                    "name": person["directory_name"]
                    or f"{person['first_name']} {person['last_name']}".strip(),
                }
                for person in found
            ]
        }
    )


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    checks = run_checks()
    healthy = all(check.ok for check in checks)
    return JsonResponse(
        {
            "status": "ok" if healthy else "unavailable",
            "checks": {check.name: {"ok": check.ok, "detail": check.detail} for check in checks},
        },
        status=200 if healthy else 503,
    )


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get(
        "Accept", ""
    )


def _error(
    request: HttpRequest, status: int, title: str, message: str, *, with_request: bool = True
) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"detail": message, "status": status}, status=status)
    context = {"status": status, "title": title, "message": message}
    if not with_request:
        # 500 and 503 pages must render even when the database (sessions, users) is down.
        return HttpResponse(render_to_string("error.html", context), status=status)
    return render(request, "error.html", context, status=status)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Someone not signed in is asked to sign in first (and comes back here), whichever check
    # refused them: "your roles do not allow this" would be wrong before we know who they are.
    user = getattr(request, "user", None)
    if not _wants_json(request) and not getattr(user, "is_authenticated", False):
        return redirect_to_login(request.get_full_path())
    # A refusal of the services says why (portal.boundary.Refused, e.g. "You requested this
    # exception, so another reviewer grants it"); a bare PermissionDenied says nothing.
    why = str(exception or "").strip()
    return _error(
        request,
        403,
        "You do not have access to this page" if not why else "This is not yours to do",
        why
        or "Your roles do not allow this. If you think they should, ask the portal's "
        "administrators.",
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request,
        404,
        "Page not found",
        "There is nothing here, or it is not visible to you. Check the address, or go back home.",
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        return _error(
            request,
            400,
            "Too much to send at once",
            f"The portal takes at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)} MB "
            "of text in one go. Shorten the text (or split it), then send it again.",
        )
    return _error(
        request, 400, "Bad request", "The request could not be understood. Please try again."
    )


def server_error(request: HttpRequest) -> HttpResponse:
    # Called inside Django's exception handling, so the exception is still at hand: a database
    # outage is a temporary 503 (the process recovers on its own), anything else a 500.
    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, InterfaceError)):
        response = _error(
            request,
            503,
            "The portal is briefly unavailable",
            "The database cannot be reached right now. Nothing you saved is lost; "
            "please try again in a minute.",
            with_request=False,
        )
        response["Retry-After"] = "30"
        return response
    return _error(
        request,
        500,
        "Something went wrong",
        "The error has been logged. Please try again; if it keeps happening, tell the "
        "portal's administrators and mention the time.",
        with_request=False,
    )
