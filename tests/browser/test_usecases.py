"""In Chromium: a lead proposes a use case in steps and submits it; a reviewer rates it, sees a
guardrail finding, requests an exception that a second reviewer grants, and approves; the lead
sees the decision."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from portal.models import User
from tests.browser_fixtures import PageProblems, sign_in
from tests.usecases.conftest import make_tool, ready_for_approval
from usecases.models import GuardrailException, Status, UseCase


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_propose_review_and_approve(
    page, page_problems: PageProblems, lead: User, reviewer: User, second_reviewer: User
) -> None:
    make_tool("internal-chat", name="Internal Chat", max_data_classification="internal")

    sign_in(page, "leo")
    page.get_by_role("link", name="Use cases", exact=True).click()
    page.get_by_role("link", name="Propose a use case").first.click()
    page.get_by_label("Title").fill("Summarise long customer tickets")
    page.get_by_label("What problem does it solve?").fill(
        "Agents read ticket threads of 30 messages before they can answer."
    )
    page.get_by_label("How would AI help?").fill(
        "Summarise the thread at the top of each ticket; the agent reads it first."
    )
    page.get_by_label("Kind of value").select_option("productivity")
    page.get_by_label("Business function").select_option("customer_service")
    page.get_by_role("button", name="Next").click()
    page.wait_for_url("**/edit/value/")

    page.get_by_label("People who would use it or be affected").fill("40")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text(re.compile(r"Draft UC-\d+ saved")).wait_for()
    page.get_by_label("Main benefit").select_option("hours_saved")
    page.get_by_label("Hours saved per person per week").fill("2.5")
    page.get_by_label("Confidence in this estimate (%)").fill("60")
    page.get_by_role("button", name="Next").click()
    page.wait_for_url("**/edit/data/")

    page.get_by_label("Most sensitive data it would use").select_option("confidential")
    page.get_by_label("Customer data").check()
    page.get_by_label("Internal staff").check()
    page.get_by_label("How people check the output").select_option("every_output")
    page.get_by_role("button", name="Next").click()
    page.wait_for_url("**/edit/use/")
    page.get_by_role("button", name="Next").click()  # volume and review: left as assumed
    page.wait_for_url("**/edit/tools/")
    page.get_by_label(re.compile("Internal Chat")).check()
    page.get_by_role("button", name="Next").click()
    page.wait_for_url("**/edit/systems/")
    page.get_by_role("button", name="Next").click()  # "skip if unsure"
    page.wait_for_url("**/edit/review/")
    page.get_by_text("The guardrails flag 1 point").wait_for()
    page.get_by_role("button", name="Submit for review").click()
    page.get_by_text("is now submitted").wait_for()
    usecase = UseCase.objects.get(title="Summarise long customer tickets")
    assert usecase.status == Status.SUBMITTED
    _sign_out(page)

    sign_in(page, "rita")
    page.get_by_role("link", name="Review queue", exact=True).click()
    row = page.get_by_test_id("queue-row").filter(has_text=usecase.reference)
    assert "1 guardrail finding" in row.inner_text()
    row.get_by_role("link", name=usecase.reference).click()
    page.get_by_role("button", name="Start review").click()
    page.get_by_text("is now in review").wait_for()

    page.get_by_role("link", name="Answer the questionnaire").click()
    page.get_by_label("People talk or write to it directly").check()
    page.get_by_role("button", name="Save answers and see the tier").click()
    page.get_by_text("Risk tier: Limited risk").wait_for()

    page.get_by_role("link", name="Rate the criteria").click()
    for label in ["Strategic fit", "Financial impact", "Reach", "Data readiness"]:
        page.get_by_label(label, exact=True).select_option("4")
    for label in ["Technical simplicity", "Skills available", "Ease of integration"]:
        page.get_by_label(label, exact=True).select_option("3")
    page.get_by_role("button", name="Save ratings").click()
    page.get_by_text("Ratings saved").wait_for()

    finding = page.get_by_test_id("finding")
    assert "Internal Chat is not approved for confidential data" in finding.inner_text()
    # The approve panel lists what is still missing, each a link to where it is done.
    missing = page.get_by_test_id("approval-missing")
    assert "Resolve the open guardrail findings" in missing.inner_text()
    assert page.get_by_role("button", name="Approve").count() == 0
    page.get_by_label("Why is this acceptable?").fill("Pilot with anonymised tickets only.")
    page.get_by_label("On what conditions?").fill("One team, anonymised tickets, during the pilot.")
    page.get_by_label("Ends on").fill(
        (timezone.localdate() + datetime.timedelta(days=90)).isoformat()
    )
    page.get_by_role("button", name="Request exception").click()
    page.get_by_text("Exception requested").first.wait_for()
    # Four eyes: the requester has no grant button; another reviewer grants it.
    assert page.get_by_role("button", name="Grant exception").count() == 0
    _sign_out(page)
    sign_in(page, second_reviewer.username)
    page.goto(f"/usecases/{usecase.reference}/")
    page.get_by_role("button", name="Grant exception").click()
    page.get_by_text("Exception granted").first.wait_for()
    _sign_out(page)
    sign_in(page, "rita")
    page.goto(f"/usecases/{usecase.reference}/")
    missing = page.get_by_test_id("approval-missing")
    assert "Resolve the open guardrail findings" not in missing.inner_text()
    missing.get_by_role("link", name="Review the NIST AI 600-1 risk register").click()
    page.wait_for_url("**/risks/")
    page.go_back()
    # The archetype, the register and the estimate, as the CIO office gives them.
    ready_for_approval(usecase, reviewer)
    page.reload()
    page.get_by_role("button", name="Approve").click()
    page.get_by_text("is now approved").wait_for()
    _sign_out(page)

    sign_in(page, "leo")
    page.get_by_role("link", name="Use cases", exact=True).click()
    row = page.get_by_role("row").filter(has_text=usecase.reference)
    assert "Approved" in row.inner_text()
    row.get_by_role("link", name=usecase.reference).click()
    assert "approved it" in page.get_by_test_id("timeline").inner_text()

    usecase.refresh_from_db()
    assert usecase.status == Status.APPROVED and usecase.priority_score is not None
    assert GuardrailException.objects.filter(
        usecase=usecase, requested_by=reviewer, granted_by=second_reviewer
    ).exists()
    page_problems.assert_clean()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_decision_is_one_tap_from_the_top(
    browser, live_server, lead: User, reviewer: User
) -> None:
    """The case page is long on a phone (the side column comes last): a reviewer reaches the
    approve / hold / reject panel from the header; on a desktop the panel is beside the case."""
    from tests.usecases.conftest import advance, assess, make_draft

    case = assess(
        advance(make_draft(lead), (lead, Status.SUBMITTED), (reviewer, Status.IN_REVIEW)), reviewer
    )
    for width, shown in ((390, True), (1280, False)):
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": 844}
        )
        page = context.new_page()
        sign_in(page, reviewer.username)
        page.goto(f"/usecases/{case.reference}/")
        jump = page.get_by_test_id("jump-to-next-step")
        assert jump.is_visible() is shown
        if shown:
            assert page.evaluate("document.documentElement.scrollHeight") > 2 * 844
            jump.click()
            panel = page.get_by_role("region", name="What happens next")
            page.wait_for_function(
                "() => { const r = document.getElementById('next-step').getBoundingClientRect();"
                " return r.top >= 0 && r.top < 200; }"
            )
            assert panel.get_by_role("button", name="Put on hold").is_visible()
        context.close()
