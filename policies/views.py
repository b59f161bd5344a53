"""Pages of the policies feature. Thin: a form checks input, a service or selector does the work."""

from __future__ import annotations

import difflib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from policies import pending, search, selectors, services
from policies.forms import (
    NewPolicyForm,
    PolicySettingsForm,
    ReasonForm,
    RejectForm,
    VersionForm,
)
from policies.inputs import NewPolicy, PolicySettings, RejectReason, ReturnReason, VersionText
from policies.models import PendingChange, Policy, PolicyVersion, VersionStatus
from policies.pending import saved_words
from policies.rendering import MarkdownRejected, render_markdown
from portal.boundary import Refused, answers_refusals, invalid_input_shown, same_page
from portal.exports import csv_lines
from portal.forms import errors_in_words
from portal.models import User
from portal.roles import can_publish


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _policy_page(request: HttpRequest, refusal: Refused, slug: str, **kwargs: Any) -> str:
    return reverse("policies:detail", kwargs={"slug": slug})


def _version_page(request: HttpRequest, refusal: Refused, slug: str, number: int, *_: Any) -> str:
    return reverse("policies:version", kwargs={"slug": slug, "number": number})


def _policy_for(request: HttpRequest, slug: str) -> Policy:
    return get_object_or_404(selectors.policies_visible_to(_user(request)), slug=slug)


def _version_for(request: HttpRequest, policy: Policy, number: int) -> PolicyVersion:
    return get_object_or_404(selectors.versions_visible_to(_user(request), policy), number=number)


@login_required
def policy_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    return render(
        request,
        "policies/policy_list.html",
        {
            "rows": selectors.policy_list_for(user),
            "may_author": user.has_perm("policies.author_policies"),
        },
    )


@permission_required("policies.author_policies", raise_exception=True)
@answers_refusals(back=same_page)
def policy_new(request: HttpRequest) -> HttpResponse:
    form = NewPolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with invalid_input_shown(form):
            data = NewPolicy.parse(form.cleaned_data)
            policy = services.policy_create(by=_user(request), data=data)
            messages.success(request, "Policy created as a draft. Submit it for review when ready.")
            return redirect("policies:version-edit", slug=policy.slug, number=1)
    return render(request, "policies/policy_form.html", {"form": form, "policy": None})


@permission_required("policies.author_policies", raise_exception=True)
@answers_refusals(back=same_page)
def policy_settings(request: HttpRequest, slug: str) -> HttpResponse:
    policy = _policy_for(request, slug)
    initial = {
        "title": policy.title,
        "category": policy.category,
        "summary": policy.summary,
        "requires_acknowledgement": policy.requires_acknowledgement,
        "audience_everyone": policy.audience_everyone,
        "audience_departments": policy.audience_departments.all(),
    }
    form = PolicySettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with invalid_input_shown(form):
            data = PolicySettings.parse(form.cleaned_data)
            outcome = services.policy_settings_propose(by=_user(request), policy=policy, data=data)
            messages.success(request, saved_words("the policy's settings", outcome.pending))
            return redirect("policies:detail", slug=policy.slug)
    return render(
        request,
        "policies/policy_form.html",
        {"form": form, "policy": policy, "pending": pending.pending_card(_user(request), policy)},
    )


# --- Changes waiting for a second person (policy settings, register entries) ---------------


def _change_for(request: HttpRequest, pk: int) -> PendingChange:
    return get_object_or_404(pending.changes_visible_to(_user(request)), pk=pk)


def _change_page(request: HttpRequest, refusal: Refused, pk: int, **kwargs: Any) -> str:
    change = PendingChange.objects.select_related("policy", "entry").filter(pk=pk).first()
    return pending.target_url(change) if change is not None else reverse("home")


@permission_required("policies.decide_change", raise_exception=True)
@require_POST
@answers_refusals(back=_change_page)
def change_approve(request: HttpRequest, pk: int) -> HttpResponse:
    change = pending.pending_change_approve(by=_user(request), change=_change_for(request, pk))
    messages.success(request, "Change approved: it is in force now.")
    return redirect(pending.target_url(change))


@permission_required("policies.decide_change", raise_exception=True)
@require_POST
@answers_refusals(back=_change_page)
def change_reject(request: HttpRequest, pk: int) -> HttpResponse:
    change = _change_for(request, pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, errors_in_words(form))
        return redirect(pending.target_url(change))
    data = RejectReason.parse(form.cleaned_data)
    change = pending.pending_change_reject(by=_user(request), change=change, data=data)
    messages.success(request, "Change rejected: nothing changed, and the proposer can see why.")
    return redirect(pending.target_url(change))


