"""The compliance tally: the figures it gives always match a count of the acknowledgements.

Each test compares the compliance figures (read from :class:`AcknowledgementTally` and head
counts) with a recount done here in plain Python over every acknowledgement and person, after
the changes people make: acknowledging, acknowledging again, minor and material versions,
moving department, leaving.
"""

from __future__ import annotations

import pytest

from policies import selectors, services
from policies.inputs import NewPolicy
from policies.models import Acknowledgement, AcknowledgementTally, Policy
from policies.tasks import rebuild_acknowledgement_tally
from portal.models import Department, User
from tests.factories import make_user
from tests.policies.conftest import publish_new_version

pytestmark = pytest.mark.django_db


def recounted(policy: Policy) -> dict[str, tuple[int, int]]:
    """Department name → (acknowledged, audience), counted the slow, obvious way."""
    policy.refresh_from_db()
    people = [person for person in User.objects.select_related("department") if person.is_active]
    if not policy.audience_everyone:
        addressed = set(policy.audience_departments.values_list("pk", flat=True))
        people = [person for person in people if person.department_id in addressed]
    counting = {
        ack.user_id
        for ack in Acknowledgement.objects.filter(policy=policy)
        if ack.version_number >= (policy.acknowledgement_from_number or 0)
    }
    figures: dict[str, tuple[int, int]] = {}
    for person in people:
        name = person.department.name if person.department else "No department"
        acknowledged, audience = figures.get(name, (0, 0))
        figures[name] = (acknowledged + (person.pk in counting), audience + 1)
    return figures


def reported(policy: Policy) -> dict[str, tuple[int, int]]:
    policy.refresh_from_db()
    report = selectors.compliance_of(policy)
    figures = {row.department: (row.acknowledged, row.audience) for row in report.departments}
    overview = {
        row.department: (row.acknowledged, row.audience)
        for found in selectors.compliance_overview()
        if found.policy.pk == policy.pk
        for row in found.departments
    }
    assert figures == overview  # the dashboard and the policy's page agree
    assert report.acknowledged == sum(acknowledged for acknowledged, _ in figures.values())
    return figures


@pytest.fixture
def readers(department: Department, other_department: Department) -> list[User]:
    return [
        make_user(username=f"reader{index}", department=(department, other_department)[index % 2])
        for index in range(6)
    ]


def acknowledge(person: User, policy: Policy) -> bool:
    policy.refresh_from_db()
    assert policy.current_version is not None
    return services.acknowledgement_record(by=person, version=policy.current_version)[1]


def test_acknowledging_counts_each_person_once(
    published_policy: Policy, readers: list[User]
) -> None:
    assert all(count == 0 for count, _ in reported(published_policy).values())
    for person in readers[:4]:
        assert acknowledge(person, published_policy)
    assert not acknowledge(readers[0], published_policy)  # twice is harmless
    assert reported(published_policy) == recounted(published_policy)
    assert sum(count for count, _ in reported(published_policy).values()) == 4


def test_minor_version_keeps_and_material_version_resets_the_count(
    published_policy: Policy, readers: list[User], author: User, approver: User
) -> None:
    for person in readers[:4]:
        acknowledge(person, published_policy)
    publish_new_version(published_policy, author, approver, "# Use\n\nTypo fixed.", material=False)
    # Those who acknowledged version 1 still count; acknowledging version 2 adds nobody twice.
    acknowledge(readers[0], published_policy)
    acknowledge(readers[4], published_policy)
    assert reported(published_policy) == recounted(published_policy)
    assert sum(count for count, _ in reported(published_policy).values()) == 5

    publish_new_version(published_policy, author, approver, "# Use\n\nNew rules.", material=True)
    assert sum(count for count, _ in reported(published_policy).values()) == 0
    acknowledge(readers[1], published_policy)
    assert reported(published_policy) == recounted(published_policy)
    assert sum(count for count, _ in reported(published_policy).values()) == 1


def test_a_version_read_through_an_older_copy_of_the_policy_still_counts(
    draft_policy: Policy, published_policy: Policy, readers: list[User]
) -> None:
    """A version fetched through a copy of the policy made before it was published carries
    that copy's ``acknowledgement_from_number`` (none yet); the service reads the current one.
    (The demo company acknowledges this way.)"""
    version = draft_policy.versions.get(number=1)
    assert version.policy.acknowledgement_from_number is None  # what the old copy says
    services.acknowledgement_record(by=readers[0], version=version)
    assert reported(published_policy) == recounted(published_policy)
    assert sum(count for count, _ in reported(published_policy).values()) == 1


