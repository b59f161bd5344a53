"""Signing in through the real page in Chromium."""

from __future__ import annotations

import pytest

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
