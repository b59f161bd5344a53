"""People from a CSV file: upload, map, a dry-run preview that writes nothing (on the real Celery
worker, as the pages run it), then the batch applied by the worker once previewed, idempotent,
with bad rows named and skipped."""

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


def _finished(batch: PersonImport, field: str = "preview_status") -> PersonImport:
    """Wait (at most 30 s) until the worker finishes the preview (or the apply), and return it."""
    running = {"preview_status": "running", "status": PersonImport.Status.APPLYING}[field]
    for _ in range(300):
        batch.refresh_from_db()
        if getattr(batch, field) != running:
            return batch
        time.sleep(0.1)
    return batch


def _admin_client(department: Department) -> tuple[User, Client]:
    admin = make_user(username="alex", department=department)
    admin.is_superuser = admin.is_staff = True
    admin.save()
    client = Client()
    client.force_login(admin)
    return admin, client


def _messages(response: Any) -> str:
    return " ".join(str(message) for message in response.context["messages"])


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_pages_run_the_import_on_the_worker(
    celery_worker: str, role_groups: dict[str, Group]
) -> None:
    department = Department.objects.create(name="Customer Service", slug="customer-service")
    _, client = _admin_client(department)
    upload = SimpleUploadedFile("people.csv", CSV.encode(), content_type="text/csv")
    response = client.post(reverse("people:import-upload"), {"file": upload})
    assert response.status_code == 302
    batch = PersonImport.objects.get()
    url = reverse("people:import", args=[batch.pk])
    form = {key: column for key, column in batch.mapping.items()}
    assert client.post(url, {**form, "action": "preview"}).status_code == 302
    batch = _finished(batch)
    assert batch.preview_status == "done", batch.preview_failure
    preview = client.get(url).content.decode()
    # No emma here: her row is a creation too.
    assert "3</strong> to be created" in preview and "Line 4:" in preview
    assert 'value="apply"' in preview
    assert not User.objects.filter(employee_number="E-1").exists()
    assert client.post(url, {**form, "action": "apply"}).status_code == 302
    batch = _finished(batch, "status")
    assert batch.status == PersonImport.Status.DONE, batch.failure
    assert batch.total_rows == 8
    assert User.objects.filter(employee_number__in=["E-1", "E-2"]).count() == 2
    progress = client.get(url).content.decode()
    assert 'value="100"' in progress and "3 created" in progress and "style=" not in progress
    bad = client.post(reverse("people:import-upload"), {"file": SimpleUploadedFile("x.csv", b"")})
    assert bad.status_code == 200 and "empty" in bad.content.decode()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_worker_previews_counts_and_each_bad_row_in_words(
    celery_worker: str, role_groups: dict[str, Group]
) -> None:
    from portal.people.importing import CHUNK, preview_start

    department = Department.objects.create(name="Customer Service", slug="customer-service")
    admin, client = _admin_client(department)
    make_user(username="emma", email="emma@example.com", department=department)
    many = "".join(f"N-{n},p{n}@example.com,P,{n},Customer Service,,yes\n" for n in range(CHUNK))
    batch = _upload(admin, CSV + many)  # two chunks
    people, events = User.objects.count(), AuditEvent.objects.count()
    batch = _finished(preview_start(batch, by=admin))
    assert batch.preview_status == "done", batch.preview_failure
    result = batch.preview
    assert (result["create"], result["update"], result["deactivate"]) == (2 + CHUNK, 0, 1)
    assert (result["total"], batch.preview_rows, batch.preview_total) == (8 + CHUNK,) * 3
    assert result["error_count"] == 5
    errors = {problem["line"]: problem["error"] for problem in result["errors"]}
    assert list(errors) == [4, 5, 6, 8, 9]
    assert "no department named “Legal”" in errors[4]
    assert "“not-an-email” is not an email address." in errors[5]
    assert "The same person is on an earlier line of the file." in errors[8]
    assert result["choice"] == {"mapping": batch.mapping, "create_departments": False}
    assert (User.objects.count(), AuditEvent.objects.count()) == (people, events)
    page = client.get(reverse("people:import", args=[batch.pk])).content.decode()
    assert f"{2 + CHUNK}</strong> to be created" in page
    assert "Line 5: “not-an-email” is not an email address." in page


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_apply_is_refused_before_a_preview_and_after_the_mapping_changes(
    celery_worker: str, role_groups: dict[str, Group]
) -> None:
    department = Department.objects.create(name="Customer Service", slug="customer-service")
    admin, client = _admin_client(department)
    batch = _upload(admin)
    url = reverse("people:import", args=[batch.pk])
    form = {key: column for key, column in batch.mapping.items()}
    page = client.get(url).content.decode()
    assert 'value="apply"' not in page  # not offered before a preview
    refused = client.post(url, {**form, "action": "apply"}, follow=True)
    assert "Preview the import first" in _messages(refused)
    batch.refresh_from_db()
    assert batch.status == PersonImport.Status.UPLOADED
    client.post(url, {**form, "action": "preview"})
    assert _finished(batch).preview_status == "done"
    # Ticking "create unknown departments" after the preview: the preview is not of this.
    changed = client.post(url, {**form, "create_departments": "on", "action": "apply"}, follow=True)
    assert "changed since the preview" in _messages(changed)
    page = changed.content.decode()
    assert 'data-testid="preview-stale"' in page and 'value="apply"' not in page
    batch.refresh_from_db()
    assert batch.status == PersonImport.Status.UPLOADED and batch.create_departments
    assert not User.objects.filter(employee_number="E-1").exists()
    assert not Department.objects.filter(name="Legal").exists()
    # Previewed again, the same choice applies (Legal created; no emma here: four people).
    client.post(url, {**form, "create_departments": "on", "action": "preview"})
    assert _finished(batch).preview["create"] == 4
    client.post(url, {**form, "create_departments": "on", "action": "apply"})
    assert _finished(batch, "status").status == PersonImport.Status.DONE, batch.failure
    assert batch.created_count == 4 and Department.objects.filter(name="Legal").exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_failing_preview_shows_its_reason_and_cannot_be_applied(
    celery_worker: str, role_groups: dict[str, Group]
) -> None:
    department = Department.objects.create(name="Customer Service", slug="customer-service")
    admin, client = _admin_client(department)
    # A quotation mark left open on line 3: the rest of the file is one cell, over csv's limit.
    text = 'Email,Department\nann@example.com,Customer Service\n"bo@example.com,x\n'
    text += "".join(f"p{n}@example.com,Customer Service\n" for n in range(8000))
    batch = _upload(admin, text)
    url = reverse("people:import", args=[batch.pk])
    form = {key: column for key, column in batch.mapping.items()}
    client.post(url, {**form, "action": "preview"})
    batch = _finished(batch)
    assert batch.preview_status == "failed"
    assert batch.preview_failure.startswith("Line ")
    assert "cannot be read as CSV" in batch.preview_failure
    assert batch.preview_attempts == 1  # not retried
    page = client.get(url).content.decode()
    assert "The preview stopped" in page and "a quotation mark left open" in page
    assert 'value="apply"' not in page
    refused = client.post(url, {**form, "action": "apply"}, follow=True)
    assert "Preview the import first" in _messages(refused)


