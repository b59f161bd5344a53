"""Chromium (Debian's package) driven by Playwright, against the live test server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.factories import PASSWORD
from tests.services import missing_service

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        missing_service("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PageProblems:
    """Script errors, dialogs and console errors (CSP violations among them) seen by a page."""

    def __init__(self) -> None:
        self.page_errors: list[str] = []
        self.dialogs: list[str] = []
        self.console_errors: list[str] = []

    def assert_clean(self) -> None:
        assert self.page_errors == [], f"script errors: {self.page_errors}"
        assert self.dialogs == [], f"dialogs opened: {self.dialogs}"
        assert self.console_errors == [], f"console errors: {self.console_errors}"


@pytest.fixture
def page_problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def page(browser: Any, live_server: Any, page_problems: PageProblems) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    new_page = context.new_page()
    new_page.on("pageerror", lambda error: page_problems.page_errors.append(str(error)))

    def on_console(message: Any) -> None:
        if message.type == "error":
            page_problems.console_errors.append(message.text)

    new_page.on("console", on_console)

    def on_dialog(dialog: Any) -> None:
        page_problems.dialogs.append(dialog.message)
        dialog.dismiss()

    new_page.on("dialog", on_dialog)
    yield new_page
    context.close()


def sign_in(page: Any, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