@permission_required("policies.view_changes", raise_exception=True)
@require_POST
@answers_refusals(back=_change_page)
def change_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    change = pending.pending_change_withdraw(by=_user(request), change=_change_for(request, pk))
    messages.success(request, "Change withdrawn: nothing changed.")
    return redirect(pending.target_url(change))


def _show_version(
    request: HttpRequest, policy: Policy, version: PolicyVersion | None
) -> HttpResponse:
    user = _user(request)
    in_audience = selectors.person_is_in_audience(policy=policy, user=user)
    owed = (
        version is not None
        and version.is_published
        and selectors.owes_acknowledgement(user, policy, in_audience=in_audience)
    )
    open_version = (
        policy.versions.filter(status__in=[VersionStatus.DRAFT, VersionStatus.IN_REVIEW])
        .select_related("author")
        .first()
        if selectors.may_see_unpublished(user)
        else None
    )
    return render(
        request,
        "policies/policy_detail.html",
        {
            "policy": policy,
            "version": version,
            "owed": owed,
            "in_audience": in_audience,
            "open_version": open_version,
            "may_author": user.has_perm("policies.author_policies"),
            "may_approve": user.has_perm("policies.approve_policies"),
            "may_publish": version is not None and can_publish(user, version),
            "may_withdraw": version is not None
            and version.status == "in_review"
            and user.has_perm("policies.withdraw_version", version),
            "returned": services.returned_with(version) if version is not None else None,
            "reason_form": ReasonForm(),
            "pending": pending.pending_card(user, policy),
        },
    )


@login_required
def policy_detail(request: HttpRequest, slug: str) -> HttpResponse:
    policy = _policy_for(request, slug)
    version = policy.current_version
    if version is None:
        version = policy.versions.order_by("-number").first()
    return _show_version(request, policy, version)


@login_required
def version_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    policy = _policy_for(request, slug)
    return _show_version(request, policy, _version_for(request, policy, number))


@login_required
def policy_history(request: HttpRequest, slug: str) -> HttpResponse:
    policy = _policy_for(request, slug)
    versions = list(selectors.versions_visible_to(_user(request), policy))
    return render(request, "policies/policy_history.html", {"policy": policy, "versions": versions})


def _line_diff(old: str, new: str) -> list[dict[str, str]]:
    rows = []
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=2):
        if line.startswith(("---", "+++")):
            continue
        kind = {"@": "hunk", "+": "added", "-": "removed"}.get(line[:1], "same")
        rows.append({"kind": kind, "text": line[1:] if kind != "hunk" else "…"})
    return rows


@login_required
def policy_diff(request: HttpRequest, slug: str) -> HttpResponse:
    policy = _policy_for(request, slug)
    versions = list(selectors.versions_visible_to(_user(request), policy))
    by_number = {version.number: version for version in versions}
    try:
        newer = by_number[int(request.GET.get("to") or max(by_number))]
        older = by_number[int(request.GET.get("from") or max(newer.number - 1, 1))]
    except (ValueError, KeyError):
        messages.error(request, "Choose two versions that exist to compare them.")
        return redirect("policies:history", slug=policy.slug)
    return render(
        request,
        "policies/policy_diff.html",
        {
            "policy": policy,
            "versions": versions,
            "older": older,
            "newer": newer,
            "diff": _line_diff(older.body_markdown, newer.body_markdown),
        },
    )


@permission_required("policies.author_policies", raise_exception=True)
@require_POST
@answers_refusals(back=_policy_page)
def version_new(request: HttpRequest, slug: str) -> HttpResponse:
    policy = _policy_for(request, slug)
    version = services.policy_version_create_draft(by=_user(request), policy=policy)
    messages.success(request, f"Version {version.number} started from the latest text.")
    return redirect("policies:version-edit", slug=policy.slug, number=version.number)


