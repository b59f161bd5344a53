"""In Chromium: a reviewer opens a case whose estimates are still waiting (the broker was down
when it was submitted), sees the three archetypes side by side with their progress, and sees
the results land once the sweeper hands the runs to the real worker."""

from __future__ import annotations

from typing import Any

import pytest

from portal.models import User
from tests.browser_fixtures import PageProblems, sign_in
from tests.services import broker_unreachable
from tests.usecases.estimates_portal.helpers import priced_tool, submitted_case
from usecases.estimates import services
from usecases.estimates.models import EstimateRun, RunStatus


@pytest.mark.browser
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_reviewer_sees_progress_then_results(
    page: Any,
    page_problems: PageProblems,
    celery_worker: str,
    lead: User,
    reviewer: User,
) -> None:
    with broker_unreachable():
        case = submitted_case(lead, priced_tool())
    assert set(EstimateRun.objects.filter(usecase=case).values_list("status", flat=True)) == {
        RunStatus.WAITING
    }

    sign_in(page, reviewer.username)
    page.goto(f"/usecases/{case.reference}/")
    for archetype in ("taker", "shaper", "maker"):
        card = page.get_by_test_id(f"estimate-{archetype}")
        card.get_by_role("progressbar").wait_for()
        assert card.get_attribute("data-status") == "waiting"
    assert page.get_by_test_id("estimate-shaper").get_by_text("Recommended").is_visible()

    assert services.estimates_sweep() == 3  # what beat does every minute
    for archetype in ("taker", "shaper", "maker"):
        page.locator(f'[data-testid="estimate-{archetype}"][data-status="done"]').wait_for(
            timeout=60_000
        )
    assert page.get_by_test_id("estimate-figures").count() == 3
    page.locator("#estimates-chart").wait_for()
    # Every card shows its figures whole at desktop width (the Maker's millions were cut).
    cut = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid="estimate-figures"]')]
             .filter((t) => t.scrollWidth > t.parentElement.clientWidth + 1).length"""
    )
    assert cut == 0
    page_problems.assert_clean()
