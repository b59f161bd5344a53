"""In Chromium: cross-site scripting payloads stored in every text the pages show run nowhere.

Each payload that could run sets ``window.__xss`` or opens a dialog (``tests/hostile.py``). On
every page that shows them, as the people who see them, the test asserts: no dialog, no script
error, no console error (a Content-Security-Policy violation is one: the CSP would block an
inline handler, so a report means something was injected), ``window.__xss`` undefined, no
injected element in the DOM, and, since the CSP is defence in depth and not the fix, the raw
HTML from the server holds every payload escaped and the page shows it as text.
"""

from __future__ import annotations

from typing import Any

import pytest

from portal.models import User
from tests.browser_fixtures import PageProblems, sign_in
from tests.hostile import INJECTED_SELECTORS, MARKDOWN_XSS, XSS
from tests.portal.test_hostile_input import World, injected_markup, seed_every_payload
from tests.usecases.conftest import make_tool
from usecases.models import UseCase

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MARKED_UP = {name: p for name, p in XSS.items() if any(c in p for c in "<>\"'&")}

CHART_POINTS = """() => {
  const canvas = document.getElementById("portfolio-chart");
  canvas.scrollIntoView({ block: "center", behavior: "instant" });
  const chart = Chart.getChart(canvas);
  const box = canvas.getBoundingClientRect();
  return chart.data.datasets.flatMap((dataset, d) =>
    chart.getDatasetMeta(d).data.map((element, i) => ({
      x: box.left + element.x,
      y: box.top + element.y,
      title: dataset.data[i].title,
    })));
}"""

TOOLTIP_SHOWS = """(title) => {
  const tooltip = Chart.getChart(document.getElementById("portfolio-chart")).tooltip;
  return tooltip.getActiveElements().length > 0 &&
    tooltip.body.flatMap((b) => b.lines).some((line) => line.includes(title));
}"""


@pytest.fixture(autouse=True)
def _quick_password_hashing(settings: Any) -> None:
    # The cast's passwords are hashed for every test; their strength is not under test here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _as(page: Any, username: str) -> None:
    sign_out = page.get_by_role("button", name="Sign out")
    if page.url.startswith("http") and sign_out.count():
        sign_out.click()
        page.wait_for_url("**/accounts/login/")
    sign_in(page, username)


def _visit_and_check(page: Any, url: str, shows: tuple[str, ...] = ()) -> None:
    """Open ``url``; nothing injected ran or exists; the payloads in ``shows`` read as text."""
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    raw = response.text()
    unescaped = [name for name, payload in MARKED_UP.items() if payload in raw]
    assert unescaped == [], f"{url}: served unescaped: {unescaped}"
    assert injected_markup(raw) == [], url
    page.wait_for_load_state("load")
    assert page.evaluate("() => window.__xss") is None, f"{url}: a payload ran"
    for selector in INJECTED_SELECTORS:
        assert page.locator(selector).count() == 0, f"{url}: {selector} is in the DOM"
    text = page.locator("body").inner_text()
    for payload in shows:
        assert payload in text, f"{url} does not show {payload!r} as text"


def _hover_every_bubble(page: Any) -> list[str]:
    """Hover each bubble of the portfolio chart until its tooltip shows the case's title (drawn
    on the canvas: text, whatever it holds); the titles seen."""
    seen = []
    for point in page.evaluate(CHART_POINTS):
        page.mouse.move(point["x"], point["y"])
        page.wait_for_function(TOOLTIP_SHOWS, arg=point["title"])
        seen.append(point["title"])
    return seen


