"""Net value everywhere: the case page and the portfolio's figures show the annual benefit, the
annual cost, the net a year, the payback and the three-year NPV, each with its currency."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portal.models import User
from usecases.estimates import services
from usecases.estimates.models import EstimateRun
from usecases.models import UseCase
from usecases.templatetags.usecase_format import usd

from .helpers import client_for, priced_tool, submitted_case

pytestmark = pytest.mark.django_db


def test_usd_shows_the_currency_and_a_minus_sign() -> None:
    assert usd(Decimal("1234.56")) == "$1,235 USD"
    assert usd(-182_380.0) == "\N{MINUS SIGN}$182,380 USD"


def test_a_finished_estimate_fills_benefit_and_npv_and_the_page_shows_them(
    lead: User, reviewer: User
) -> None:
    case = submitted_case(
        lead,
        priced_tool(),
        employee_users=45,
        uses_per_person_per_day=Decimal("40"),
        reviewed_by="own_draft",
    )
    for run in EstimateRun.objects.filter(usecase=case):
        assert services.estimate_run_execute(run.pk) == "done"
    case = UseCase.objects.get(pk=case.pk)
    run = EstimateRun.objects.get(usecase=case, archetype=case.recommended_archetype)
    result = run.result
    assert result is not None
    assert case.estimate_benefit_p50 == Decimal(str(result["annual_benefit"]["p50"]))
    assert case.expected_annual_benefit == case.estimate_benefit_p50  # what the portfolio sums
    assert case.estimate_npv_3y_p50 == Decimal(str(result["npv_3y"]["p50"]))
    # 8,280 h saved x $29.89 less 45 x 40 x 250 x 2 min / 60 = 15,000 h of own review at $29.89:
    # the agents spend more time checking drafts than the intake says they save.
    assert result["benefit"]["time_saved"] == round(8_280 * 29.89, 2)
    assert result["benefit"]["review_hours"] == 15_000
    page = client_for(reviewer).get(f"/usecases/{case.reference}/").content.decode()
    assert 'data-testid="net-annual"' in page and 'data-testid="npv"' in page
    assert usd(result["npv_3y"]["p50"], "") in page
    assert "The users review their own drafts" in page
    assert 'data-testid="review-exceeds"' in page  # and the page says why it does not pay
    totals = client_for(reviewer).get("/portfolio/").content.decode()
    assert 'data-testid="total-npv"' in totals and "USD" in totals