@permission_required("policies.author_policies", raise_exception=True)
@answers_refusals(back=_policy_page)
def version_edit(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    policy = _policy_for(request, slug)
    version = _version_for(request, policy, number)
    if not version.is_editable:
        messages.info(request, "This version is no longer a draft; start a new version to edit.")
        return redirect("policies:version", slug=policy.slug, number=version.number)
    initial = {
        "body_markdown": version.body_markdown,
        "summary_of_changes": version.summary_of_changes,
        "is_material": version.is_material,
    }
    form = VersionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with invalid_input_shown(form):
            data = VersionText.parse(form.cleaned_data)
            version = services.policy_version_update(by=_user(request), version=version, data=data)
            if "submit" in request.POST:
                services.policy_version_submit(by=_user(request), version=version)
                messages.success(request, "Submitted for review. An approver will publish it.")
                return redirect("policies:version", slug=policy.slug, number=version.number)
            messages.success(request, "Draft saved.")
            return redirect("policies:version-edit", slug=policy.slug, number=version.number)
    preview = ""
    try:
        preview = render_markdown(form["body_markdown"].value() or "").html
    except MarkdownRejected:
        preview = ""
    return render(
        request,
        "policies/version_edit.html",
        {
            "policy": policy,
            "version": version,
            "form": form,
            "preview": preview,
            "returned": services.returned_with(version),
        },
    )


@permission_required("policies.author_policies", raise_exception=True)
@require_POST
def markdown_preview(request: HttpRequest) -> HttpResponse:
    try:
        html = render_markdown(request.POST.get("body_markdown", "")).html
    except MarkdownRejected as error:
        return render(request, "policies/_preview.html", {"error": str(error)})
    return render(request, "policies/_preview.html", {"html": html})


@answers_refusals(back=_version_page)
def _transition(request: HttpRequest, slug: str, number: int, action: str) -> HttpResponse:
    policy = _policy_for(request, slug)
    version = _version_for(request, policy, number)
    user = _user(request)
    if action == "submit":
        services.policy_version_submit(by=user, version=version)
        messages.success(request, "Submitted for review.")
    elif action == "publish":
        services.policy_version_publish(by=user, version=version)
        messages.success(request, f"Version {version.number} is published.")
    elif action == "withdraw":
        services.policy_version_withdraw(by=user, version=version)
        messages.success(request, "Withdrawn from review: it is your draft again.")
        return redirect("policies:version-edit", slug=policy.slug, number=version.number)
    elif action == "return":
        form = ReasonForm(request.POST)
        if not form.is_valid():
            messages.error(request, errors_in_words(form))
        else:
            data = ReturnReason.parse(form.cleaned_data)
            services.policy_version_return_to_draft(by=user, version=version, data=data)
            messages.success(request, "Returned to the author as a draft.")
    return redirect("policies:version", slug=policy.slug, number=version.number)


@permission_required("policies.author_policies", raise_exception=True)
@require_POST
def version_submit(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    return _transition(request, slug, number, "submit")


@permission_required("policies.approve_policies", raise_exception=True)
@require_POST
def version_publish(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    return _transition(request, slug, number, "publish")


@permission_required("policies.author_policies", raise_exception=True)
@require_POST
def version_withdraw(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    return _transition(request, slug, number, "withdraw")


@permission_required("policies.approve_policies", raise_exception=True)
@require_POST
def version_return(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    return _transition(request, slug, number, "return")


def _after_acknowledging(request: HttpRequest, *args: Any, slug: str) -> str:
    if request.POST.get("next") == "home":
        return reverse("home")
    return reverse("policies:detail", kwargs={"slug": slug})


@login_required
@require_POST
@answers_refusals(back=_after_acknowledging)
def acknowledge(request: HttpRequest, slug: str) -> HttpResponse:
    policy = _policy_for(request, slug)
    version = policy.current_version
    if version is None:
        raise PermissionDenied
    _ack, created = services.acknowledgement_record(by=_user(request), version=version)
    messages.success(
        request,
        f"Thank you: you acknowledged “{policy.title}” (version {version.number})."
        if created
        else "You had already acknowledged this version.",
    )
    return redirect(_after_acknowledging(request, slug=slug))


@permission_required("policies.view_compliance", raise_exception=True)
def compliance_overview(request: HttpRequest) -> HttpResponse:
    reports = selectors.compliance_overview()
    return render(request, "policies/compliance.html", {"reports": reports})


@permission_required("policies.view_compliance", raise_exception=True)
def compliance_detail(request: HttpRequest, slug: str) -> HttpResponse:
    policy = get_object_or_404(selectors.policies_needing_acknowledgement(), slug=slug)
    report = selectors.compliance_of(policy)
    page = Paginator(selectors.people_owing(policy), 50).get_page(request.GET.get("page"))
    return render(
        request, "policies/compliance_detail.html", {"report": report, "page": page, "query": ""}
    )


@permission_required("policies.view_compliance", raise_exception=True)
def compliance_owing_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    policy = get_object_or_404(selectors.policies_needing_acknowledgement(), slug=slug)
    people = selectors.people_owing(policy).values_list(
        "username", "first_name", "last_name", "email", "department__name"
    )
    lines = csv_lines(
        ["username", "first name", "last name", "email", "department"],
        people.iterator(chunk_size=2000),
    )
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{policy.slug}-owing.csv"'
    return response


@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    hits = search.search(query, user=request.user) if query.strip() else []
    return render(
        request, "policies/search.html", {"query": query[: search.MAX_QUERY_LENGTH], "hits": hits}
    )
