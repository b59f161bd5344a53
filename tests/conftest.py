"""The fixed cast of people, and the real services the suite talks to.

Every permission test reads the same way: an employee, two business leads in different
departments, a reviewer, a policy author, a policy approver and an admin.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test.utils import override_settings

from portal.models import Department, User
from portal.roles import Role
from tests.factories import make_department, make_user

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop
# The cast's passwords are hashed with MD5, here and in the servers the tests start (which read
# the environment): PBKDF2's million rounds would cost the suite minutes of hashing.
os.environ["TEST_FAST_PASSWORD_HASHING"] = "true"

pytest_plugins = ["tests.services", "tests.browser_fixtures", "tests.identity_provider"]


@pytest.fixture(scope="session", autouse=True)
def _test_settings() -> Iterator[None]:
    # Fast password hashes (see above). The live server serves static files from the source
    # folders, under their plain names;
    # production's manifest storage (hashed names) is checked by collectstatic in bin/test.
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher", *settings.PASSWORD_HASHERS]
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages, PASSWORD_HASHERS=hashers):
        yield


@pytest.fixture
def role_groups(db: None) -> dict[str, Group]:
    # Transactional tests flush the database, so the migration's groups may be gone: recreate.
    return {name: Group.objects.get_or_create(name=name)[0] for name in Role.values}


@pytest.fixture
def department(db: None) -> Department:
    return make_department(name="Customer Service", slug="customer-service")


@pytest.fixture
def other_department(db: None) -> Department:
    return make_department(name="Engineering", slug="engineering")


def _person(username: str, department: Department, *roles: str) -> User:
    user = make_user(username=username, department=department)
    for role in roles:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    if Role.ADMIN in roles:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return User.objects.get(pk=user.pk)


@pytest.fixture
def employee(role_groups: dict[str, Group], department: Department) -> User:
    return _person("emma", department)


@pytest.fixture
def lead(role_groups: dict[str, Group], department: Department) -> User:
    return _person("leo", department, Role.BUSINESS_LEAD)


@pytest.fixture
def other_lead(role_groups: dict[str, Group], other_department: Department) -> User:
    return _person("lina", other_department, Role.BUSINESS_LEAD)


@pytest.fixture
def reviewer(role_groups: dict[str, Group], other_department: Department) -> User:
    return _person("rita", other_department, Role.REVIEWER)


@pytest.fixture
def second_reviewer(role_groups: dict[str, Group], other_department: Department) -> User:
    return _person("ravi", other_department, Role.REVIEWER)


@pytest.fixture
def author(role_groups: dict[str, Group], department: Department) -> User:
    return _person("paul", department, Role.POLICY_AUTHOR)


@pytest.fixture
def approver(role_groups: dict[str, Group], other_department: Department) -> User:
    return _person("ada", other_department, Role.POLICY_APPROVER)


@pytest.fixture
def admin_user(role_groups: dict[str, Group], other_department: Department) -> User:
    return _person("alex", other_department, Role.ADMIN)


@pytest.fixture
def cast(
    employee: User,
    lead: User,
    other_lead: User,
    reviewer: User,
    author: User,
    approver: User,
    admin_user: User,
) -> dict[str, User]:
    return {
        "employee": employee,
        "lead": lead,
        "other_lead": other_lead,
        "reviewer": reviewer,
        "author": author,
        "approver": approver,
        "admin": admin_user,
    }
