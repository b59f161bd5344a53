"""Reads of the policies feature, scoped to the person asking, at a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from policies.models import (
    Acknowledgement,
    AcknowledgementTally,
    Policy,
    PolicyVersion,
    VersionStatus,
)
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
    """Addressed to everyone or to this person's department (a subquery, so no join and no
    DISTINCT over the policies' columns)."""
    if user.department_id is None:
        return Q(audience_everyone=True)
    addressed = Policy.audience_departments.through.objects.filter(
        policy=OuterRef("pk"), department=user.department_id
    )
    return Q(audience_everyone=True) | Q(Exists(addressed))


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
        .order_by("acknowledgement_due_since", "title")
    )


def person_is_in_audience(*, policy: Policy, user: User) -> bool:
    if policy.audience_everyone:
        return True
    if user.department_id is None:
        return False
    return policy.audience_departments.filter(pk=user.department_id).exists()


def owes_acknowledgement(user: User, policy: Policy, *, in_audience: bool) -> bool:
    """The rule of :func:`policies_owed_by` for one policy, in one small query: it asks for an
    acknowledgement, is published, addresses this person (``in_audience``, from
    :func:`person_is_in_audience`) and they have none that counts."""
    if not (policy.requires_acknowledgement and policy.is_published and in_audience):
        return False
    if policy.acknowledgement_from_number is None:
        return True
    return not Acknowledgement.objects.filter(
        user=user, policy=policy, version_number__gte=policy.acknowledgement_from_number
    ).exists()


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


def _head_counts(departments: list[int] | None = None) -> dict[int | None, int]:
    """Active people per department (``None``: people without one), counted now: an index-only
    scan of a partial index, since hires, leavers and moves do not pass through a service."""
    people = User.objects.filter(is_active=True)
    if departments is not None:
        people = people.filter(department__in=departments)
    return {
        row["department"]: row["people"]
        for row in people.values("department").annotate(people=Count("*")).order_by()
    }


def _tallies(policies: list[int]) -> dict[tuple[int, int | None], int]:
    """(policy, department) → people whose acknowledgement counts, from the tally the services
    keep (:class:`policies.models.AcknowledgementTally`)."""
    return {
        (policy_id, department_key or None): acknowledged
        for policy_id, department_key, acknowledged in AcknowledgementTally.objects.filter(
            policy_id__in=policies
        ).values_list("policy_id", "department_key", "acknowledged")
    }


def _report(
    policy: Policy,
    audience_ids: list[int | None],
    people: dict[int | None, int],
    tallies: dict[tuple[int, int | None], int],
    names: dict[int, str],
) -> PolicyCompliance:
    rows = sorted(
        (
            DepartmentCompliance(
                department="No department"
                if department_id is None
                else names.get(department_id, "No department"),
                audience=people[department_id],
                # Until the periodic recount, people who left may still be in the tally.
                acknowledged=min(tallies.get((policy.pk, department_id), 0), people[department_id]),
            )
            for department_id in audience_ids
            if people.get(department_id, 0)
        ),
        key=lambda row: row.department,
    )
    return PolicyCompliance(
        policy=policy,
        audience=sum(row.audience for row in rows),
        acknowledged=sum(row.acknowledged for row in rows),
        departments=rows,
    )


def compliance_of(policy: Policy) -> PolicyCompliance:
    """Acknowledgement rate overall and per department, from head counts and the tally: a
    fixed number of small queries, whatever the number of people and acknowledgements."""
    if not policy.requires_acknowledgement or policy.acknowledgement_from_number is None:
        return PolicyCompliance(policy=policy, audience=0, acknowledged=0, departments=[])
    audience: list[int] | None = None
    if not policy.audience_everyone:
        audience = list(policy.audience_departments.values_list("pk", flat=True))
    people = _head_counts(audience)
    names = dict(
        Department.objects.filter(pk__in=[pk for pk in people if pk]).values_list("pk", "name")
    )
    return _report(policy, list(people), people, _tallies([policy.pk]), names)


def compliance_overview() -> list[PolicyCompliance]:
    """Compliance of every policy that asks for acknowledgement, per department, in a fixed
    number of queries however many policies, people and acknowledgements there are."""
    policies = list(policies_needing_acknowledgement().prefetch_related("audience_departments"))
    names = dict(Department.objects.values_list("pk", "name"))
    people = _head_counts()
    tallies = _tallies([policy.pk for policy in policies])
    return [
        _report(
            policy,
            list(people)
            if policy.audience_everyone
            else [department.pk for department in policy.audience_departments.all()],
            people,
            tallies,
            names,
        )
        for policy in policies
    ]


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
