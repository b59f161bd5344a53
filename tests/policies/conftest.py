from __future__ import annotations

import pytest

from policies import services
from policies.inputs import NewPolicy, VersionText
from policies.models import Policy, PolicyCategory, PolicyVersion
from portal.models import User


def publish_new_version(
    policy: Policy, author: User, approver: User, body: str, *, material: bool = True
) -> PolicyVersion:
    version = policy.versions.filter(status="draft").first() or (
        services.policy_version_create_draft(policy=policy, by=author)
    )
    services.policy_version_update(
        version=version,
        by=author,
        data=VersionText.parse(
            body_markdown=body,
            summary_of_changes="Changes." if version.number > 1 else "",
            is_material=material,
        ),
    )
    services.policy_version_submit(version=version, by=author)
    return services.policy_version_publish(version=version, by=approver)


@pytest.fixture
def draft_policy(author: User) -> Policy:
    return services.policy_create(
        by=author,
        data=NewPolicy.parse(
            title="Acceptable use",
            category=PolicyCategory.ACCEPTABLE_USE,
            body_markdown="# Acceptable use\n\nBe careful.",
        ),
    )


@pytest.fixture
def published_policy(draft_policy: Policy, author: User, approver: User) -> Policy:
    publish_new_version(draft_policy, author, approver, "# Acceptable use\n\nBe careful.")
    return Policy.objects.get(pk=draft_policy.pk)
