"""The people pages for administrators (``/people/``): the people list, a person (roles,
department, manager, what they owe, sign-in lockouts), departments; and everyone's own API
tokens (``/people/me/tokens/``). Writes go through :mod:`portal.people.directory` and
:mod:`portal.tokens`."""

from __future__ import annotations

import datetime
from typing import Any, cast

from axes.models import AccessAttempt
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import Group
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from portal.boundary import answers_refusals, invalid_input_shown, same_page
from portal.forms import PortalFormMixin
from portal.models import BearerToken, Department, User
from portal.people import directory
from portal.people.panels import person_panels
from portal.roles import Role, roles_of
from portal.tokens import token_create, token_revoke

PAGE_SIZE = 50


def _me(request: HttpRequest) -> User:
    """The signed-in person (every view here requires one)."""
    return cast(User, request.user)


MANAGE = "portal.manage_people"


class PeopleFilter(PortalFormMixin, forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Name, email or number")
    department = forms.ModelChoiceField(
        queryset=Department.objects.all(), required=False, empty_label="Any department"
    )
    role = forms.ChoiceField(choices=[("", "Any role"), *Role.choices], required=False)
    active = forms.ChoiceField(
        choices=[("yes", "Active"), ("no", "Left (deactivated)"), ("", "Everyone")],
        required=False,
        initial="yes",
    )


@permission_required(MANAGE, raise_exception=True)
def people_list(request: HttpRequest) -> HttpResponse:
    data = request.GET.copy()
    data.setdefault("active", "yes")
    form = PeopleFilter(data)
    people = User.objects.select_related("department").order_by("last_name", "first_name", "pk")
    if form.is_valid():
        found = form.cleaned_data
        if found["q"]:
            words = found["q"].strip()
            people = people.filter(
                Q(username__icontains=words)
                | Q(first_name__icontains=words)
                | Q(last_name__icontains=words)
                | Q(email__icontains=words)
                | Q(employee_number=words)
            )
        if found["department"] is not None:
            people = people.filter(department=found["department"])
        if found["role"] == Role.EMPLOYEE:
            pass  # everyone
        elif found["role"] == Role.ADMIN:
            people = people.filter(Q(groups__name=Role.ADMIN) | Q(is_superuser=True)).distinct()
        elif found["role"]:
            people = people.filter(groups__name=found["role"])
        if found["active"] in ("yes", "no"):
            people = people.filter(is_active=found["active"] == "yes")
    people = people.prefetch_related(
        Prefetch("groups", queryset=Group.objects.filter(name__in=Role.values).only("name"))
    )
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    labels = dict(Role.choices)
    rows = [
        {
            "person": person,
            "roles": [labels[g.name] for g in person.groups.all() if g.name in labels],
        }
        for person in page.object_list
    ]
    return render(
        request,
        "portal/people/list.html",
        {"form": form, "page": page, "rows": rows, "query": query.urlencode()},
    )


class RolesForm(PortalFormMixin, forms.Form):
    roles = forms.MultipleChoiceField(
        choices=[(r.value, r.label) for r in Role if r != Role.EMPLOYEE],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Roles",
        help_text="Everyone is an employee. Roles that a directory group gives come back at the "
        "next change of that group.",
    )


def _back_to_person(request: HttpRequest, refusal: Any, pk: int) -> str:
    return reverse("people:detail", args=[pk])


@permission_required(MANAGE, raise_exception=True)
@require_http_methods(["GET", "POST"])
@answers_refusals(_back_to_person)
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User.objects.select_related("department", "manager"), pk=pk)
    held = [r for r in roles_of(person) if r != Role.EMPLOYEE]
    form = RolesForm(request.POST if request.method == "POST" else None, initial={"roles": held})
    if request.method == "POST" and form.is_valid():
        with invalid_input_shown(form):
            directory.person_roles_set(person, roles=form.cleaned_data["roles"], by=_me(request))
            messages.success(request, f"Roles of {person.display_name} saved.")
            return redirect("people:detail", pk=person.pk)
    lockouts = list(
        AccessAttempt.objects.filter(username=person.username).order_by("-attempt_time")[:20]
    )
    groups = list(person.directory_groups.select_related("department").order_by("display_name"))
    return render(
        request,
        "portal/people/detail.html",
        {
            "person": person,
            "form": form,
            "lockouts": lockouts,
            "directory_groups": groups,
            "reports": person.reports.order_by("last_name")[:20],
            "panels": person_panels(person),
            "identities": list(person.sso_identities.all()),
        },
    )


@permission_required(MANAGE, raise_exception=True)
@require_POST
@answers_refusals(_back_to_person)
def person_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User, pk=pk)
    lifted = directory.person_unlock(person, by=_me(request))
    if lifted:
        messages.success(request, f"{person.display_name} can sign in again.")
    else:
        messages.info(request, f"{person.display_name} was not locked out.")
    return redirect("people:detail", pk=person.pk)


