"""The demo company: departments and a person per role. Later features add their own demo data
through :func:`register_demo_step`; ``manage.py seed_demo`` runs every step, idempotently."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.text import slugify

from portal.models import Department, User
from portal.roles import Role

DEMO_PASSWORD = "portal-demo-2026"  # noqa: S105 - published demo accounts, printed on start

DEPARTMENTS = [
    "Customer Service",
    "Engineering",
    "Finance",
    "Human Resources",
    "Legal",
    "Marketing and Sales",
    "IT Operations",
    "Product and R&D",
]


@dataclass(frozen=True)
class DemoPerson:
    username: str
    first_name: str
    last_name: str
    department: str
    roles: tuple[str, ...]


DEMO_PEOPLE = [
    DemoPerson("emma", "Emma", "Employee", "Customer Service", ()),
    DemoPerson("leo", "Leo", "Lead", "Customer Service", (Role.BUSINESS_LEAD,)),
    DemoPerson("lina", "Lina", "Lead", "Engineering", (Role.BUSINESS_LEAD,)),
    DemoPerson("rita", "Rita", "Reviewer", "IT Operations", (Role.REVIEWER,)),
    DemoPerson("ravi", "Ravi", "Reviewer", "IT Operations", (Role.REVIEWER,)),
    DemoPerson("paul", "Paul", "Author", "Legal", (Role.POLICY_AUTHOR,)),
    DemoPerson("ada", "Ada", "Approver", "Legal", (Role.POLICY_APPROVER,)),
    DemoPerson("alex", "Alex", "Admin", "IT Operations", (Role.ADMIN,)),
]

DemoStep = Callable[[], str]
_STEPS: list[DemoStep] = []


def register_demo_step(step: DemoStep) -> DemoStep:
    if step not in _STEPS:
        _STEPS.append(step)
    return step


@transaction.atomic
def seed_people() -> str:
    departments = {}
    for name in DEPARTMENTS:
        departments[name], _ = Department.objects.get_or_create(
            slug=slugify(name), defaults={"name": name}
        )
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in Role.values}
    for person in DEMO_PEOPLE:
        user, created = User.objects.get_or_create(
            username=person.username,
            defaults={
                "first_name": person.first_name,
                "last_name": person.last_name,
                "email": f"{person.username}@example.com",
                "department": departments[person.department],
                "is_staff": Role.ADMIN in person.roles,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        user.groups.add(*[groups[role] for role in person.roles])
    return f"{len(DEPARTMENTS)} departments, {len(DEMO_PEOPLE)} people"


def seed_all() -> list[str]:
    return [seed_people(), *[step() for step in _STEPS]]
