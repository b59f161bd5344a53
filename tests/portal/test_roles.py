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