def test_payloads_stored_everywhere_run_nowhere(
    page: Any, page_problems: PageProblems, cast: dict[str, User], second_reviewer: User
) -> None:
    world = World(
        cast=cast,
        second_reviewer=second_reviewer,
        tool=make_tool("approved-model"),
        narrow_tool=make_tool("internal-chat", max_data_classification="internal"),
    )
    seeded = seed_every_payload(world)
    case, draft, policy, tool = (seeded[k] for k in ("case", "draft", "policy", "tool"))
    # Scores, so that every payload-titled case is a bubble on the chart.
    for n, usecase in enumerate(UseCase.objects.filter(title__in=list(XSS.values()))):
        UseCase.objects.filter(pk=usecase.pk).update(
            value_score=10 + 4 * n, feasibility_score=90 - 4 * n, priority_score=50 + n
        )
    titles = tuple(XSS.values())

    _as(page, "leo")
    _visit_and_check(page, "/", shows=(XSS["script_tag"],))
    _visit_and_check(page, "/usecases/", shows=titles)
    _visit_and_check(page, f"/usecases/{draft.reference}/edit/idea/")
    assert page.get_by_label("Title").input_value() == draft.title  # the value, not markup
    assert page.get_by_label("What problem does it solve?").input_value() == draft.problem

    _as(page, "rita")
    _visit_and_check(page, "/", shows=(case.title,))
    _visit_and_check(page, f"/usecases/{case.reference}/", shows=(case.title,))
    _visit_and_check(page, f"/usecases/{case.reference}/ratings/")
    _visit_and_check(page, f"/usecases/{case.reference}/risks/")
    _visit_and_check(page, "/review/", shows=(case.title,))
    _visit_and_check(page, "/portfolio/", shows=titles)
    assert sorted(_hover_every_bubble(page)) == sorted(titles)
    assert page.evaluate("() => window.__xss") is None
    _visit_and_check(page, "/portfolio/decisions/", shows=(XSS["textarea_breakout"],))
    _visit_and_check(page, "/portfolio/summary/")
    _visit_and_check(page, "/portfolio/compliance/", shows=(XSS["attribute_breakout"],))

    _as(page, "emma")
    _visit_and_check(page, "/", shows=(policy.title,))
    _visit_and_check(page, "/policies/", shows=(policy.title, XSS["img_onerror"]))
    _visit_and_check(
        page, f"/policies/{policy.slug}/", shows=(policy.title, "A hostile paragraph.")
    )
    _visit_and_check(page, "/tools/", shows=(tool.name,))
    _visit_and_check(page, f"/tools/{tool.slug}/", shows=(tool.name, tool.conditions_of_use))
    _visit_and_check(page, f"/tools/?tool={tool.slug}&data=restricted")
    _visit_and_check(page, "/search/?q=hostile")
    assert page.locator("mark").count() > 0  # highlighted, with the payloads around as text

    _as(page, "paul")
    _visit_and_check(page, f"/policies/{policy.slug}/history/", shows=(XSS["svg_onload"],))
    _visit_and_check(page, f"/policies/{policy.slug}/diff/?from=1&to=2")
    _visit_and_check(page, f"/policies/{policy.slug}/settings/")
    assert page.get_by_label("Title").input_value() == policy.title
    _visit_and_check(page, f"/tools/{tool.slug}/edit/")
    assert page.get_by_label("Name").input_value() == tool.name
    _visit_and_check(page, "/compliance/", shows=(policy.title,))

    _as(page, "alex")
    _visit_and_check(page, "/audit/")
    page_problems.assert_clean()


def test_payloads_typed_into_the_real_forms_run_nowhere(
    page: Any, page_problems: PageProblems, lead: User, reviewer: User, author: User
) -> None:
    """The same, with the payloads typed by people: intake, a comment, a register entry and a
    policy draft with its live Markdown preview."""
    make_tool("approved-model")
    _as(page, "leo")
    page.goto("/usecases/new/")
    page.get_by_label("Title").fill(XSS["attribute_breakout"])
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("saved").first.wait_for()
    page.get_by_label("What problem does it solve?").fill(XSS["textarea_breakout"])
    page.get_by_label("How would AI help?").fill(XSS["template_injection"])
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("saved").first.wait_for()
    case = UseCase.objects.get(title=XSS["attribute_breakout"])
    assert case.problem == XSS["textarea_breakout"]
    _visit_and_check(page, f"/usecases/{case.reference}/edit/idea/")
    assert page.get_by_label("What problem does it solve?").input_value() == case.problem
    page.goto(f"/usecases/{case.reference}/")
    page.get_by_label("Add a comment").fill(XSS["script_tag"])
    page.get_by_role("button", name="Post comment").click()
    page.get_by_text("Comment posted").wait_for()
    _visit_and_check(
        page,
        f"/usecases/{case.reference}/",
        shows=(XSS["attribute_breakout"], XSS["textarea_breakout"], XSS["script_tag"]),
    )

    _as(page, "paul")
    page.goto("/tools/new/")
    page.get_by_label("Name").fill(XSS["img_onerror"])
    page.get_by_label("Kind").select_option("api_model")
    page.get_by_label("Short description").fill(XSS["svg_onload"])
    page.get_by_label("Conditions of use").fill(XSS["script_string_breakout"])
    page.locator("input[name=indemnity][value=unknown]").check()
    page.get_by_role("button", name="Add to the register").click()
    page.get_by_text("is now in the register").wait_for()
    _visit_and_check(page, page.url, shows=(XSS["img_onerror"], XSS["script_string_breakout"]))
    _visit_and_check(page, "/tools/", shows=(XSS["img_onerror"], XSS["svg_onload"]))

    page.goto("/policies/new/")
    page.get_by_label("Title").fill(XSS["title_breakout"])
    page.get_by_label("Category").select_option("acceptable_use")
    page.get_by_role("button", name="Create draft").click()
    page.wait_for_url("**/versions/1/edit/")
    page.get_by_label("Text").fill("\n\n".join([*MARKDOWN_XSS.values(), "**hostile** end"]))
    preview = page.locator("#preview")
    preview.locator("strong", has_text="hostile").wait_for()  # the live preview (htmx)
    assert page.evaluate("() => window.__xss") is None
    assert injected_markup(preview.inner_html()) == []
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Draft saved").wait_for()
    _visit_and_check(page, page.url)
    _visit_and_check(page, "/policies/", shows=(XSS["title_breakout"],))
    page_problems.assert_clean()
