"""The policy pages per role, through the real views."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from policies import services
from policies.inputs import NewPolicy
from policies.models import Acknowledgement, Policy, PolicyCategory, VersionStatus
from portal.models import User
from tests.factories import make_user
from tests.policies.conftest import publish_new_version


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_employee_reads_and_acknowledges_from_the_home_page(
    published_policy: Policy, employee: User
) -> None:
    client = _client(employee)
    home = client.get("/").content.decode()
    assert "Policies to acknowledge (1)" in home
    assert f"/policies/{published_policy.slug}/" in home
    page = client.get(f"/policies/{published_policy.slug}/").content.decode()
    assert "Please read and acknowledge" in page
    response = client.post(f"/policies/{published_policy.slug}/acknowledge/")
    assert response.status_code == 302
    assert Acknowledgement.objects.filter(user=employee).count() == 1
    assert "Policies to acknowledge" not in client.get("/").content.decode()
    again = client.post(f"/policies/{published_policy.slug}/acknowledge/", follow=True)
    assert "already acknowledged" in again.content.decode()
    assert Acknowledgement.objects.filter(user=employee).count() == 1


@pytest.mark.django_db
def test_drafts_are_invisible_to_employees(
    draft_policy: Policy, employee: User, author: User
) -> None:
    assert _client(employee).get(f"/policies/{draft_policy.slug}/").status_code == 404
    assert _client(author).get(f"/policies/{draft_policy.slug}/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("person", "status"),
    [("employee", 403), ("lead", 403), ("reviewer", 403), ("approver", 403), ("author", 200)],
)
def test_only_authors_write_policies(cast: dict[str, User], person: str, status: int) -> None:
    assert _client(cast[person]).get("/policies/new/").status_code == status


@pytest.mark.django_db
def test_author_creates_a_policy_and_bad_input_is_explained(author: User) -> None:
    client = _client(author)
    refused = client.post("/policies/new/", {"title": "", "category": "stance"})
    assert refused.status_code == 200
    assert "This field is required" in refused.content.decode()
    assert not Policy.objects.exists()
    created = client.post(
        "/policies/new/",
        {"title": "Our stance", "category": "stance", "requires_acknowledgement": "on",
         "audience_everyone": "on", "body_markdown": "# Stance"},
    )  # fmt: skip
    assert created.status_code == 302
    assert Policy.objects.get().title == "Our stance"


@pytest.mark.django_db
def test_publishing_through_the_page_needs_another_approver(
    draft_policy: Policy, author: User, approver: User, role_groups
) -> None:
    version = draft_policy.versions.get()
    services.policy_version_submit(version=version, by=author)
    url = f"/policies/{draft_policy.slug}/versions/1/publish/"
    assert _client(author).post(url).status_code == 403  # authors do not approve
    both = make_user(username="author-approver", department=author.department)
    both.groups.add(role_groups["policy_author"], role_groups["policy_approver"])
    # The author of a version who is also an approver is refused with a message.
    other = services.policy_create(
        by=both,
        data=NewPolicy.parse(title="Second", category=PolicyCategory.OTHER, body_markdown="text"),
    )
    services.policy_version_submit(version=other.versions.get(), by=both)
    response = _client(both).post(f"/policies/{other.slug}/versions/1/publish/", follow=True)
    assert "four-eyes" in response.content.decode()
    assert other.versions.get().status == VersionStatus.IN_REVIEW
    assert _client(approver).post(url).status_code == 302
    assert draft_policy.versions.get().status == VersionStatus.PUBLISHED


@pytest.mark.django_db
def test_history_and_diff_show_what_changed(
    published_policy: Policy, author: User, approver: User, employee: User
) -> None:
    publish_new_version(published_policy, author, approver, "# Acceptable use\n\nBe very careful.")
    client = _client(employee)
    assert "v2" in client.get(f"/policies/{published_policy.slug}/history/").content.decode()
    diff = client.get(f"/policies/{published_policy.slug}/diff/?from=1&to=2").content.decode()
    assert "diff-added" in diff and "Be very careful." in diff
    assert "diff-removed" in diff
    bad = client.get(f"/policies/{published_policy.slug}/diff/?from=9&to=x")
    assert bad.status_code == 302


@pytest.mark.django_db
def test_compliance_is_for_the_cio_office_and_authors(
    published_policy: Policy, cast: dict[str, User]
) -> None:
    allowed = {
        name
        for name, person in cast.items()
        if _client(person).get("/compliance/").status_code == 200
    }
    assert allowed == {"reviewer", "author", "admin"}


@pytest.mark.django_db
def test_csv_of_who_owes_is_complete_and_formula_safe(
    published_policy: Policy, reviewer: User, department
) -> None:
    make_user(username="mallory", first_name='=HYPERLINK("http://evil")', department=department)
    response = _client(reviewer).get(f"/compliance/{published_policy.slug}/owing.csv")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(content.decode())))
    assert rows[0][0] == "username"
    usernames = {row[0] for row in rows[1:]}
    assert {"mallory", "rita", "paul", "ada"} <= usernames
    mallory = next(row for row in rows if row[0] == "mallory")
    assert mallory[1].startswith("'=")


@pytest.mark.django_db
def test_list_pages_cost_the_same_queries_for_many_policies(
    author: User, approver: User, reviewer: User, django_assert_max_num_queries
) -> None:
    for index in range(12):
        policy = services.policy_create(
            by=author,
            data=NewPolicy.parse(title=f"Policy {index}", category="other", body_markdown="text"),
        )
        publish_new_version(policy, author, approver, "text")
    client = _client(reviewer)
    with django_assert_max_num_queries(10):
        assert client.get("/policies/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/").status_code == 200
