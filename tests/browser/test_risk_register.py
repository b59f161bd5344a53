"""In Chromium: a reviewer rates a risk, picks its owner from the directory by name and judges
what is left after the mitigation; the case page then ranks the register with its bands. At
desktop width and at 390 px, with no console error. Screenshots go to var/screenshots/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from portal.models import User
from tests.browser_fixtures import PageProblems, sign_in
from tests.usecases.conftest import advance, assess, make_draft
from usecases.models import Status

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 390])
def test_a_reviewer_ranks_the_register_and_picks_an_owner(
    page: Any,
    page_problems: PageProblems,
    lead: User,
    reviewer: User,
    second_reviewer: User,
    width: int,
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    case = advance(make_draft(lead), (lead, Status.SUBMITTED), (reviewer, Status.IN_REVIEW))
    case = assess(case, reviewer)
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, reviewer.username)
    page.goto(reverse("usecases:risks", args=[case.reference]))
    page.get_by_label("Likelihood of Confabulation", exact=True).select_option("5")
    page.get_by_label("Severity of Confabulation", exact=True).select_option("4")
    page.get_by_label("Mitigation of Confabulation").fill("A person checks every answer.")
    page.get_by_label("Residual likelihood of Confabulation").select_option("2")
    page.get_by_label("Residual severity of Confabulation").select_option("3")
    owner = page.get_by_label("Owner of Confabulation")
    owner.press_sequentially(second_reviewer.first_name[:4], delay=30)
    # The picker fills the datalist from the directory as one types.
    option = page.locator(f'#risk-owner-options option[value="{second_reviewer.username}"]')
    option.wait_for(state="attached")
    owner.fill(second_reviewer.username)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(SHOTS / f"risk-register-{width}.png"), full_page=True)
    page.get_by_role("button", name="Save the register").click()
    page.wait_for_url(f"**{reverse('usecases:detail', args=[case.reference])}*")
    table = page.get_by_test_id("risk-table")
    text = table.inner_text()
    assert "20 · Critical" in text and "6 · Medium" in text
    assert second_reviewer.display_name in text
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    table.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"risk-table-{width}.png"))
    page_problems.assert_clean()
