"""The people pages for administrators, and everyone's own API tokens."""

from __future__ import annotations

import re
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.models import AuditEvent, BearerToken, Department, User
from portal.roles import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(admin_user: User) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def _people(count: int, department: Department) -> None:
    reviewer = Group.objects.get(name=Role.REVIEWER)
    for n in range(count):
        person = make_user(username=f"bulk{n:04d}", department=department)
        if n % 3 == 0:
            person.groups.add(reviewer)


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_people_list_costs_the_same_queries_at_any_size(
    admin_client: Client, department: Department, role_groups: Any
) -> None:
    url = reverse("people:list")
    _people(5, department)
    small = _queries(admin_client, url)
    _people(120, department)  # more than two pages
    assert _queries(admin_client, url) == small
    assert _queries(admin_client, f"{url}?page=3&role=reviewer") <= small + 1  # the role join


def test_people_list_searches_and_filters(
    admin_client: Client,
    department: Department,
    other_department: Department,
    employee: User,
    reviewer: User,
    lead: User,
) -> None:
    User.objects.filter(pk=lead.pk).update(is_active=False)
    page = admin_client.get(reverse("people:list")).content.decode()
    assert employee.username in page and reviewer.username in page
    assert lead.username not in page  # the active only, by default
    left = admin_client.get(reverse("people:list"), {"active": "no"}).content.decode()
    assert lead.username in left and employee.username not in left
    by_role = admin_client.get(reverse("people:list"), {"role": Role.REVIEWER}).content.decode()
    assert reviewer.username in by_role and employee.username not in by_role
    by_department = admin_client.get(
        reverse("people:list"), {"department": other_department.pk}
    ).content.decode()
    assert reviewer.username in by_department and employee.username not in by_department
    found = admin_client.get(reverse("people:list"), {"q": employee.email.upper()}).content.decode()
    assert employee.username in found and reviewer.username not in found
    nobody = admin_client.get(reverse("people:list"), {"q": "zzz-nobody"}).content.decode()
    assert "Nobody matches" in nobody
    bad = admin_client.get(reverse("people:list"), {"department": "not-a-number"})
    assert bad.status_code == 200 and "department" in bad.content.decode().lower()


def test_roles_are_assigned_on_the_persons_page_and_audited(
    admin_client: Client, admin_user: User, employee: User
) -> None:
    url = reverse("people:detail", args=[employee.pk])
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"roles": [Role.REVIEWER, Role.POLICY_AUTHOR]})
    assert response.status_code == 302
    assert set(employee.groups.values_list("name", flat=True)) == {
        Role.REVIEWER.value,
        Role.POLICY_AUTHOR.value,
    }
    event = AuditEvent.objects.get(action="person.roles_changed", object_id=str(employee.pk))
    assert event.actor == admin_user
    assert event.before == {"roles": []}
    assert event.after == {"roles": ["policy_author", "reviewer"]}
    bad = admin_client.post(url, {"roles": ["emperor"]})
    assert bad.status_code == 200 and "emperor" in bad.content.decode()
    # An administrator does not take away their own administrator role.
    own = reverse("people:detail", args=[admin_user.pk])
    admin_client.post(own, {"roles": []})
    assert admin_user.groups.filter(name=Role.ADMIN).exists()


def test_an_admin_unlocks_a_locked_out_person(admin_client: Client, employee: User) -> None:
    AccessAttempt.objects.create(
        username=employee.username,
        ip_address="10.0.0.7",
        user_agent="test",
        failures_since_start=5,
        get_data="",
        post_data="",
        http_accept="",
        path_info="/accounts/login/",
    )
    url = reverse("people:detail", args=[employee.pk])
    page = admin_client.get(url).content.decode()
    assert "5 failed sign-ins from 10.0.0.7" in page and "Unlock sign-in" in page
    assert admin_client.post(reverse("people:unlock", args=[employee.pk])).status_code == 302
    assert not AccessAttempt.objects.filter(username=employee.username).exists()
    assert AuditEvent.objects.filter(action="person.unlocked", object_id=str(employee.pk)).exists()
    assert "nothing to unlock" in admin_client.get(url).content.decode()


def test_departments_are_created_renamed_and_merged(
    admin_client: Client,
    department: Department,
    other_department: Department,
    employee: User,
    reviewer: User,
) -> None:
    url = reverse("people:departments")
    assert admin_client.post(url, {"name": "Claims"}).status_code == 302
    claims = Department.objects.get(name="Claims")
    again = admin_client.post(url, {"name": "claims"})
    assert again.status_code == 200 and "already a department" in again.content.decode()
    page = reverse("people:department", args=[claims.pk])
    assert (
        admin_client.post(page, {"action": "rename", "name": "Claims handling"}).status_code == 302
    )
    claims.refresh_from_db()
    assert (claims.name, claims.slug) == ("Claims handling", "claims")
    # Merge Engineering into Customer Service: its people move; Engineering is gone.
    merged = admin_client.post(
        reverse("people:department", args=[other_department.pk]),
        {"action": "merge", "into": department.pk},
    )
    assert merged.status_code == 302
    assert not Department.objects.filter(pk=other_department.pk).exists()
    reviewer.refresh_from_db()
    assert reviewer.department == department
    assert AuditEvent.objects.filter(action="department.merged").count() == 1
    assert AuditEvent.objects.filter(action="department.renamed").count() == 1


