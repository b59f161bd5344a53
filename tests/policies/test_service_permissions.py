"""The policy and register services check the caller's role themselves (``portal.roles``),
whoever calls them: a page, the API, a task or the shell. A refusal changes nothing."""

from __future__ import annotations

import pytest

from policies import services
from policies.inputs import NewPolicy, PolicySettings, ReturnReason, VersionText
from policies.models import Acknowledgement, Policy, PolicyVersion, RegisterEntry, VersionStatus
from policies.register.inputs import NewRegisterEntry, RegisterEntryChange
from policies.register.services import register_entry_create, register_entry_propose
from portal.boundary import Refused
from portal.models import AuditEvent, User
from portal.roles import can_publish
from tests.policies.conftest import add_entry, change_entry

pytestmark = pytest.mark.django_db

TOOL = {"name": "Acme Chat", "kind": "chat_assistant", "status": "approved"}


def refused(action: object) -> Refused:
    events = AuditEvent.objects.count()
    with pytest.raises(Refused) as refusal:
        action()  # type: ignore[operator]
    assert refusal.value.kind == Refused.FORBIDDEN
    assert AuditEvent.objects.count() == events
    return refusal.value


@pytest.mark.parametrize("who", ["employee", "lead", "reviewer", "approver"])
def test_only_authors_create_policies(cast: dict[str, User], who: str) -> None:
    data = NewPolicy.parse(title="Transcripts", category="other", body_markdown="Ask.")
    refused(lambda: services.policy_create(by=cast[who], data=data))
    assert not Policy.objects.exists()


@pytest.mark.parametrize("who", ["employee", "lead", "reviewer", "approver"])
def test_only_authors_change_a_policy_and_its_drafts(
    draft_policy: Policy, cast: dict[str, User], who: str
) -> None:
    person = cast[who]
    version = draft_policy.versions.get()
    settings = PolicySettings.parse(title="Taken over", category="other")
    refused(lambda: services.policy_settings_propose(by=person, policy=draft_policy, data=settings))
    text = VersionText.parse(body_markdown="Rewritten.")
    refused(lambda: services.policy_version_update(by=person, version=version, data=text))
    refused(lambda: services.policy_version_submit(by=person, version=version))
    assert Policy.objects.get(pk=draft_policy.pk).title == "Acceptable use"
    assert PolicyVersion.objects.get(pk=version.pk).status == VersionStatus.DRAFT


@pytest.mark.parametrize("who", ["employee", "lead", "reviewer", "author"])
def test_only_approvers_publish_or_return(
    draft_policy: Policy, cast: dict[str, User], author: User, who: str
) -> None:
    version = services.policy_version_submit(by=author, version=draft_policy.versions.get())
    person = cast[who]
    if who != "author":  # the author is refused by the four-eyes rule first (a conflict)
        refusal = refused(lambda: services.policy_version_publish(by=person, version=version))
        assert "approvers" in str(refusal)
    reason = ReturnReason.parse(reason="Not like this.")
    refused(
        lambda: services.policy_version_return_to_draft(by=person, version=version, data=reason)
    )
    assert PolicyVersion.objects.get(pk=version.pk).status == VersionStatus.IN_REVIEW


def test_can_publish_is_an_approver_who_did_not_write_the_version(
    draft_policy: Policy, cast: dict[str, User]
) -> None:
    version = draft_policy.versions.get()
    allowed = {name for name, person in cast.items() if can_publish(person, version)}
    assert allowed == {"approver", "admin"}
    assert not can_publish(cast["admin"], PolicyVersion(author=cast["admin"]))


def test_nobody_signed_out_acknowledges(published_policy: Policy) -> None:
    from django.contrib.auth.models import AnonymousUser

    version = published_policy.versions.get()
    refused(lambda: services.acknowledgement_record(by=AnonymousUser(), version=version))  # type: ignore[arg-type]
    assert not Acknowledgement.objects.exists()


@pytest.mark.parametrize("who", ["employee", "lead", "reviewer", "approver"])
def test_only_authors_and_admins_write_the_register(
    cast: dict[str, User], author: User, who: str
) -> None:
    person = cast[who]
    refused(lambda: register_entry_create(by=person, data=NewRegisterEntry.parse(TOOL)))
    entry = add_entry(author, cast["approver"], NewRegisterEntry.parse(TOOL))
    change = RegisterEntryChange.parse(changes={"status": "prohibited"})
    refused(lambda: register_entry_propose(by=person, entry=entry, data=change))
    assert RegisterEntry.objects.get(pk=entry.pk).status == "approved"
    changed = change_entry(entry, cast["admin"], cast["approver"], status="prohibited")
    assert changed.status == "prohibited"
