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
