"""Every role's predicates, and what each person's navigation offers."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from portal import roles
from portal.models import User


@pytest.mark.django_db
def test_roles_of_each_person(cast: dict[str, User]) -> None:
    assert roles.roles_of(cast["employee"]) == ["employee"]
    assert roles.roles_of(cast["lead"]) == ["employee", "business_lead"]
    assert roles.roles_of(cast["reviewer"]) == ["employee", "reviewer"]
    assert roles.roles_of(cast["author"]) == ["employee", "policy_author"]
    assert roles.roles_of(cast["approver"]) == ["employee", "policy_approver"]
    assert roles.roles_of(cast["admin"]) == ["employee", "admin"]
    assert roles.roles_of(AnonymousUser()) == []


PREDICATES = {
    "is_employee": {"employee", "lead", "other_lead", "reviewer", "author", "approver", "admin"},
    "is_business_lead": {"lead", "other_lead"},
    "is_reviewer": {"reviewer"},
    "is_policy_author": {"author"},
    "is_policy_approver": {"approver"},
    "is_admin": {"admin"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("predicate", sorted(PREDICATES))
def test_predicate_holds_for_exactly_its_role(cast: dict[str, User], predicate: str) -> None:
    check = getattr(roles, predicate)
    holders = {name for name, person in cast.items() if check(person)}
    assert holders == PREDICATES[predicate]
    assert not check(AnonymousUser())


@pytest.mark.django_db
def test_inactive_person_holds_no_role(lead: User) -> None:
    lead.is_active = False
    lead.save(update_fields=["is_active"])
    assert not roles.is_employee(lead)
    assert not roles.is_business_lead(lead)


@pytest.mark.django_db
def test_superuser_is_admin(department: object) -> None:
    boss = User.objects.create_superuser("root-admin", "root@example.com", "x-Long-passw0rd")
    assert roles.is_admin(boss)
    assert "admin" in roles.roles_of(boss)


@pytest.mark.django_db
def test_only_admins_may_read_the_audit_log(cast: dict[str, User]) -> None:
    allowed = {name for name, person in cast.items() if person.has_perm("portal.view_audit_log")}
    assert allowed == {"admin"}


@pytest.mark.django_db
def test_navigation_shows_administration_only_to_admins(client, cast: dict[str, User]) -> None:
    client.force_login(cast["employee"])
    assert "Audit log" not in client.get("/").content.decode()
    client.force_login(cast["admin"])
    assert "Audit log" in client.get("/").content.decode()


@pytest.mark.django_db
def test_a_page_reads_the_roles_once_and_never_the_model_permission_tables(
    client, cast: dict[str, User]
) -> None:
    """The home page asks about a dozen permissions, most answered "no" for an employee: the
    groups are read once, the answers kept for the request, and Django's permission tables
    (which the portal does not use) are not read at all."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(cast["employee"])
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    sql = [query["sql"] for query in queries.captured_queries]
    assert sum("auth_group" in statement for statement in sql) == 1
    assert not any("auth_permission" in statement for statement in sql)


@pytest.mark.django_db
def test_permission_answers_are_kept_per_user_object_and_object_checks_are_not(
    cast: dict[str, User], lead: User
) -> None:
    from usecases.models import UseCase

    employee = User.objects.get(pk=cast["employee"].pk)
    assert not employee.has_perm("usecases.view_portfolio")
    assert employee.__dict__["_role_permissions_cache"] == {"usecases.view_portfolio": False}
    # A new request loads the person again, with what they hold now.
    employee.groups.add(*cast["reviewer"].groups.all())
    assert User.objects.get(pk=employee.pk).has_perm("usecases.view_portfolio")
    # A check about one object is asked each time, never answered from the cache.
    mine = UseCase(submitter=lead, department=lead.department)
    theirs = UseCase(submitter=cast["other_lead"], department=cast["other_lead"].department)
    assert lead.has_perm("usecases.own_usecase", mine)
    assert not lead.has_perm("usecases.own_usecase", theirs)
    assert "usecases.own_usecase" not in lead.__dict__.get("_role_permissions_cache", {})


@pytest.mark.django_db
def test_a_high_risk_case_needs_a_sign_off_by_someone_other_than_the_approver(
    lead: User, reviewer: User, second_reviewer: User
) -> None:
    from tests.usecases.conftest import advance, assess, make_draft
    from usecases.models import SignOff, Status

    case = advance(make_draft(lead), (lead, Status.SUBMITTED), (reviewer, Status.IN_REVIEW))
    assert not roles.needs_second_sign_off(assess(case, reviewer), reviewer)
    case = assess(case, reviewer, high_risk_areas=["employment"])
    assert roles.needs_second_sign_off(case, reviewer)
    assert reviewer.has_perm("usecases.sign_off_usecase", case)
    SignOff.objects.create(usecase=case, reviewer=reviewer)
    assert roles.needs_second_sign_off(case, reviewer)  # one's own sign-off does not count
    assert not roles.needs_second_sign_off(case, second_reviewer)
    assert not reviewer.has_perm("usecases.sign_off_usecase", case)  # once per reviewer
    assert second_reviewer.has_perm("usecases.sign_off_usecase", case)
    assert not lead.has_perm("usecases.sign_off_usecase", case)


@pytest.mark.django_db
def test_the_cio_office_and_admins_see_every_case(cast: dict[str, User]) -> None:
    allowed = {name for name, p in cast.items() if p.has_perm("usecases.view_all_usecases")}
    assert allowed == {"reviewer", "admin"}
