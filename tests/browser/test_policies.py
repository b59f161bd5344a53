"""In Chromium: an author drafts and submits, an approver publishes, an employee acknowledges."""

from __future__ import annotations

import pytest

from policies.models import Acknowledgement, Policy, VersionStatus
from portal.models import User
from tests.browser_fixtures import PageProblems, sign_in

HOSTILE = (
    '<script>alert("x")</script>\n\n<img src=x onerror=alert(1)>\n\n[link](javascript:alert(2))'
)


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_draft_submit_publish_acknowledge(
    page, page_problems: PageProblems, author: User, approver: User, employee: User
) -> None:
    sign_in(page, "paul")
    page.get_by_role("link", name="Policies").click()
    page.get_by_role("link", name="New policy").first.click()
    page.get_by_label("Title").fill("Use of chat assistants")
    page.get_by_label("Category").select_option("acceptable_use")
    page.get_by_role("button", name="Create draft").click()
    page.wait_for_url("**/versions/1/edit/")

    page.get_by_label("Text").fill("## Rules\n\nUse **approved** tools only.\n\n" + HOSTILE)
    preview = page.locator("#preview")
    preview.locator("strong", has_text="approved").wait_for()  # the live preview (htmx)
    assert "<script>" in preview.inner_text()  # shown as text, not run
    page.get_by_role("button", name="Save and submit for review").click()
    page.get_by_text("Submitted for review").wait_for()
    _sign_out(page)

    sign_in(page, "ada")
    page.get_by_role("link", name="Review").click()
    page.get_by_role("button", name="Approve and publish").click()
    page.get_by_text("Version 1 is published").wait_for()
    _sign_out(page)

    sign_in(page, "emma")
    page.get_by_role("link", name="Read and acknowledge").click()
    assert page.get_by_test_id("ack-banner").is_visible()
    page.get_by_role("button", name="Acknowledge").click()
    page.get_by_text("Thank you: you acknowledged").wait_for()

    policy = Policy.objects.get(title="Use of chat assistants")
    assert policy.current_version is not None
    assert policy.current_version.status == VersionStatus.PUBLISHED
    assert Acknowledgement.objects.filter(user=employee, policy=policy).exists()
    page_problems.assert_clean()  # no script ran: no dialog, no script error, no CSP violation


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 390])
def test_author_proposes_a_settings_change_and_an_approver_approves_it(
    page, page_problems: PageProblems, author: User, approver: User, width: int
) -> None:
    from policies import services
    from policies.inputs import NewPolicy
    from policies.models import PendingChange
    from tests.policies.conftest import publish_new_version

    policy = services.policy_create(
        by=author,
        data=NewPolicy.parse(
            title="Acceptable use", category="acceptable_use", body_markdown="# Use\n\nBe careful."
        ),
    )
    publish_new_version(policy, author, approver, "# Use\n\nBe careful.")
    page.set_viewport_size({"width": width, "height": 900})

    sign_in(page, "paul")
    page.goto(f"/policies/{policy.slug}/settings/")
    page.get_by_label("Title").fill("Acceptable use of AI")
    page.get_by_label("Requires acknowledgement").uncheck()
    page.get_by_role("button", name="Save settings").click()
    page.get_by_text("it takes effect when an approver agrees").wait_for()
    card = page.get_by_test_id("pending-change")
    assert "Acceptable use of AI" in card.inner_text()
    assert card.get_by_role("button", name="Withdraw change").is_visible()
    assert card.get_by_role("button", name="Approve change").count() == 0  # not theirs to use
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert Policy.objects.get(pk=policy.pk).title == "Acceptable use"  # not yet
    page.context.clear_cookies()

    sign_in(page, "ada")
    panel = page.get_by_text("Changes waiting for you (1)")
    panel.wait_for()
    page.get_by_role("link", name="Review").first.click()
    page.wait_for_url(f"**/policies/{policy.slug}/")
    card = page.get_by_test_id("pending-change")
    assert "Requires acknowledgement" in card.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    card.get_by_role("button", name="Approve change").click()
    page.get_by_text("Change approved").wait_for()
    assert page.get_by_role("heading", name="Acceptable use of AI").is_visible()

    policy = Policy.objects.get(pk=policy.pk)
    assert (policy.title, policy.requires_acknowledgement) == ("Acceptable use of AI", False)
    assert PendingChange.objects.get().decided_by == approver
    page_problems.assert_clean()