def test_people_who_move_or_leave_are_counted_where_they_are_after_the_recount(
    published_policy: Policy,
    readers: list[User],
    department: Department,
    other_department: Department,
) -> None:
    for person in readers:
        acknowledge(person, published_policy)
    mover, leaver = readers[0], readers[1]
    assert mover.department_id == department.pk
    User.objects.filter(pk=mover.pk).update(department=other_department)
    User.objects.filter(pk=leaver.pk).update(is_active=False)
    # Before the recount: nobody is counted twice, and no department above its head count.
    before = reported(published_policy)
    assert all(acknowledged <= audience for acknowledged, audience in before.values())
    rebuild_acknowledgement_tally()  # the periodic task's body, run here
    assert reported(published_policy) == recounted(published_policy)


def test_directory_movers_and_leavers_count_where_they_are_at_once(
    published_policy: Policy,
    readers: list[User],
    department: Department,
    other_department: Department,
) -> None:
    """Moves and leavers from the directory (SCIM, import) keep the tally exact without waiting
    for the recount; people provisioned who never signed in are in the audience and owe."""
    from portal.people.directory import (
        Actor,
        PersonFacts,
        person_deprovision,
        person_provision,
        person_update,
    )

    for person in readers:
        acknowledge(person, published_policy)
    directory = Actor(label="SCIM token tests")

    def facts(person: User, **changes: object) -> PersonFacts:
        base = PersonFacts(
            user_name=person.username,
            email=person.email,
            given_name=person.first_name,
            family_name=person.last_name,
            department=person.department.name if person.department else None,
        )
        for key, value in changes.items():
            setattr(base, key, value)
        return base

    mover, leaver, deleted = readers[0], readers[2], readers[4]
    assert mover.department_id == department.pk
    person_update(mover, facts(mover, department=other_department.name), actor=directory)
    person_update(leaver, facts(leaver, active=False), actor=directory)
    person_deprovision(deleted, actor=directory)
    newcomer, _ = person_provision(
        PersonFacts(user_name="new.hire@example.com", department=department.name), actor=directory
    )
    assert newcomer.last_login is None
    assert reported(published_policy) == recounted(published_policy)  # no recount needed
    figures = reported(published_policy)
    # Customer Service: the author (no acknowledgement) and the newcomer, who owes; the three
    # readers who acknowledged there moved out, left or were deleted.
    assert figures[department.name] == (0, 2)
    # Engineering: its three readers and the mover acknowledged; the approver did not.
    assert figures[other_department.name] == (4, 5)
    assert selectors.audience_of(published_policy).filter(pk=newcomer.pk).exists()
    assert not selectors.audience_of(published_policy).filter(pk=deleted.pk).exists()
    # The one who left and comes back counts again.
    person_update(leaver, facts(User.objects.get(pk=leaver.pk), active=True), actor=directory)
    assert reported(published_policy) == recounted(published_policy)


def test_recount_of_a_department_audience_and_of_people_without_a_department(
    author: User, approver: User, department: Department, other_department: Department
) -> None:
    policy = services.policy_create(
        by=author,
        data=NewPolicy.parse(
            title="Code assistants",
            category="acceptable_use",
            audience_everyone=False,
            audience_departments=[other_department],
        ),
    )
    publish_new_version(policy, author, approver, "# Code\n\nReview it.")
    inside = make_user(username="inside", department=other_department)
    nowhere = make_user(username="nowhere", department=None)
    acknowledge(inside, policy)
    assert reported(policy) == recounted(policy)
    assert "No department" not in reported(policy)

    everyone = services.policy_create(
        by=author, data=NewPolicy.parse(title="Stance", category="stance")
    )
    publish_new_version(everyone, author, approver, "# Stance\n\nCareful.")
    acknowledge(nowhere, everyone)
    assert reported(everyone)["No department"] == (1, 1)
    assert reported(everyone) == recounted(everyone)
    AcknowledgementTally.objects.all().delete()  # lost: the recount brings every figure back
    services.acknowledgement_tally_rebuild()
    assert reported(everyone) == recounted(everyone)
    assert reported(policy) == recounted(policy)
