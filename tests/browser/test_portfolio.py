"""In Chromium: a reviewer filters the portfolio, the table and the chart change together, a
bubble opens its case, and the export downloads."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from portal.models import Department, User
from tests.browser_fixtures import PageProblems, sign_in
from tests.usecases.portfolio.conftest import make_known_portfolio
from usecases.models import UseCase

POINTS = """() => {
  const chart = Chart.getChart(document.getElementById("portfolio-chart"));
  return chart.data.datasets.flatMap((d) => d.data.map((p) => p.reference)).sort();
}"""

FIRST_POINT_POSITION = """() => {
  const canvas = document.getElementById("portfolio-chart");
  canvas.scrollIntoView({ block: "center", behavior: "instant" });
  const chart = Chart.getChart(canvas);
  const meta = chart.getDatasetMeta(0);
  const box = canvas.getBoundingClientRect();
  return {
    x: box.left + meta.data[0].x,
    y: box.top + meta.data[0].y,
    reference: chart.data.datasets[0].data[0].reference,
  };
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_reviewer_filters_charts_opens_and_exports(
    page,
    page_problems: PageProblems,
    reviewer: User,
    lead: User,
    other_lead: User,
    department: Department,
    other_department: Department,
    tmp_path: Path,
) -> None:
    k: dict[str, UseCase] = make_known_portfolio(lead, other_lead, department, other_department)
    sign_in(page, "rita")
    page.get_by_role("link", name="Portfolio", exact=True).first.click()
    page.wait_for_url("**/portfolio/")
    rows = page.get_by_test_id("portfolio-row")
    assert rows.count() == 4
    assert sorted(page.evaluate(POINTS)) == sorted(str(k[x].reference) for x in ("a", "b", "d"))

    page.get_by_label("Department").select_option("engineering")  # the form submits itself
    page.wait_for_url("**/portfolio/?department=engineering")
    assert [rows.nth(i).get_attribute("data-reference") for i in range(rows.count())] == [
        k["b"].reference,
        k["d"].reference,
    ]
    assert page.evaluate(POINTS) == sorted([str(k["b"].reference), str(k["d"].reference)])
    assert page.get_by_test_id("total-count").inner_text() == "2"

    with page.expect_download() as download_info:
        page.get_by_test_id("export-csv").click()
    download = download_info.value
    target = tmp_path / "portfolio.csv"
    download.save_as(target)
    exported = list(csv.DictReader(io.StringIO(target.read_text())))
    assert [r["Reference"] for r in exported] == [k["b"].reference, k["d"].reference]

    bubble = page.evaluate(FIRST_POINT_POSITION)
    page.mouse.click(bubble["x"], bubble["y"])
    page.wait_for_url(f"**/usecases/{bubble['reference']}/")
    assert bubble["reference"] in page.content()
    page_problems.assert_clean()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_portfolio_table_fits_a_1280_screen(
    page,
    page_problems: PageProblems,
    reviewer: User,
    lead: User,
    other_lead: User,
    department: Department,
    other_department: Department,
) -> None:
    """Every column of the table is on screen at 1280 px, with figures as wide as a real
    portfolio's (millions, negative NPVs, a recommended archetype, open findings)."""
    from decimal import Decimal

    make_known_portfolio(lead, other_lead, department, other_department)
    UseCase.objects.update(
        recommended_archetype="shaper",
        expected_annual_benefit=Decimal("1370000"),
        estimate_one_time_p50=Decimal("533000"),
        estimate_annual_p50=Decimal("1050000"),
        estimate_payback_months=287.0,
        estimate_npv_3y_p50=Decimal("-1310000"),
        risk_tier="limited",
        status="in_delivery",
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, "rita")
    page.goto("/portfolio/")
    box = page.get_by_test_id("portfolio-table").locator("xpath=..")
    widths = box.evaluate("(e) => [e.scrollWidth, e.clientWidth]")
    assert widths[0] <= widths[1], f"the table scrolls sideways: {widths}"
    assert page.get_by_role("link", name="Status").is_visible()
    assert "\N{MINUS SIGN}$1.31M" in page.get_by_test_id("portfolio-table").inner_text()
    page_problems.assert_clean()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_totals_never_break_inside_a_number(
    page,
    page_problems: PageProblems,
    reviewer: User,
    lead: User,
    other_lead: User,
    department: Department,
    other_department: Department,
) -> None:
    from decimal import Decimal

    make_known_portfolio(lead, other_lead, department, other_department)
    UseCase.objects.update(
        expected_annual_benefit=Decimal("5080904"),
        estimate_one_time_p50=Decimal("2187067"),
        estimate_annual_p50=Decimal("2634435"),
        estimate_npv_3y_p50=Decimal("4115824"),
    )
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "rita")
    page.goto("/portfolio/")
    # Each figure's amount (before " USD") lies on one line.
    lines = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid="portfolio-totals"] .stat')]
          .map((stat) => {
            const text = stat.firstChild;
            const range = document.createRange();
            range.setStart(text, 0);
            range.setEnd(text, text.textContent.split(" ")[0].length);
            return [text.textContent, range.getClientRects().length];
          })"""
    )
    assert len(lines) == 4 and any("$" in text for text, _ in lines)
    assert all(count == 1 for _, count in lines), lines
    page_problems.assert_clean()
