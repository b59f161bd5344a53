"""axe-core (Deque's accessibility checker, from npm: tests/axe) over the main pages of each
role, at desktop width and at 390 px: no critical or serious violation. A full-page screenshot
of each goes to var/screenshots/pages/ for a person to look at.

The portal's Content-Security-Policy forbids the injected checker, so these contexts bypass it
(the CSP itself is tested in tests/portal/test_hardening.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from policies.models import Policy
from portal.models import User
from tests.browser_fixtures import sign_in
from tests.policies.conftest import publish_new_version
from tests.usecases.conftest import advance, assess, finish_estimates, make_draft, make_tool
from usecases.models import Status, UseCase

AXE = Path(__file__).resolve().parents[1] / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "pages"
SERIOUS = ("critical", "serious")


def _pages(role: str, case: UseCase, policy: Policy) -> list[str]:
    """The main pages a person of ``role`` works on."""
    everyone = [
        reverse("home"),
        reverse("policies:list"),
        reverse("policies:detail", args=[policy.slug]),
        reverse("register:lookup"),
        reverse("search") + "?q=use",
        reverse("people:my-tokens"),
    ]
    case_page = reverse("usecases:detail", args=[case.reference])
    return {
        "employee": everyone,
        "lead": [*everyone, reverse("usecases:list"), reverse("usecases:new"), case_page],
        "reviewer": [
            reverse("review:queue"),
            case_page,
            reverse("usecases:risks", args=[case.reference]),
            reverse("usecases:ratings", args=[case.reference]),
            reverse("portfolio:ranked"),
            reverse("portfolio:decisions"),
            reverse("portfolio:compliance"),
            reverse("portfolio:summary"),
            reverse("compliance:overview"),
        ],
        "admin": [
            reverse("audit-log"),
            reverse("people:list"),
            reverse("people:departments"),
            reverse("people:import-upload"),
            reverse("usecases:rubric"),
            reverse("usecases:guardrail-policies"),
            reverse("compliance:detail", args=[policy.slug]),
        ],
    }[role]


def _violations(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => {
          const result = await axe.run(document, {resultTypes: ["violations"]});
          return result.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => {
              const data = (n.any[0] || {}).data || {};
              const colours = data.fgColor ? ` ${data.fgColor} on ${data.bgColor}` +
                ` ${data.contrastRatio}:1` : "";
              return n.target.join(" ") + colours;
            })}));
        }"""
    )
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {', '.join(v['nodes'])}"
        for v in found
        if v["impact"] in SERIOUS
    ]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("role", ["employee", "lead", "reviewer", "admin"])
def test_main_pages_have_no_serious_accessibility_violation(
    browser: Any,
    live_server: Any,
    employee: User,
    lead: User,
    reviewer: User,
    admin_user: User,
    author: User,
    approver: User,
    role: str,
    width: int,
) -> None:
    if not AXE.exists():
        pytest.fail(f"axe-core is not installed at {AXE}: run bin/test (npm ci in tests/axe)")
    from policies import services as policy_services
    from policies.inputs import NewPolicy

    policy = policy_services.policy_create(
        by=author,
        data=NewPolicy.parse(
            title="Acceptable use of AI",
            category="acceptable_use",
            body_markdown="# Acceptable use\n\nUse approved tools only.",
        ),
    )
    publish_new_version(policy, author, approver, "# Acceptable use\n\nUse approved tools only.")
    case = make_draft(lead, [make_tool("approved-assistant")])
    case = assess(advance(case, (lead, Status.SUBMITTED), (reviewer, Status.IN_REVIEW)), reviewer)
    # The case page with its estimates done (figures, a negative net in red, the tornado),
    # whether or not the session's Celery worker took the runs first.
    finish_estimates(case)
    person = {"employee": employee, "lead": lead, "reviewer": reviewer, "admin": admin_user}[role]
    context = browser.new_context(
        base_url=live_server.url, bypass_csp=True, viewport={"width": width, "height": 900}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, person.username)
    problems: dict[str, list[str]] = {}
    SHOTS.mkdir(parents=True, exist_ok=True)
    for url in _pages(role, case, Policy.objects.get(pk=policy.pk)):
        answer = page.goto(url)
        assert answer is not None and answer.status == 200, (url, answer and answer.status)
        found = _violations(page)
        if found:
            problems[url] = found
        name = url.strip("/").replace("/", "_").replace("?", "_") or "home"
        page.screenshot(path=str(SHOTS / f"{role}-{name}-{width}.png"), full_page=True)
    context.close()
    assert not problems, problems
