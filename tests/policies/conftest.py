from __future__ import annotations

from typing import Any

import pytest

from policies import services
from policies.inputs import NewPolicy, PolicySettings, VersionText
from policies.models import Policy, PolicyCategory, PolicyVersion, RegisterEntry
from policies.pending import pending_change_approve
from policies.register.inputs import NewRegisterEntry, RegisterEntryChange
from policies.register.services import register_entry_create, register_entry_propose
from portal.models import User


def change_entry(entry: RegisterEntry, by: User, approver: User, **changes: Any) -> RegisterEntry:
    """Change a register entry as two people do: ``by`` proposes, ``approver`` approves what
    waits for a second person; the entry as it is then."""
    outcome = register_entry_propose(
        by=by, entry=entry, data=RegisterEntryChange.parse(changes=changes)
    )
    if outcome.pending is not None:
        pending_change_approve(by=approver, change=outcome.pending)
    return RegisterEntry.objects.get(pk=entry.pk)


def add_entry(by: User, approver: User, data: NewRegisterEntry) -> RegisterEntry:
    """Add a register entry as two people do: ``by`` adds it, ``approver`` approves the status
    and data classification asked for; the entry as it is then."""
    outcome = register_entry_create(by=by, data=data)
    if outcome.pending is not None:
        pending_change_approve(by=approver, change=outcome.pending)
    return RegisterEntry.objects.get(pk=outcome.target.pk)


def change_settings(policy: Policy, by: User, approver: User, data: PolicySettings) -> Policy:
    """Change a policy's settings as two people do (see :func:`change_entry`)."""
    outcome = services.policy_settings_propose(by=by, policy=policy, data=data)
    if outcome.pending is not None:
        pending_change_approve(by=approver, change=outcome.pending)
    return Policy.objects.get(pk=policy.pk)


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
