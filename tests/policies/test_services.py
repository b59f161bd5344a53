"""Every transition and every refusal of the policy services; acknowledgement logic."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from policies import selectors, services
from policies.inputs import NewPolicy, ReturnReason, VersionText
from policies.models import Acknowledgement, Policy, PolicyCategory, PolicyVersion, VersionStatus
from portal.boundary import Refused
from portal.models import AuditEvent, Department, User
from tests.factories import make_user
from tests.policies.conftest import publish_new_version


@pytest.mark.django_db
def test_create_makes_a_first_draft(draft_policy: Policy, author: User) -> None:
    version = draft_policy.versions.get()
    assert version.number == 1
    assert version.status == VersionStatus.DRAFT
    assert version.author == author
    assert "<h1" in version.body_html
    assert AuditEvent.objects.filter(action="policy.created").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("title", ["", "   ", "x" * 201])
def test_a_bad_title_is_refused(author: User, title: str) -> None:
    with pytest.raises(Refused) as error:
        services.policy_create(
            by=author, data=NewPolicy.parse(title=title, category=PolicyCategory.STANCE)
        )
    assert "title" in error.value.errors
    assert not Policy.objects.exists()


@pytest.mark.django_db
def test_a_very_large_body_is_refused_not_stored(draft_policy: Policy, author: User) -> None:
    version = draft_policy.versions.get()
    with pytest.raises(Refused) as error:
        services.policy_version_update(
            version=version,
            by=author,
            data=VersionText.parse(
                body_markdown="x" * 210_000, summary_of_changes="", is_material=True
            ),
        )
    assert "200 KB" in error.value.errors["body_markdown"][0]
    assert (
        PolicyVersion.objects.get(pk=version.pk).body_markdown == "# Acceptable use\n\nBe careful."
    )


@pytest.mark.django_db
def test_submit_then_publish(draft_policy: Policy, author: User, approver: User) -> None:
    version = draft_policy.versions.get()
    services.policy_version_submit(version=version, by=author)
    published = services.policy_version_publish(version=version, by=approver)
    assert published.status == VersionStatus.PUBLISHED
    assert published.approver == approver
    policy = Policy.objects.get(pk=draft_policy.pk)
    assert policy.current_version == published
    assert policy.acknowledgement_from_number == 1


@pytest.mark.django_db
def test_an_empty_draft_cannot_be_submitted(author: User) -> None:
    policy = services.policy_create(
        by=author, data=NewPolicy.parse(title="Empty", category=PolicyCategory.OTHER)
    )
    with pytest.raises(Refused, match="Write the policy text"):
        services.policy_version_submit(version=policy.versions.get(), by=author)


@pytest.mark.django_db
def test_an_author_cannot_approve_their_own_version(draft_policy: Policy, author: User) -> None:
    version = draft_policy.versions.get()
    services.policy_version_submit(version=version, by=author)
    with pytest.raises(Refused, match="four-eyes"):
        services.policy_version_publish(version=version, by=author)
    assert PolicyVersion.objects.get(pk=version.pk).status == VersionStatus.IN_REVIEW


@pytest.mark.django_db
def test_a_draft_cannot_be_published_without_review(draft_policy: Policy, approver: User) -> None:
    with pytest.raises(Refused, match="Only a version in review"):
        services.policy_version_publish(version=draft_policy.versions.get(), by=approver)


@pytest.mark.django_db
def test_publishing_supersedes_the_previous_version(
    published_policy: Policy, author: User, approver: User
) -> None:
    second = publish_new_version(published_policy, author, approver, "# v2")
    first = published_policy.versions.get(number=1)
    assert first.status == VersionStatus.SUPERSEDED
    assert first.superseded_at is not None
    assert Policy.objects.get(pk=published_policy.pk).current_version == second


@pytest.mark.django_db
def test_a_published_version_is_never_edited_again(published_policy: Policy, author: User) -> None:
    version = published_policy.versions.get(number=1)
    with pytest.raises(Refused, match="can no longer be edited"):
        services.policy_version_update(
            version=version,
            by=author,
            data=VersionText.parse(
                body_markdown="changed", summary_of_changes="", is_material=True
            ),
        )
    # Nor around the services: the database refuses.
    with pytest.raises(DatabaseError, match="cannot be edited"), transaction.atomic():
        PolicyVersion.objects.filter(pk=version.pk).update(body_markdown="changed")
    assert PolicyVersion.objects.get(pk=version.pk).body_markdown.startswith("# Acceptable use")


@pytest.mark.django_db
def test_only_one_open_version_at_a_time(published_policy: Policy, author: User) -> None:
    services.policy_version_create_draft(policy=published_policy, by=author)
    with pytest.raises(Refused, match="finish it before starting another"):
        services.policy_version_create_draft(policy=published_policy, by=author)


@pytest.mark.django_db
def test_an_approver_returns_a_version_with_a_reason(
    draft_policy: Policy, author: User, approver: User
) -> None:
    version = draft_policy.versions.get()
    services.policy_version_submit(version=version, by=author)
    with pytest.raises(Refused):
        services.policy_version_return_to_draft(
            version=version, by=approver, data=ReturnReason.parse(reason=" ")
        )
    services.policy_version_return_to_draft(
        version=version, by=approver, data=ReturnReason.parse(reason="Too vague")
    )
    assert PolicyVersion.objects.get(pk=version.pk).status == VersionStatus.DRAFT
    assert AuditEvent.objects.get(action="policy_version.returned").comment == "Too vague"


@pytest.mark.django_db
def test_everyone_in_the_audience_owes_a_published_policy(
    published_policy: Policy, cast: dict[str, User]
) -> None:
    for person in cast.values():
        assert list(selectors.policies_owed_by(person)) == [published_policy]


@pytest.mark.django_db
def test_a_person_outside_the_audience_does_not_owe_it(
    author: User, approver: User, employee: User, other_lead: User, department: Department
) -> None:
    policy = services.policy_create(
        by=author,
        data=NewPolicy.parse(
            title="Service desk rules",
            category=PolicyCategory.OTHER,
            body_markdown="Text",
            audience_everyone=False,
            audience_departments=[department],
        ),
    )
    publish_new_version(policy, author, approver, "Text")
    assert list(selectors.policies_owed_by(employee)) == [policy]
    assert list(selectors.policies_owed_by(other_lead)) == []


@pytest.mark.django_db
def test_acknowledging_clears_the_debt_and_twice_is_harmless(
    published_policy: Policy, employee: User
) -> None:
    version = published_policy.versions.get(number=1)
    _ack, created = services.acknowledgement_record(by=employee, version=version)
    assert created
    _ack, created_again = services.acknowledgement_record(by=employee, version=version)
    assert not created_again
    assert Acknowledgement.objects.filter(user=employee).count() == 1
    assert list(selectors.policies_owed_by(employee)) == []


@pytest.mark.django_db
def test_a_material_change_asks_again_and_a_minor_one_does_not(
    published_policy: Policy, author: User, approver: User, employee: User
) -> None:
    services.acknowledgement_record(by=employee, version=published_policy.versions.get(number=1))
    publish_new_version(published_policy, author, approver, "# minor", material=False)
    assert list(selectors.policies_owed_by(employee)) == []
    publish_new_version(published_policy, author, approver, "# material", material=True)
    assert list(selectors.policies_owed_by(employee)) == [published_policy]


@pytest.mark.django_db
def test_a_superseded_version_cannot_be_acknowledged(
    published_policy: Policy, author: User, approver: User, employee: User
) -> None:
    publish_new_version(published_policy, author, approver, "# v2")
    with pytest.raises(Refused, match="Only the current published version"):
        services.acknowledgement_record(
            by=employee, version=published_policy.versions.get(number=1)
        )


@pytest.mark.django_db
def test_compliance_numbers_on_a_known_data_set(
    published_policy: Policy, department: Department, other_department: Department
) -> None:
    people_a = [make_user(username=f"a{i}", department=department) for i in range(4)]
    people_b = [make_user(username=f"b{i}", department=other_department) for i in range(6)]
    version = published_policy.versions.get(number=1)
    for person in people_a[:3] + people_b[:2]:
        services.acknowledgement_record(by=person, version=version)
    make_user(username="gone", department=department, is_active=False)
    report = selectors.compliance_of(published_policy)
    by_department = {row.department: (row.acknowledged, row.audience) for row in report.departments}
    # The author (Customer Service) and approver (Engineering) are in the audience too.
    assert by_department == {"Customer Service": (3, 5), "Engineering": (2, 7)}
    assert (report.acknowledged, report.audience) == (5, 12)
    owing = set(selectors.people_owing(published_policy).values_list("username", flat=True))
    assert owing == {"a3", "b2", "b3", "b4", "b5", "paul", "ada"}


@pytest.mark.django_db
def test_the_overview_agrees_with_the_per_policy_figures(
    published_policy: Policy, author: User, approver: User, department: Department,
    other_department: Department,
) -> None:  # fmt: skip
    targeted = services.policy_create(
        by=author,
        data=NewPolicy.parse(
            title="Engineering only",
            category="other",
            body_markdown="x",
            audience_everyone=False,
            audience_departments=[other_department],
        ),
    )
    publish_new_version(targeted, author, approver, "x")
    people = [make_user(username=f"p{i}", department=department) for i in range(3)]
    services.acknowledgement_record(by=people[0], version=published_policy.versions.get())
    services.acknowledgement_record(by=approver, version=targeted.versions.get())
    overview = {report.policy.slug: report for report in selectors.compliance_overview()}
    for policy in (published_policy, targeted):
        single = selectors.compliance_of(Policy.objects.get(pk=policy.pk))
        assert overview[policy.slug].departments == single.departments
        assert (overview[policy.slug].acknowledged, overview[policy.slug].audience) == (
            single.acknowledged,
            single.audience,
        )
    assert [row.department for row in overview[targeted.slug].departments] == ["Engineering"]


@pytest.mark.django_db
def test_compliance_overview_costs_the_same_queries_for_many_policies(
    author: User, approver: User, reviewer: User
) -> None:
    client = Client()
    client.force_login(reviewer)

    def queries_of_the_overview() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get("/compliance/").status_code == 200
        return len(context.captured_queries)

    def publish(prefix: str, count: int) -> None:
        for index in range(count):
            policy = services.policy_create(
                by=author,
                data=NewPolicy.parse(title=f"{prefix}{index}", category="other", body_markdown="x"),
            )
            publish_new_version(policy, author, approver, "x")

    publish("A", 2)
    few = queries_of_the_overview()
    publish("B", 10)
    assert queries_of_the_overview() == few


def test_publishing_records_its_audit_event_with_who_and_what(
    draft_policy: Policy, author: User, approver: User
) -> None:
    version = publish_new_version(draft_policy, author, approver, "# Acceptable use\n\nCareful.")
    event = AuditEvent.objects.get(action="policy_version.published", object_id=str(version.pk))
    assert event.actor == approver
    assert event.object_type == "policies.policyversion"
    assert (event.before or {})["status"] == "in_review"
    assert (event.after or {}) == {"status": "published", "material": True}
    second = publish_new_version(draft_policy, author, approver, "# Acceptable use\n\nMore.")
    superseding = AuditEvent.objects.get(
        action="policy_version.published", object_id=str(second.pk)
    )
    assert (superseding.before or {})["superseded"] == version.number


def test_the_database_refuses_a_version_approved_by_its_author_on_its_own(
    draft_policy: Policy, author: User
) -> None:
    """The check constraint alone (no service): an author recorded as the approver of their
    own version is refused by PostgreSQL."""
    version = draft_policy.versions.get()
    with (
        pytest.raises(IntegrityError, match="version_approver_is_not_author"),
        transaction.atomic(),
    ):
        PolicyVersion.objects.filter(pk=version.pk).update(approver=author)
    assert PolicyVersion.objects.get(pk=version.pk).approver is None


def test_the_author_withdraws_their_version_and_reads_why_one_was_returned(
    draft_policy: Policy, author: User, approver: User, client: Client
) -> None:
    version = draft_policy.versions.get()
    services.policy_version_submit(by=author, version=version)
    with pytest.raises(Refused) as not_theirs:
        services.policy_version_withdraw(by=approver, version=version)
    assert not_theirs.value.kind == "forbidden"
    services.policy_version_withdraw(by=author, version=version)
    version = PolicyVersion.objects.get(pk=version.pk)
    assert version.status == VersionStatus.DRAFT
    withdrawn = AuditEvent.objects.get(action="policy_version.withdrawn", object_id=str(version.pk))
    assert withdrawn.actor == author and (withdrawn.after or {}) == {"status": "draft"}
    assert services.returned_with(version) is None
    services.policy_version_submit(by=author, version=version)
    services.policy_version_return_to_draft(
        by=approver,
        version=PolicyVersion.objects.get(pk=version.pk),
        data=ReturnReason.parse(reason="Add an example of a forbidden prompt."),
    )
    client.force_login(author)
    page = client.get(f"/policies/{draft_policy.slug}/versions/{version.number}/edit/")
    body = page.content.decode()
    assert 'data-testid="returned-reason"' in body
    assert "Add an example of a forbidden prompt." in body
    services.policy_version_submit(by=author, version=PolicyVersion.objects.get(pk=version.pk))
    assert services.returned_with(PolicyVersion.objects.get(pk=version.pk)) is None
    shown = client.get(f"/policies/{draft_policy.slug}/versions/{version.number}/").content.decode()
    assert "Withdraw from review" in shown and "Approve and publish" not in shown
    client.force_login(approver)
    theirs = client.get(
        f"/policies/{draft_policy.slug}/versions/{version.number}/"
    ).content.decode()
    assert "Withdraw from review" not in theirs and "Approve and publish" in theirs


def test_the_authors_home_page_lists_what_was_returned_to_them(
    draft_policy: Policy, author: User, approver: User, client: Client
) -> None:
    version = draft_policy.versions.get()
    client.force_login(author)
    assert 'data-testid="returned-to-you"' not in client.get("/").content.decode()
    services.policy_version_submit(by=author, version=version)
    services.policy_version_return_to_draft(
        by=approver,
        version=PolicyVersion.objects.get(pk=version.pk),
        data=ReturnReason.parse(reason="Name who approves exceptions."),
    )
    home = client.get("/").content.decode()
    assert 'data-testid="returned-to-you"' in home and "Name who approves exceptions." in home
    services.policy_version_submit(by=author, version=PolicyVersion.objects.get(pk=version.pk))
    assert 'data-testid="returned-to-you"' not in client.get("/").content.decode()


def test_a_returned_version_is_emailed_to_its_author_with_the_reason(
    draft_policy: Policy, author: User, approver: User, mailoutbox: list
) -> None:
    from policies.tasks import notify_version_returned

    version = draft_policy.versions.get()
    services.policy_version_submit(by=author, version=version)
    services.policy_version_return_to_draft(
        by=approver, version=version, data=ReturnReason.parse(reason="Say who the owner is.")
    )
    event = AuditEvent.objects.get(action="policy_version.returned", object_id=str(version.pk))
    assert notify_version_returned(event.pk) == 1
    (mail,) = mailoutbox
    assert mail.to == [author.email] and "returned to you" in mail.subject
    assert "Say who the owner is." in mail.body and f"/versions/{version.number}/edit/" in mail.body
