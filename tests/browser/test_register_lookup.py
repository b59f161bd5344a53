"""An employee checks a tool against their data in Chromium, through htmx and the CSP."""

from __future__ import annotations

import pytest

from policies.models import RegisterEntry
from portal.models import User
from tests.browser_fixtures import PageProblems, sign_in


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_employee_checks_a_tool_and_sees_the_answer(
    page, page_problems: PageProblems, employee: User
) -> None:
    RegisterEntry.objects.create(
        name="Acme Chat",
        slug="acme-chat",
        vendor="Acme",
        kind="chat_assistant",
        status="approved",
        max_data_classification="internal",
    )
    sign_in(page, "emma")
    page.get_by_role("link", name="AI tools").click()
    page.wait_for_url("**/tools/")
    assert page.get_by_test_id("answer-prompt").is_visible()

    page.get_by_label("Tool or model").select_option("acme-chat")
    page.get_by_text("Now choose the data").wait_for()
    page.get_by_label("The most sensitive data you would use with it").select_option("confidential")
    answer = page.get_by_test_id("answer")
    answer.wait_for()
    assert answer.get_attribute("data-verdict") == "no"
    assert "confidential data is more sensitive" in answer.inner_text()
    assert "tool=acme-chat" in page.url and "data=confidential" in page.url  # shareable

    page.get_by_label("The most sensitive data you would use with it").select_option("internal")
    page.locator('[data-verdict="yes"]').wait_for()
    assert page.get_by_test_id("answer-headline").inner_text().strip().endswith("Yes")

    page.reload()  # the shared link answers without htmx too
    assert page.get_by_test_id("answer").get_attribute("data-verdict") == "yes"
    page_problems.assert_clean()
