"""Signing in through the real page in Chromium."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.models import User
from tests.browser_fixtures import PageProblems, sign_in


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_sign_in_through_the_real_page(page, page_problems: PageProblems, reviewer: User) -> None:
    page.goto("/")
    assert "/accounts/login/" in page.url
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_text("Please enter a correct username and password").is_visible()

    sign_in(page, "rita")
    assert page.get_by_role("heading", name=f"Hello, {reviewer.first_name}").is_visible()
    assert reviewer.first_name in page.get_by_test_id("whoami").inner_text()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/")
    page_problems.assert_clean()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_navigation_collapses_on_a_phone(browser, live_server, employee: User) -> None:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    phone = context.new_page()
    sign_in(phone, "emma")
    sign_out = phone.get_by_role("button", name="Sign out")
    assert not sign_out.is_visible()  # behind the menu button
    phone.get_by_role("button", name="Show navigation").click()
    sign_out.wait_for(state="visible")
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_administrators_bar_stays_on_one_line_at_1280(
    browser, live_server, admin_user: User
) -> None:
    # A long name, as directories have them: the bar must still hold on one line.
    User.objects.filter(pk=admin_user.pk).update(
        first_name="Alexandra", last_name="Administrator-Whitfield"
    )
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    sign_in(page, admin_user.username)
    brand = page.locator(".navbar-brand").bounding_box()
    sign_out = page.get_by_role("button", name="Sign out").bounding_box()
    assert brand is not None and sign_out is not None
    assert page.get_by_role("button", name="Administration").is_visible()
    # One line: Sign out sits level with the brand, and nothing pushes the page sideways.
    assert abs(sign_out["y"] + sign_out["height"] / 2 - (brand["y"] + brand["height"] / 2)) < 12
    assert sign_out["height"] < 40, "Sign out wraps inside its button"
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    # The name leads to the person's own account page (their API tokens).
    page.get_by_test_id("whoami").click()
    page.wait_for_url(f"**{reverse('people:my-tokens')}")
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 390])
def test_a_long_unbroken_title_wraps_instead_of_widening_the_page(
    browser, live_server, lead: User, width: int
) -> None:
    from tests.usecases.conftest import make_draft

    title = "Summarise" + "x" * 150
    case = make_draft(lead, title=title)
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 800}
    )
    page = context.new_page()
    sign_in(page, lead.username)
    page.goto(reverse("usecases:detail", args=[case.reference]))
    heading = page.get_by_role("heading", level=1)
    assert title[:20] in heading.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    box = heading.bounding_box()
    assert box is not None and box["x"] + box["width"] <= width
    context.close()