@pytest.mark.django_db
def test_a_preview_started_again_after_a_crash_starts_over(
    admin_user: User, employee: User, department: Department
) -> None:
    from portal.people.importing import PREVIEW_ATTEMPTS, preview_compute

    batch = _upload(admin_user)
    # As a worker killed mid-preview leaves it: running, some rows counted.
    PersonImport.objects.filter(pk=batch.pk).update(
        preview_status="running", preview_run=4, preview_rows=700, preview_attempts=1
    )
    preview_compute(batch.pk, 3)  # an older run's task: superseded, writes nothing
    batch.refresh_from_db()
    assert (batch.preview_status, batch.preview_rows) == ("running", 700)
    preview_compute(batch.pk, 4)  # the message delivered again
    batch.refresh_from_db()
    assert batch.preview_status == "done" and batch.preview_attempts == 2
    assert (batch.preview_rows, batch.preview["create"], batch.preview["deactivate"]) == (8, 2, 1)
    # A run that keeps killing its worker stops after PREVIEW_ATTEMPTS starts, in words.
    PersonImport.objects.filter(pk=batch.pk).update(
        preview_status="running", preview_attempts=PREVIEW_ATTEMPTS
    )
    preview_compute(batch.pk, 4)
    batch.refresh_from_db()
    assert batch.preview_status == "failed"
    assert f"started {PREVIEW_ATTEMPTS} times without finishing" in batch.preview_failure


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


@pytest.mark.django_db
def test_the_preview_saves_its_progress_after_each_chunk_in_constant_queries(
    admin_user: User, department: Department, django_assert_max_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from portal.people import importing

    rows = "".join(f"N-{n},p{n}@example.com,P,{n},Customer Service\n" for n in range(2500))
    batch = _upload(admin_user, "Employee number,Email,First name,Last name,Department\n" + rows)
    PersonImport.objects.filter(pk=batch.pk).update(preview_status="running", preview_run=1)
    with (
        django_assert_max_num_queries(5 * (2500 // importing.CHUNK + 1) + 10),
        CaptureQueriesContext(connection) as queries,
    ):
        importing.preview_compute(batch.pk, 1)
    progress = [
        int(query["sql"].split('"preview_rows" = ')[1].split()[0].rstrip(","))
        for query in queries.captured_queries
        if query["sql"].startswith("UPDATE") and '"preview_rows" = ' in query["sql"]
    ]
    assert progress == [0, 1000, 2000, 2500, 2500]  # reset, each chunk, the finished preview
    batch.refresh_from_db()
    assert (batch.preview_status, batch.preview["create"], batch.preview_percent) == (
        "done",
        2500,
        100,
    )


@pytest.mark.django_db
def test_a_running_preview_shows_its_progress_bar_and_no_apply(
    client: Client, admin_user: User, department: Department
) -> None:
    client.force_login(admin_user)
    batch = _upload(admin_user)
    PersonImport.objects.filter(pk=batch.pk).update(
        preview_status="running", preview_run=1, preview_rows=3000, preview_total=8000
    )
    url = reverse("people:import", args=[batch.pk])
    page = client.get(url).content.decode()
    assert '<progress class="import-progress mb-2" max="100" value="38"' in page
    assert "3000 of 8000 rows read" in page
    assert f'hx-get="{url}"' in page and 'hx-trigger="every 1s"' in page  # the page follows it
    assert 'value="apply"' not in page and "style=" not in page  # CSP: no inline styles