# --- Departments ------------------------------------------------------------------------------


class DepartmentForm(PortalFormMixin, forms.Form):
    name = forms.CharField(max_length=120, label="Name")


class MergeForm(PortalFormMixin, forms.Form):
    into = forms.ModelChoiceField(
        queryset=Department.objects.all(), label="Merge into", empty_label="Choose…"
    )


@permission_required(MANAGE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def departments(request: HttpRequest) -> HttpResponse:
    form = DepartmentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with invalid_input_shown(form):
            created = directory.department_create(name=form.cleaned_data["name"], by=_me(request))
            messages.success(request, f"Department {created.name} created.")
            return redirect("people:departments")
    rows = Department.objects.annotate(
        people=Count("members", filter=Q(members__is_active=True))
    ).order_by("name")
    return render(request, "portal/people/departments.html", {"form": form, "departments": rows})


@permission_required(MANAGE, raise_exception=True)
@require_http_methods(["GET", "POST"])
@answers_refusals(same_page)
def department_detail(request: HttpRequest, pk: int) -> HttpResponse:
    department = get_object_or_404(Department, pk=pk)
    rename = DepartmentForm(
        request.POST if request.POST.get("action") == "rename" else None,
        initial={"name": department.name},
    )
    merge = MergeForm(request.POST if request.POST.get("action") == "merge" else None)
    merge.fields["into"].queryset = Department.objects.exclude(pk=department.pk)  # type: ignore[attr-defined]
    if request.method == "POST" and request.POST.get("action") == "rename" and rename.is_valid():
        with invalid_input_shown(rename):
            directory.department_rename(
                department, name=rename.cleaned_data["name"], by=_me(request)
            )
            messages.success(request, "Department renamed.")
            return redirect("people:department", pk=department.pk)
    if request.method == "POST" and request.POST.get("action") == "merge" and merge.is_valid():
        with invalid_input_shown(merge):
            into = directory.department_merge(
                department, into=merge.cleaned_data["into"], by=_me(request)
            )
            messages.success(request, f"{department.name} merged into {into.name}.")
            return redirect("people:departments")
    people = department.members.filter(is_active=True).count()
    return render(
        request,
        "portal/people/department.html",
        {"department": department, "rename": rename, "merge": merge, "people": people},
    )


# --- Tokens -----------------------------------------------------------------------------------


class TokenForm(PortalFormMixin, forms.Form):
    name = forms.CharField(max_length=100, label="Name", help_text="What it is for, e.g. “CI”.")
    expires_on = forms.DateField(
        required=False,
        label="Expires on",
        help_text="Optional; leave empty for a token that lasts until you revoke it.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )


def _tokens_page(
    request: HttpRequest, kind: BearerToken.Kind, owner: User | None, template: str
) -> HttpResponse:
    form = TokenForm(request.POST if request.method == "POST" else None)
    if kind == BearerToken.Kind.SCIM:
        form.fields.pop("expires_on")
    secret = None
    if request.method == "POST" and form.is_valid():
        expires_on = form.cleaned_data.get("expires_on")
        expires_at = (
            timezone.make_aware(datetime.datetime.combine(expires_on, datetime.time.max))
            if expires_on
            else None
        )
        with invalid_input_shown(form):
            _, secret = token_create(
                kind=kind,
                name=form.cleaned_data["name"],
                by=_me(request),
                owner=owner,
                expires_at=expires_at,
            )
            form = TokenForm()
            if kind == BearerToken.Kind.SCIM:
                form.fields.pop("expires_on")
    tokens = BearerToken.objects.filter(kind=kind, owner=owner).order_by("-created_at")
    return render(
        request,
        template,
        {"form": form, "tokens": tokens[:100], "secret": secret, "now": timezone.now()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def my_tokens(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    return _tokens_page(request, BearerToken.Kind.PERSONAL, me, "portal/people/my_tokens.html")


@permission_required("portal.manage_scim_tokens", raise_exception=True)
@require_http_methods(["GET", "POST"])
def scim_tokens(request: HttpRequest) -> HttpResponse:
    return _tokens_page(request, BearerToken.Kind.SCIM, None, "portal/people/scim_tokens.html")


@login_required
@require_POST
@answers_refusals(same_page)
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(BearerToken, pk=pk)
    if token.kind == BearerToken.Kind.PERSONAL and token.owner_id != request.user.pk:
        raise Http404("No such token.")  # someone else's: as if it did not exist
    token_revoke(token=token, by=_me(request))
    messages.success(request, f"Token “{token.name}” revoked.")
    if token.kind == BearerToken.Kind.SCIM:
        return redirect("people:scim-tokens")
    return redirect("people:my-tokens")


# --- CSV import -------------------------------------------------------------------------------


class UploadForm(PortalFormMixin, forms.Form):
    file = forms.FileField(
        label="CSV or Excel (.xlsx) file",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx,text/csv"}),
        help_text="The first line (of the first sheet) names the columns. Rows are matched by "
        "employee number, else by email; importing the same file again changes nothing.",
    )


def _mapping_form(batch: Any, data: Any = None) -> forms.Form:
    from portal.people.importing import FIELDS

    choices = [("", "— not in the file —"), *[(c, c) for c in batch.columns]]
    form = forms.Form(data)
    for key, label in FIELDS.items():
        form.fields[key] = forms.ChoiceField(
            choices=choices, required=False, label=label, initial=batch.mapping.get(key, "")
        )
        form.fields[key].widget.attrs["class"] = "form-select"
    form.fields["create_departments"] = forms.BooleanField(
        required=False,
        label="Create unknown departments",
        initial=batch.create_departments,
        help_text="Unticked, a row naming a department the portal does not have is an error.",
    )
    return form


@permission_required(MANAGE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_upload_view(request: HttpRequest) -> HttpResponse:
    from portal.models import PersonImport
    from portal.people.importing import import_upload

    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        with invalid_input_shown(form):
            batch = import_upload(upload=form.cleaned_data["file"], by=_me(request))
            return redirect("people:import", pk=batch.pk)
    recent = PersonImport.objects.select_related("created_by").defer("content")[:10]
    return render(request, "portal/people/import_upload.html", {"form": form, "recent": recent})


@permission_required(MANAGE, raise_exception=True)
@require_http_methods(["GET", "POST"])
@answers_refusals(same_page)
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Map the columns; "Preview" saves the mapping and starts the preview on the worker (the
    page follows it with htmx); "Apply" is accepted only after a finished preview of the
    current mapping (portal.people.importing.import_start refuses otherwise)."""
    from portal.models import PersonImport
    from portal.people.importing import import_map, import_start, preview_start

    batch = get_object_or_404(PersonImport.objects.defer("content"), pk=pk)
    if batch.status != PersonImport.Status.UPLOADED:
        return render(request, "portal/people/import_progress.html", {"batch": batch})
    form = _mapping_form(batch, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with invalid_input_shown(form):
            mapping = {k: v for k, v in form.cleaned_data.items() if k != "create_departments"}
            batch = import_map(
                batch,
                mapping=mapping,
                create_departments=form.cleaned_data["create_departments"],
                by=_me(request),
            )
            if request.POST.get("action") == "apply":
                import_start(batch, by=_me(request))
            else:
                preview_start(batch, by=_me(request))
            return redirect("people:import", pk=batch.pk)
    done = batch.preview_status == PersonImport.PreviewStatus.DONE
    return render(
        request,
        "portal/people/import_map.html",
        {
            "batch": batch,
            "form": form,
            "preview": batch.preview if done else None,
            "current": batch.preview_is_current,
        },
    )


# --- Directory groups -------------------------------------------------------------------------


class GroupMapForm(PortalFormMixin, forms.Form):
    role = forms.ChoiceField(
        choices=[("", "No role"), *[(r.value, r.label) for r in Role if r != Role.EMPLOYEE]],
        required=False,
        label="Its members hold the role",
    )
    department = forms.ModelChoiceField(
        queryset=Department.objects.all(),
        required=False,
        empty_label="No department",
        label="Or its members belong to the department",
    )


@permission_required(MANAGE, raise_exception=True)
@require_http_methods(["GET", "POST"])
@answers_refusals(same_page)
def directory_groups(request: HttpRequest) -> HttpResponse:
    from portal.models import DirectoryGroup
    from portal.people.directory import group_map

    if request.method == "POST":
        group = get_object_or_404(DirectoryGroup, pk=request.POST.get("group") or 0)
        form = GroupMapForm(request.POST)
        if form.is_valid():
            group_map(
                group,
                role=form.cleaned_data["role"],
                department=form.cleaned_data["department"],
                by=_me(request),
            )
            messages.success(request, f"Group {group.display_name} mapped.")
            return redirect("people:groups")
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("people:groups")
    groups = DirectoryGroup.objects.select_related("department").annotate(
        people=Count("members", filter=Q(members__is_active=True))
    )
    rows = [
        {
            "group": group,
            "form": GroupMapForm(
                initial={"role": group.role, "department": group.department_id},
                auto_id=f"id_g{group.pk}_%s",
            ),
        }
        for group in groups
    ]
    return render(request, "portal/people/groups.html", {"rows": rows})