def test_personal_tokens_are_shown_once_and_revoked_by_their_owner(
    employee: User, lead: User
) -> None:
    client = Client()
    client.force_login(employee)
    url = reverse("people:my-tokens")
    assert "No tokens yet" in client.get(url).content.decode()
    made = client.post(url, {"name": "laptop", "expires_on": "2999-01-01"}).content.decode()
    secret = re.search(r"(gap_[\w-]+)", made)
    assert secret is not None
    listing = client.get(url).content.decode()
    assert "laptop" in listing and secret.group(1) not in listing  # never shown again
    token = BearerToken.objects.get(owner=employee)
    assert token.expires_at is not None and token.expires_at.year == 2999
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret.group(1)}")
    assert api.get("/api/v1/me/").json()["username"] == employee.username
    # Someone else's token is not there for them; its owner revokes it.
    other = Client()
    other.force_login(lead)
    assert other.post(reverse("people:token-revoke", args=[token.pk])).status_code == 404
    assert client.post(reverse("people:token-revoke", args=[token.pk])).status_code == 302
    assert api.get("/api/v1/me/").status_code == 401
    past = client.post(url, {"name": "old", "expires_on": "2001-01-01"})
    assert past.status_code == 200 and "future" in past.content.decode()


def test_admins_make_scim_tokens_on_a_page(admin_client: Client) -> None:
    made = admin_client.post(reverse("people:scim-tokens"), {"name": "Entra ID"}).content.decode()
    secret = re.search(r"(scim_[\w-]+)", made)
    assert secret is not None
    answer = Client(HTTP_AUTHORIZATION=f"Bearer {secret.group(1)}").get("/scim/v2/Users")
    assert answer.status_code == 200
    assert BearerToken.objects.get(kind=BearerToken.Kind.SCIM).created_by is not None


def test_the_admin_menu_points_to_the_people_pages(admin_client: Client, client: Client) -> None:
    home = admin_client.get("/").content.decode()
    assert reverse("people:list") in home and reverse("people:departments") in home
    assert "Django admin (emergencies only)" in home


def test_django_admin_changes_are_audited(
    admin_client: Client, admin_user: User, employee: User
) -> None:
    url = reverse("admin:portal_department_add")
    assert admin_client.post(url, {"name": "Legal", "slug": "legal"}).status_code == 302
    event = AuditEvent.objects.get(action="department.added_in_admin")
    assert event.actor == admin_user and event.after == {"name": "Legal", "slug": "legal"}
    legal = Department.objects.get(slug="legal")
    delete = reverse("admin:portal_department_delete", args=[legal.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert AuditEvent.objects.filter(action="department.deleted_in_admin").exists()


def test_directory_groups_are_mapped_on_a_page(admin_client: Client, employee: User) -> None:
    from portal.models import DirectoryGroup

    assert "No groups yet" in admin_client.get(reverse("people:groups")).content.decode()
    group = DirectoryGroup.objects.create(display_name="AI reviewers", external_id="g-1")
    group.members.add(employee)
    page = admin_client.get(reverse("people:groups")).content.decode()
    assert "AI reviewers" in page
    response = admin_client.post(
        reverse("people:groups"), {"group": group.pk, "role": Role.REVIEWER}
    )
    assert response.status_code == 302
    assert employee.groups.filter(name=Role.REVIEWER).exists()
    assert AuditEvent.objects.filter(action="directory_group.mapped").count() == 1
    both = admin_client.post(
        reverse("people:groups"),
        {"group": group.pk, "role": Role.REVIEWER, "department": employee.department_id},
        follow=True,
    )
    assert "not both" in both.content.decode()
    group.refresh_from_db()
    assert group.department_id is None


def test_a_persons_page_lists_the_use_cases_they_proposed(
    admin_client: Client, lead: User, other_lead: User
) -> None:
    from tests.usecases.conftest import make_draft

    make_draft(lead, title="Draft replies to support tickets")
    make_draft(other_lead, title="Summarise supplier contracts")
    page = admin_client.get(reverse("people:detail", args=[lead.pk])).content.decode()
    assert "Use cases they proposed (1)" in page
    assert "Draft replies to support tickets" in page
    assert "Summarise supplier contracts" not in page
    other = admin_client.get(reverse("people:detail", args=[other_lead.pk])).content.decode()
    assert "Summarise supplier contracts" in other
