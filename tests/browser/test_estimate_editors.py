"""In Chromium, at 1280 and at 390 px: a reviewer edits a case's drivers in the editor (a range
for the seats), sees a bound refused next to its field, saves, and lands on the case page; an
administrator's assumptions editor fits the width too. Nothing scrolls sideways. Screenshots go
to var/screenshots/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from portal.models import User
from tests.browser_fixtures import PageProblems, sign_in
from tests.usecases.estimates_portal.helpers import priced_tool, submitted_case
from usecases.estimates.models import AssumptionsVersion, EstimateDrivers

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _fits(page: Any, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 390])
def test_reviewer_edits_a_driver(
    page: Any, page_problems: PageProblems, lead: User, reviewer: User, width: int
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": 900})
    case = submitted_case(lead, priced_tool())
    sign_in(page, reviewer.username)
    page.goto(f"/usecases/{case.reference}/estimates/shaper/drivers/")
    editor = page.get_by_test_id("drivers-editor")
    assert "Seats that need a licence" in editor.inner_text()
    assert page.get_by_label("Budget ceiling").input_value() == "500000"
    _fits(page, width)
    page.screenshot(path=str(SHOTS / f"drivers-editor-{width}.png"), full_page=True)
    page.screenshot(path=str(SHOTS / f"drivers-editor-top-{width}.png"))

    page.locator('[name="users__low"]').fill("40")
    page.locator('[name="users__likely"]').fill("50")
    page.locator('[name="users__high"]').fill("20000000")
    page.get_by_role("button", name="Save and re-estimate").click()
    seats = page.locator('[data-driver="users"]')
    seats.get_by_text("Enter a number of at most 10000000.").wait_for()
    assert not EstimateDrivers.objects.filter(usecase=case).exists()
    _fits(page, width)
    page.screenshot(path=str(SHOTS / f"drivers-editor-error-{width}.png"), full_page=True)
    seats.screenshot(path=str(SHOTS / f"drivers-editor-seats-error-{width}.png"))

    page.locator('[name="users__high"]').fill("80")
    page.get_by_role("button", name="Save and re-estimate").click()
    page.wait_for_url(f"**/usecases/{case.reference}/#estimates")
    assert page.get_by_text("The shaper drivers are saved; re-estimating.").is_visible()
    stored = EstimateDrivers.objects.get(usecase=case, archetype="shaper").drivers
    assert stored["users"] == {"low": 40.0, "high": 80.0, "mode": 50.0}
    assert stored["budget_ceiling"] == 500_000.0
    page_problems.assert_clean()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 390])
def test_admin_edits_the_assumptions(
    page: Any, page_problems: PageProblems, admin_user: User, width: int
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, admin_user.username)
    page.goto("/usecases/estimates/assumptions/")
    contingency = page.get_by_label("Contingency (%)")
    assert contingency.input_value() == "20"
    _fits(page, width)
    page.screenshot(path=str(SHOTS / f"assumptions-editor-{width}.png"), full_page=True)
    page.screenshot(path=str(SHOTS / f"assumptions-editor-top-{width}.png"))
    contingency.fill("25")
    salary = page.locator('[name="salaries__ml_engineer"]')
    assert not salary.is_visible()  # its section is closed until opened
    page.locator("summary", has_text="Salaries").click()
    salary.fill("210000")
    page.get_by_label("What changed, and why").fill("A safer contingency")
    page.get_by_role("button", name="Save a new version").click()
    page.wait_for_url("**/usecases/estimates/batches/")
    version = AssumptionsVersion.objects.order_by("-number").first()
    assert version is not None and version.number == 2
    assert version.data["contingency_percent"] == 25
    assert version.data["salaries"]["ml_engineer"] == 210_000
    page_problems.assert_clean()
