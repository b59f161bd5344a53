"""People from a CSV file: upload, map, a dry-run preview that writes nothing, then the batch
applied by the real Celery worker, idempotent, with bad rows named and skipped."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from portal.models import AuditEvent, Department, PersonImport, User
from portal.people.importing import import_apply, import_map, import_preview, import_upload
from tests.factories import make_user

CSV = (
    "Employee number,Email,First name,Last name,Department,Manager,Active\n"
    "E-1,ann@example.com,Ann,Lee,Customer Service,,yes\n"
    "E-2,bo@example.com,Bo,Ray,Customer Service,E-1,yes\n"
    "E-3,cy@example.com,Cy,Tan,Legal,E-1,yes\n"  # Legal is unknown
    "E-4,not-an-email,Di,Fox,Customer Service,,yes\n"
    ",,Nobody,Here,Customer Service,,yes\n"
    "E-5,emma@example.com,Emma,Changed,Customer Service,,no\n"  # emma by email: leaves
    "E-2,bo2@example.com,Bo,Twice,Customer Service,,yes\n"
    "E-6,ed@example.com,Ed,Poe,Customer Service,,maybe\n"
)


def _upload(admin: User, text: str = CSV) -> PersonImport:
    return import_upload(upload=SimpleUploadedFile("people.csv", text.encode()), by=admin)


@pytest.mark.django_db
def test_preview_names_each_bad_row_and_writes_nothing(
    admin_user: User, employee: User, department: Department
) -> None:
    batch = _upload(admin_user)
    assert batch.mapping["employee_number"] == "Employee number"  # guessed from the header
    assert batch.mapping["given_name"] == "First name"
    people, events = User.objects.count(), AuditEvent.objects.count()
    preview = import_preview(batch, by=admin_user)
    assert (preview.create, preview.deactivate, preview.update) == (2, 1, 0)
    errors = dict(preview.errors)
    assert "no department named “Legal”" in errors[4]
    assert "not an email address" in errors[5]
    assert "cannot be matched" in errors[6]
    assert "earlier line" in errors[8]
    assert "write yes or no" in errors[9]
    assert preview.error_count == 5
    assert (User.objects.count(), AuditEvent.objects.count()) == (people, events)
    # Ticking "create unknown departments" makes the Legal row good.
    import_map(batch, mapping=batch.mapping, create_departments=True, by=admin_user)
    assert import_preview(batch, by=admin_user).create == 3
    assert not Department.objects.filter(name="Legal").exists()


@pytest.mark.django_db
def test_apply_creates_updates_deactivates_and_is_idempotent(
    admin_user: User, employee: User, department: Department
) -> None:
    batch = _upload(admin_user)
    batch = import_apply(batch.pk)
    assert (batch.created_count, batch.deactivated_count, batch.error_count) == (2, 1, 5)
    ann, bo = User.objects.get(employee_number="E-1"), User.objects.get(employee_number="E-2")
    assert (ann.first_name, ann.department, ann.is_active) == ("Ann", department, True)
    assert bo.manager == ann and bo.provisioned_at is not None
    employee.refresh_from_db()
    assert (employee.is_active, employee.employee_number, employee.last_name) == (
        False,
        "E-5",
        "Changed",
    )
    event = AuditEvent.objects.get(action="person.updated", object_id=str(employee.pk))
    assert event.actor == admin_user and event.before and event.before["is_active"] is True
    assert AuditEvent.objects.filter(action="person.imported").count() == 2
    assert [problem["line"] for problem in batch.errors] == [4, 5, 6, 8, 9]
    # The same file again: nothing changes.
    again = import_apply(_upload(admin_user).pk)
    assert (again.created_count, again.updated_count, again.deactivated_count) == (0, 0, 0)
    assert again.unchanged_count == 3


@pytest.mark.django_db
def test_chunks_cost_a_constant_number_of_queries(
    admin_user: User, department: Department, django_assert_max_num_queries: Any
) -> None:
    from portal.people import importing

    rows = "\n".join(f"N-{n},p{n}@example.com,P,{n},Customer Service" for n in range(2500))
    batch = _upload(admin_user, "Employee number,Email,First name,Last name,Department\n" + rows)
    with django_assert_max_num_queries(12 * (2500 // importing.CHUNK + 1) + 10):
        done = import_apply(batch.pk)
    assert (
        done.created_count == 2500
        and User.objects.filter(employee_number__startswith="N-").count() == 2500
    )


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_pages_run_the_import_on_the_worker(
    celery_worker: str, role_groups: dict[str, Group]
) -> None:
    department = Department.objects.create(name="Customer Service", slug="customer-service")
    admin = make_user(username="alex", department=department)
    admin.is_superuser = admin.is_staff = True
    admin.save()
    client = Client()
    client.force_login(admin)
    upload = SimpleUploadedFile("people.csv", CSV.encode(), content_type="text/csv")
    response = client.post(reverse("people:import-upload"), {"file": upload})
    assert response.status_code == 302
    batch = PersonImport.objects.get()
    url = reverse("people:import", args=[batch.pk])
    form = {key: column for key, column in batch.mapping.items()}
    preview = client.post(url, {**form, "action": "preview"}).content.decode()
    # No emma here: her row is a creation too.
    assert "3</strong> to be created" in preview and "Line 4:" in preview
    assert not User.objects.filter(employee_number="E-1").exists()
    assert client.post(url, {**form, "action": "apply"}).status_code == 302
    for _ in range(60):
        batch.refresh_from_db()
        if batch.status == PersonImport.Status.DONE:
            break
        time.sleep(0.5)
    assert batch.status == PersonImport.Status.DONE, batch.failure
    assert User.objects.filter(employee_number__in=["E-1", "E-2"]).count() == 2
    progress = client.get(url).content.decode()
    assert 'aria-valuenow="100"' in progress and "3 created" in progress
    bad = client.post(reverse("people:import-upload"), {"file": SimpleUploadedFile("x.csv", b"")})
    assert bad.status_code == 200 and "empty" in bad.content.decode()


# --- Excel (.xlsx) ------------------------------------------------------------------------------


def _xlsx(rows: list[list[Any]]) -> bytes:
    import io

    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("People")
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _csv_rows(text: str) -> list[list[Any]]:
    import csv
    import io

    return list(csv.reader(io.StringIO(text)))


@pytest.mark.django_db
def test_an_xlsx_previews_and_applies_like_the_same_csv(
    admin_user: User, employee: User, department: Department
) -> None:
    rows: list[list[Any]] = [[], *_csv_rows(CSV)]  # a blank line above the header is skipped
    rows[2][0] = 1042  # an employee number typed as a number (Excel keeps 1042, not "1042.0")
    upload = SimpleUploadedFile("people.xlsx", _xlsx(rows))
    batch = import_upload(upload=upload, by=admin_user)
    assert batch.columns == _csv_rows(CSV)[0]
    assert batch.mapping["employee_number"] == "Employee number"
    preview = import_preview(batch, by=admin_user)
    assert (preview.create, preview.deactivate, preview.update) == (2, 1, 0)
    assert preview.error_count == 5
    import_map(batch, mapping=batch.mapping, create_departments=False, by=admin_user)
    import_apply(batch.pk)
    assert User.objects.filter(employee_number="1042", email="ann@example.com").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("people.xlsx", b"PK\x03\x04 not really a zip", "not an Excel workbook"),
        ("people.xlsx", b"just some text", "not an Excel workbook"),
        (
            "people.xlsx",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,
            "password-protected",
        ),
        ("people.xlsx", "empty", "is empty"),
    ],
)
def test_a_bad_workbook_is_refused_in_words_and_nothing_is_kept(
    admin_user: User, name: str, content: Any, message: str
) -> None:
    from portal.boundary import Refused

    if content == "empty":
        content = _xlsx([[], [None, None]])
    events = AuditEvent.objects.count()
    with pytest.raises(Refused) as refused:
        import_upload(upload=SimpleUploadedFile(name, content), by=admin_user)
    assert message in refused.value.message
    assert not PersonImport.objects.exists()
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_a_huge_workbook_is_refused_while_it_streams(
    admin_user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portal.boundary import Refused
    from portal.people import importing

    content = _xlsx([["Email"], *[[f"person{n}@example.com"] for n in range(5000)]])
    monkeypatch.setattr(importing, "MAX_BYTES", 60_000)  # the 50 MB limit, scaled to the test
    assert len(content) < 60_000  # small as a zip: refused by what it unpacks to, as it streams
    with pytest.raises(Refused) as refused:
        import_upload(upload=SimpleUploadedFile("big.xlsx", content), by=admin_user)
    assert "over 50 MB as text" in refused.value.message
    assert not PersonImport.objects.exists()


@pytest.mark.django_db
def test_the_upload_page_takes_an_xlsx(client: Client, admin_user: User) -> None:
    client.force_login(admin_user)
    upload = SimpleUploadedFile("people.xlsx", _xlsx(_csv_rows(CSV)))
    response = client.post(reverse("people:import-upload"), {"file": upload})
    assert response.status_code == 302
    batch = PersonImport.objects.get()
    assert batch.file_name == "people.xlsx" and "Employee number" in batch.columns
    bad = client.post(
        reverse("people:import-upload"),
        {"file": SimpleUploadedFile("people.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" * 64)},
    )
    assert bad.status_code == 200 and "password-protected" in bad.content.decode()
    assert PersonImport.objects.count() == 1
