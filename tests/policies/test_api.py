"""The policies API: same permissions as the pages, clear errors, one outcome under races."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from policies import selectors, services
from policies.inputs import NewPolicy
from policies.models import (
    Acknowledgement,
    AcknowledgementTally,
    Policy,
    PolicyVersion,
    VersionStatus,
)
from portal.boundary import Refused
from portal.models import User
from tests.factories import make_user


def _api(user: User) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.mark.django_db
def test_author_drafts_submits_and_an_approver_publishes_through_the_api(
    author: User, approver: User, employee: User
) -> None:
    created = _api(author).post(
        "/api/v1/policies/",
        {"title": "API policy", "category": "security", "body_markdown": "## Keys\n\nNever."},
        format="json",
    )
    assert created.status_code == 201, created.json()
    slug = created.json()["slug"]
    assert _api(employee).get(f"/api/v1/policies/{slug}/").status_code == 404  # not published
    assert _api(author).post(f"/api/v1/policies/{slug}/versions/1/submit/").status_code == 200
    own = _api(author).post(f"/api/v1/policies/{slug}/versions/1/publish/")
    assert own.status_code == 403
    published = _api(approver).post(f"/api/v1/policies/{slug}/versions/1/publish/")
    assert published.status_code == 200
    assert published.json()["status"] == "published"
    owed = _api(employee).get("/api/v1/acknowledgements/owed/").json()
    assert [policy["slug"] for policy in owed] == [slug]
    first = _api(employee).post(f"/api/v1/policies/{slug}/acknowledge/")
    second = _api(employee).post(f"/api/v1/policies/{slug}/acknowledge/")
    assert (first.status_code, second.status_code) == (201, 200)
    assert _api(employee).get("/api/v1/acknowledgements/owed/").json() == []


@pytest.mark.django_db
def test_an_author_who_is_also_an_approver_cannot_publish_their_own(
    author: User, role_groups
) -> None:
    author.groups.add(role_groups["policy_approver"])
    author = User.objects.get(pk=author.pk)
    policy = services.policy_create(
        by=author, data=NewPolicy.parse(title="Own", category="other", body_markdown="x")
    )
    services.policy_version_submit(version=policy.versions.get(), by=author)
    response = _api(author).post(f"/api/v1/policies/{policy.slug}/versions/1/publish/")
    assert response.status_code == 409
    assert "four-eyes" in response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": "", "category": "stance"}, "title"),
        ({"title": "x", "category": "astrology"}, "category"),
        ({"title": "x", "category": "stance", "body_markdown": "x" * 210_000}, "body_markdown"),
        ({"title": "x", "category": "stance", "body_markdown": "bad\x00byte"}, "body_markdown"),
        ({"title": "x", "category": "stance", "audience_everyone": False}, "audience_departments"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(author: User, payload: dict, field: str) -> None:
    response = _api(author).post("/api/v1/policies/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Policy.objects.exists()


@pytest.mark.django_db
def test_editing_a_published_version_is_a_conflict(published_policy: Policy, author: User) -> None:
    response = _api(author).put(
        f"/api/v1/policies/{published_policy.slug}/versions/1/",
        {"body_markdown": "rewritten", "summary_of_changes": "", "is_material": True},
        format="json",
    )
    assert response.status_code == 409
    assert "can no longer be edited" in response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("person", "status"),
    [("employee", 403), ("lead", 403), ("reviewer", 200), ("author", 200), ("admin", 200)],
)
def test_compliance_figures_per_role(
    published_policy: Policy, cast: dict[str, User], person: str, status: int
) -> None:
    response = _api(cast[person]).get(f"/api/v1/policies/{published_policy.slug}/compliance/")
    assert response.status_code == status
    if status == 200:
        assert response.json()["audience"] == len(cast)


@pytest.mark.django_db
def test_search_api_needs_words(employee: User) -> None:
    response = _api(employee).get("/api/v1/search/")
    assert response.status_code == 400
    assert response.json()["errors"]["q"] == ["Give some words to search for."]
    assert _api(employee).get("/api/v1/search/?q=anything").json() == []


def _race(count: int, action) -> list[object]:
    """Run ``action(index)`` in ``count`` real threads released at the same moment."""
    barrier = threading.Barrier(count)
    outcomes: list[object] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait()
            outcomes[index] = action(index)
        except Exception as error:  # the outcome of a loser is its refusal
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_publishes_give_one_version_and_clear_refusals(
    author: User, role_groups, department
) -> None:
    approvers = []
    for index in range(20):
        person = make_user(username=f"approver{index}", department=department)
        person.groups.add(role_groups["policy_approver"])
        approvers.append(person)
    policy = services.policy_create(
        by=author, data=NewPolicy.parse(title="Raced", category="other", body_markdown="x")
    )
    version = policy.versions.get()
    services.policy_version_submit(version=version, by=author)

    outcomes = _race(
        20, lambda i: services.policy_version_publish(version=version, by=approvers[i])
    )
    winners = [outcome for outcome in outcomes if isinstance(outcome, PolicyVersion)]
    losers = [outcome for outcome in outcomes if isinstance(outcome, Refused)]
    assert len(winners) == 1
    assert len(losers) == 19
    assert all("published already" in str(loser) for loser in losers)
    assert PolicyVersion.objects.filter(policy=policy, status=VersionStatus.PUBLISHED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_fifty_people_acknowledging_at_once_lose_nothing(
    published_policy: Policy, department
) -> None:
    people = [make_user(username=f"reader{i}", department=department) for i in range(50)]
    version = published_policy.versions.get(number=1)

    def acknowledge_twice(index: int) -> tuple[bool, bool]:
        first = services.acknowledgement_record(by=people[index], version=version)[1]
        return first, services.acknowledgement_record(by=people[index], version=version)[1]

    outcomes = _race(50, acknowledge_twice)
    assert outcomes == [(True, False)] * 50
    assert Acknowledgement.objects.filter(version=version).count() == 50
    # The compliance tally counted each of them once, though they were counted at the same time.
    published_policy.refresh_from_db()
    report = selectors.compliance_of(published_policy)
    assert report.acknowledged == 50
    assert (
        AcknowledgementTally.objects.get(
            policy=published_policy, department_key=department.pk
        ).acknowledged
        == 50
    )
