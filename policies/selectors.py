"""Reads of the policies feature, scoped to the person asking, at a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from policies.models import Acknowledgement, Policy, PolicyVersion, VersionStatus
from portal.models import Department, User
from portal.roles import is_admin, is_policy_approver, is_policy_author


def may_see_unpublished(user: User) -> bool:
    return bool(is_policy_author(user) or is_policy_approver(user) or is_admin(user))


def policies_visible_to(user: User) -> QuerySet[Policy]:
    """Published policies for everyone; authors, approvers and admins also see unpublished ones."""
    policies = Policy.objects.select_related("current_version")
    if may_see_unpublished(user):
        return policies
    return policies.filter(current_version__isnull=False)


def versions_visible_to(user: User, policy: Policy) -> QuerySet[PolicyVersion]:
    versions = policy.versions.select_related("author", "approver").order_by("-number")
    if may_see_unpublished(user):
        return versions
    return versions.filter(status__in=[VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED])


def in_audience_of(user: User) -> Q:
    return Q(audience_everyone=True) | Q(audience_departments=user.department_id)


def policies_owed_by(user: User) -> QuerySet[Policy]:
    """Published policies asking this person for an acknowledgement they have not given yet."""
    counted = Acknowledgement.objects.filter(
        user=user,
        policy=OuterRef("pk"),
        version_number__gte=OuterRef("acknowledgement_from_number"),
    )
    return (
        Policy.objects.filter(requires_acknowledgement=True, current_version__isnull=False)
        .filter(in_audience_of(user))
        .exclude(Exists(counted))
        .select_related("current_version")
        .distinct()
        .order_by("acknowledgement_due_since", "title")
    )


def policy_list_for(user: User) -> list[dict[str, object]]:
    """The policies page: each visible policy with whether this person owes it."""
    owed_ids = set(policies_owed_by(user).values_list("pk", flat=True))
    rows = []
    for policy in policies_visible_to(user).order_by("category", "title"):
        rows.append({"policy": policy, "owed": policy.pk in owed_ids})
    return rows


def audience_of(policy: Policy) -> QuerySet[User]:
    people = User.objects.filter(is_active=True)
    if not policy.audience_everyone:
        people = people.filter(department__in=policy.audience_departments.all())
    return people


def _counted_acknowledgement(policy: Policy) -> Exists:
    return Exists(
        Acknowledgement.objects.filter(
            policy=policy,
            user=OuterRef("pk"),
            version_number__gte=policy.acknowledgement_from_number or 0,
        )
    )


def _people_who_acknowledged(policy: Policy) -> QuerySet[Acknowledgement, Any]:
    """Ids of the people whose acknowledgement counts, as an uncorrelated subquery: PostgreSQL
    reads the policy's acknowledgements once into a hash, instead of probing them per person."""
    return Acknowledgement.objects.filter(
        policy=policy, version_number__gte=policy.acknowledgement_from_number or 0
    ).values("user_id")


@dataclass(frozen=True)
class DepartmentCompliance:
    department: str
    audience: int
    acknowledged: int

    @property
    def owing(self) -> int:
        return self.audience - self.acknowledged

    @property
    def rate(self) -> float:
        return 100.0 * self.acknowledged / self.audience if self.audience else 100.0


@dataclass(frozen=True)
class PolicyCompliance:
    policy: Policy
    audience: int
    acknowledged: int
    departments: list[DepartmentCompliance]

    @property
    def owing(self) -> int:
        return self.audience - self.acknowledged

    @property
    def rate(self) -> float:
        return 100.0 * self.acknowledged / self.audience if self.audience else 100.0


def compliance_of(policy: Policy) -> PolicyCompliance:
    """Acknowledgement rate overall and per department: one grouped query."""
    if not policy.requires_acknowledgement or policy.acknowledgement_from_number is None:
        return PolicyCompliance(policy=policy, audience=0, acknowledged=0, departments=[])
    rows = (
        audience_of(policy)
        .values("department__name")
        .annotate(
            total=Count("id"),
            acked=Count("id", filter=Q(pk__in=_people_who_acknowledged(policy))),
        )
        .order_by("department__name")
    )
    departments = [
        DepartmentCompliance(
            department=row["department__name"] or "No department",
            audience=row["total"],
            acknowledged=row["acked"],
        )
        for row in rows
    ]
    return PolicyCompliance(
        policy=policy,
        audience=sum(row.audience for row in departments),
        acknowledged=sum(row.acknowledged for row in departments),
        departments=departments,
    )


def compliance_overview() -> list[PolicyCompliance]:
    """Compliance of every policy that asks for acknowledgement, per department, in a fixed
    number of queries however many policies, people and acknowledgements there are."""
    policies = list(policies_needing_acknowledgement().prefetch_related("audience_departments"))
    departments = dict(Department.objects.values_list("pk", "name"))
    people = {
        row["department"]: row["total"]
        for row in User.objects.filter(is_active=True)
        .values("department")
        .annotate(total=Count("id"))
        .order_by()
    }
    acknowledged: dict[tuple[int, int | None], int] = {
        (row["policy"], row["user__department"]): row["people"]
        for row in Acknowledgement.objects.filter(
            policy__in=[policy.pk for policy in policies],
            user__is_active=True,
            version_number__gte=F("policy__acknowledgement_from_number"),
        )
        .values("policy", "user__department")
        .annotate(people=Count("user", distinct=True))
        .order_by()
    }
    reports = []
    for policy in policies:
        audience_ids = (
            list(people)
            if policy.audience_everyone
            else [department.pk for department in policy.audience_departments.all()]
        )
        rows = sorted(
            (
                DepartmentCompliance(
                    department=departments.get(department_id, "No department")
                    if department_id is not None
                    else "No department",
                    audience=people.get(department_id, 0),
                    acknowledged=acknowledged.get((policy.pk, department_id), 0),
                )
                for department_id in audience_ids
                if people.get(department_id, 0)
            ),
            key=lambda row: row.department,
        )
        reports.append(
            PolicyCompliance(
                policy=policy,
                audience=sum(row.audience for row in rows),
                acknowledged=sum(row.acknowledged for row in rows),
                departments=rows,
            )
        )
    return reports


def people_owing(policy: Policy) -> QuerySet[User]:
    if policy.acknowledgement_from_number is None:
        return User.objects.none()
    return (
        audience_of(policy)
        .exclude(_counted_acknowledgement(policy))
        .select_related("department")
        .order_by("department__name", "last_name", "first_name", "username")
    )


def policies_needing_acknowledgement() -> QuerySet[Policy]:
    return Policy.objects.filter(
        requires_acknowledgement=True, current_version__isnull=False
    ).order_by("title")
