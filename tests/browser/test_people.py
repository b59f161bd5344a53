"""In Chromium: an administrator finds people, gives a role, and makes a SCIM token; at desktop
width and at 390 px, with no console error. Screenshots go to var/screenshots/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from portal.models import User
from portal.people.directory import Actor, PersonFacts, person_provision
from portal.roles import Role
from tests.browser_fixtures import PageProblems, sign_in

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 390])
def test_admin_manages_people_in_the_portal(
    page: Any, page_problems: PageProblems, admin_user: User, employee: User, width: int
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": 900})
    for n in range(3):
        person_provision(
            PersonFacts(
                user_name=f"hire{n}@example.com",
                given_name="New",
                family_name=f"Hire {n}",
                email=f"hire{n}@example.com",
                department="Customer Service",
                employee_number=f"E-{n}",
            ),
            actor=Actor(label="SCIM token Entra ID"),
        )
    sign_in(page, admin_user.username)
    page.goto("/people/")
    table = page.get_by_test_id("people-table")
    assert "New Hire 1" in table.inner_text()
    page.screenshot(path=str(SHOTS / f"people-list-{width}.png"), full_page=True)
    page.get_by_label("Name, email or number").fill(employee.username)
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name=employee.display_name).click()
    page.get_by_label("Reviewer (CIO office)").check()
    page.get_by_role("button", name="Save roles").click()
    assert page.get_by_label("Reviewer (CIO office)").is_checked()
    page.screenshot(path=str(SHOTS / f"person-{width}.png"), full_page=True)
    assert User.objects.get(pk=employee.pk).groups.filter(name=Role.REVIEWER).exists()
    page.goto("/people/scim-tokens/")
    page.get_by_label("Name").fill("Entra ID")
    page.get_by_role("button", name="Make token").click()
    assert page.get_by_test_id("new-token").inner_text().count("scim_") == 1
    page.screenshot(path=str(SHOTS / f"scim-tokens-{width}.png"), full_page=True)
    page_problems.assert_clean()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 390])
def test_admin_searches_the_audit_log(
    page: Any, page_problems: PageProblems, admin_user: User, employee: User, width: int
) -> None:
    from portal.audit import audit_record
    from portal.models import Department

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": 900})
    legal = Department.objects.create(name="Legal and Compliance")
    audit_record(
        actor=employee,
        action="department.renamed",
        obj=legal,
        before={"name": "Legal"},
        after={"name": "Legal and Compliance"},
    )
    audit_record(actor=admin_user, action="thing_kind.was_done", obj=legal)
    sign_in(page, admin_user.username)
    page.goto("/audit/")
    # The people picker suggests by name (the server's ten at most), not a select of everyone.
    page.get_by_label("Who").press_sequentially(employee.last_name[:4], delay=30)
    options = page.locator("#audit-people-options option")
    options.first.wait_for(state="attached")
    assert options.first.get_attribute("value") == employee.username
    page.get_by_label("Who").fill(employee.username)
    page.get_by_label("Event").select_option(label="Department renamed")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("tbody tr")
    assert rows.count() == 1
    assert "name: Legal → Legal and Compliance" in rows.first.inner_text()
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
        " > document.documentElement.clientWidth + 0.5).map(e => e.tagName + '.' + e.className)"
    )
    if width == 390:  # a phone: nothing sticks out sideways (the table stacks into cards)
        assert wide == []
    page.screenshot(path=str(SHOTS / f"audit-search-{width}.png"), full_page=True)
    # Unregistered codes still read as words.
    page.goto("/audit/?action=&actor=alex")
    assert "Thing kind: was done" in page.locator("tbody").inner_text()
    page.goto("/audit/?since=2026-05-02&until=2026-05-01")
    assert "before it starts" in page.get_by_role("alert").inner_text()
    page.screenshot(path=str(SHOTS / f"audit-bad-range-{width}.png"), full_page=True)
    page_problems.assert_clean()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 390])
def test_admin_previews_an_excel_import(
    page: Any,
    page_problems: PageProblems,
    celery_worker: str,
    admin_user: User,
    employee: User,
    width: int,
    tmp_path: Path,
) -> None:
    from openpyxl import Workbook

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": 900})
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("People")
    sheet.append(["Employee number", "Email", "First name", "Last name", "Department", "Active"])
    sheet.append([1001, "ann@example.com", "Ann", "Lee", "Customer Service", "yes"])
    sheet.append([1002, "not-an-email", "Bo", "Ray", "Customer Service", "yes"])
    sheet.append([1003, "cy@example.com", "Cy", "Tan", "Legal", "yes"])
    path = tmp_path / "people.xlsx"
    workbook.save(path)
    sign_in(page, admin_user.username)
    page.goto("/people/import/")
    page.get_by_label("CSV or Excel (.xlsx) file").set_input_files(str(path))
    page.get_by_role("button", name="Upload and map columns").click()
    page.get_by_role("button", name="Preview (changes nothing)").click()
    # The preview runs on the worker; the page follows it (htmx) until it is done.
    page.locator("[data-testid=import-preview][data-status=done]").wait_for(timeout=30_000)
    errors = page.get_by_test_id("import-errors").inner_text()
    assert "Line 3: “not-an-email” is not an email address." in errors
    assert "Legal" in errors
    assert "1 to be created" in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(SHOTS / f"import-preview-xlsx-{width}.png"), full_page=True)
    assert not User.objects.filter(email="ann@example.com").exists()  # a preview writes nothing
    page.get_by_role("button", name="Apply 1 change, skip 2 bad rows").click()
    page.locator("[data-testid=import-progress][data-status=done]").wait_for(timeout=30_000)
    assert "1 created" in page.get_by_test_id("import-progress").inner_text()
    assert User.objects.filter(email="ann@example.com").exists()
    page_problems.assert_clean()
