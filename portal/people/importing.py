"""People from a CSV or Excel (.xlsx) file, for a company without SCIM: read in a stream (an
.xlsx's first sheet is turned into CSV text row by row at upload), each row checked and matched
(by employee number, else by email), previewed without writing (:func:`preview_compute`, run by
the ``portal.preview_person_import`` Celery task, its result kept on the import), then, once that
preview is of the current mapping, applied in chunks with bulk writes and a constant number of
queries per chunk (:func:`import_apply`, run by the ``portal.apply_person_import`` Celery task).
Applying twice changes nothing the second time."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.text import slugify

from portal.audit import audit_record
from portal.boundary import Refused, require
from portal.models import AuditEvent, Department, PersonImport, User
from portal.signals import person_moved

CHUNK = 1000
MAX_BYTES = 50 * 1024 * 1024
MAX_ERRORS_KEPT = 500
FIELDS = {
    "employee_number": "Employee number",
    "email": "Email",
    "user_name": "Username (else the email)",
    "given_name": "Given name",
    "family_name": "Family name",
    "display_name": "Display name",
    "department": "Department",
    "manager": "Manager (employee number or email)",
    "active": "Active (yes/no)",
}
_GUESSES = {
    "employee_number": (
        "employee number",
        "employee_number",
        "employeenumber",
        "employee id",
        "id",
    ),
    "email": ("email", "e-mail", "mail", "work email"),
    "user_name": ("username", "user name", "user_name", "login"),
    "given_name": ("given name", "first name", "firstname", "given_name", "first_name"),
    "family_name": ("family name", "last name", "surname", "lastname", "family_name", "last_name"),
    "display_name": ("display name", "name", "full name", "display_name"),
    "department": ("department", "dept", "team"),
    "manager": ("manager", "manager email", "manager employee number", "manager_id"),
    "active": ("active", "status", "enabled"),
}
_YES = {"", "yes", "y", "true", "1", "active", "enabled"}
_NO = {"no", "n", "false", "0", "inactive", "disabled", "left", "leaver"}


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a compound file: an encrypted .xlsx, or .xls


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an employee number typed as 1042 is read back as 1042.0
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def _xlsx_text(upload: Any) -> str:
    """The first sheet of a workbook as CSV text, read row by row (openpyxl's read-only mode
    streams the sheet's XML), refused once the text passes :data:`MAX_BYTES`."""
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    upload.seek(0)
    if upload.read(8) == _OLE:
        raise Refused.invalid(
            {
                "file": "The workbook is password-protected (or an old .xls): save it without a "
                "password as .xlsx, or as CSV, and upload it again."
            }
        )
    upload.seek(0)
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except (BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise Refused.invalid(
            {"file": "The file is not an Excel workbook (.xlsx): save it as .xlsx or CSV."}
        ) from None
    out = io.StringIO()
    writer = csv.writer(out)
    size = 0
    try:
        if not workbook.worksheets:
            raise Refused.invalid({"file": "The workbook has no sheet."})
        for values in workbook.worksheets[0].iter_rows(values_only=True):
            cells = [_cell(value) for value in values]
            while cells and not cells[-1]:
                cells.pop()
            if not cells and size == 0:
                continue  # blank lines above the header
            before = out.tell()
            writer.writerow(cells)
            size += out.tell() - before
            if size > MAX_BYTES:
                raise Refused.invalid(
                    {"file": "The sheet is over 50 MB as text; split it in parts."}
                )
    except Refused:
        raise
    except Exception as error:  # a damaged sheet (bad XML inside the zip)
        raise Refused.invalid({"file": f"The workbook cannot be read: {error}."}) from None
    finally:
        workbook.close()
    if size == 0:
        raise Refused.invalid({"file": "The first sheet of the workbook is empty."})
    return out.getvalue()


def _is_xlsx(upload: Any) -> bool:
    name = str(getattr(upload, "name", "")).lower()
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    return (
        name.endswith((".xlsx", ".xlsm"))
        or head.startswith(b"PK\x03\x04")
        or (head == _OLE and name.endswith((".xls", ".xlsx")))
    )


def _text(upload: Any) -> str:
    if getattr(upload, "size", 0) and upload.size > MAX_BYTES:
        raise Refused.invalid({"file": "The file is over 50 MB; split it in parts."})
    if _is_xlsx(upload):
        return _xlsx_text(upload)
    raw = upload.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise Refused.invalid({"file": "The file is over 50 MB; split it in parts."})
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return str(raw.decode(encoding))
        except UnicodeDecodeError:
            continue
    raise Refused.invalid({"file": "The file is not text (UTF-8 or Windows-1252)."})


@transaction.atomic
def import_upload(*, upload: Any, by: User) -> PersonImport:
    """Keep the uploaded CSV (an .xlsx's first sheet as CSV) and guess which column is which
    (the admin checks the guess)."""
    require(by, "portal.manage_people", None, "Only administrators import people.")
    text = _text(upload)
    if "\x00" in text:
        raise Refused.invalid({"file": "The file holds NUL characters: it is not a CSV."})
    try:
        header = next(csv.reader(io.StringIO(text)), None)
    except csv.Error as error:
        raise Refused.invalid({"file": f"The file cannot be read as CSV: {error}."}) from None
    columns = [column.strip() for column in header or [] if column.strip()]
    if not columns:
        raise Refused.invalid({"file": "The first line should name the columns; it is empty."})
    lowered = {column.lower(): column for column in columns}
    mapping = {
        key: next((lowered[g] for g in guesses if g in lowered), "")
        for key, guesses in _GUESSES.items()
    }
    batch = PersonImport.objects.create(
        created_by=by,
        file_name=str(getattr(upload, "name", "people.csv"))[:255],
        content=text,
        columns=columns,
        mapping=mapping,
    )
    audit_record(actor=by, action="person_import.uploaded", obj=batch, after={"columns": columns})
    return batch


@transaction.atomic
def import_map(
    batch: PersonImport, *, mapping: dict[str, str], create_departments: bool, by: User
) -> PersonImport:
    require(by, "portal.manage_people", None, "Only administrators import people.")
    problems = {
        key: f"“{column}” is not a column of the file."
        for key, column in mapping.items()
        if column and column not in batch.columns
    }
    if not (mapping.get("employee_number") or mapping.get("email")):
        problems["email"] = (
            "Choose the column of the employee number or of the email: rows are matched by them."
        )
    if problems:
        raise Refused.invalid(problems)
    if batch.status != PersonImport.Status.UPLOADED:
        raise Refused.conflict("This import was applied already; upload the file again.")
    batch.mapping = {key: mapping.get(key, "") for key in FIELDS}
    batch.create_departments = create_departments
    batch.save(update_fields=["mapping", "create_departments"])
    return batch


# --- Reading rows -----------------------------------------------------------------------------


@dataclass
class Row:
    line: int
    values: dict[str, str]
    active: bool = True
    errors: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.values["employee_number"] or self.values["email"].lower()


class Unreadable(Exception):
    """The file stops being CSV part-way (a quotation mark left open, a cell over the limit):
    the preview or the apply stops with these words."""


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` one at a time, without a second copy of it (as ``io.StringIO``
    would make): the csv module joins the lines of a quoted cell itself."""
    start, size = 0, len(text)
    while start < size:
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1


def _unreadable(line: int, error: csv.Error) -> Unreadable:
    return Unreadable(
        f"Line {line} cannot be read as CSV ({error}): a quotation mark left open makes the "
        "rest of the file one cell. Fix the file and upload it again."
    )


def _records(reader: csv.DictReader[str]) -> Iterator[dict[str | Any, Any]]:
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise _unreadable(reader.line_num, error) from None
        yield record


def _rows(batch: PersonImport) -> Iterator[Row]:
    reader = csv.DictReader(_lines(batch.content))
    reader.fieldnames = [name.strip() for name in reader.fieldnames or []]
    seen: set[str] = set()
    for number, record in enumerate(_records(reader), start=2):
        values = {
            key: str(record.get(column) or "").strip() if column else ""
            for key, column in batch.mapping.items()
        }
        row = Row(line=number, values=values)
        if None in record:
            row.errors.append("The row has more cells than the header has columns.")
        if not values["employee_number"] and not values["email"]:
            row.errors.append("No employee number and no email: the row cannot be matched.")
        if values["email"]:
            try:
                validate_email(values["email"])
            except ValidationError:
                row.errors.append(f"“{values['email']}” is not an email address.")
        active = values["active"].lower()
        if active in _NO:
            row.active = False
        elif active not in _YES:
            row.errors.append(f"Active is “{values['active']}”: write yes or no.")
        limits = {"employee_number": 64, "email": 254, "user_name": 150, "given_name": 150,
                  "family_name": 150, "display_name": 255, "department": 120}  # fmt: skip
        for key, limit in limits.items():
            if len(values[key]) > limit:
                row.errors.append(f"{FIELDS[key]} is longer than {limit} characters.")
        if not row.errors:
            if row.key in seen:
                row.errors.append("The same person is on an earlier line of the file.")
            seen.add(row.key)
        yield row


def _chunks(batch: PersonImport) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in _rows(batch):
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _existing(rows: list[Row]) -> tuple[dict[str, User], dict[str, User]]:
    """The accounts rows match: by employee number, and by email (two queries)."""
    numbers = [r.values["employee_number"] for r in rows if r.values["employee_number"]]
    emails = [r.values["email"].upper() for r in rows if r.values["email"]]
    by_number = {
        u.employee_number: u
        for u in User.objects.select_related("department").filter(employee_number__in=numbers)
    }
    by_email: dict[str, User] = {
        u.email.lower(): u
        for u in User.objects.select_related("department")
        .annotate(email_upper=Upper("email"))  # the index user_email_upper
        .filter(email_upper__in=emails)
    }
    return by_number, by_email


def _match(row: Row, by_number: dict[str, User], by_email: dict[str, User]) -> User | None:
    if row.values["employee_number"] and row.values["employee_number"] in by_number:
        return by_number[row.values["employee_number"]]
    if row.values["email"]:
        return by_email.get(row.values["email"].lower())
    return None


def _departments() -> dict[str, Department]:
    found: dict[str, Department] = {}
    for department in Department.objects.all():
        found[department.name.lower()] = department
        found[department.slug] = department
    return found


def _department_of(row: Row, departments: dict[str, Department], create: bool) -> Any:
    name = row.values["department"]
    if not name:
        return None
    found = departments.get(name.lower()) or departments.get(slugify(name))
    if found is None and not create:
        row.errors.append(
            f"There is no department named “{name}”: fix the row, or tick “create unknown "
            "departments”."
        )
    return found if found is not None else name


def _wanted(row: Row, user: User | None) -> dict[str, Any]:
    values = row.values
    email = values["email"] or (user.email if user else "")
    return {
        "username": values["user_name"]
        or (user.username if user else "")
        or email
        or values["employee_number"],
        "email": email,
        "employee_number": values["employee_number"] or (user.employee_number if user else ""),
        "first_name": values["given_name"] or (user.first_name if user else ""),
        "last_name": values["family_name"] or (user.last_name if user else ""),
        "directory_name": values["display_name"] or (user.directory_name if user else ""),
        "is_active": row.active,
    }


def _facts(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "email": user.email,
        "employee_number": user.employee_number,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "directory_name": user.directory_name,
        "is_active": user.is_active,
        "department": user.department_id,
    }


@dataclass
class Preview:
    create: int = 0
    update: int = 0
    deactivate: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    error_count: int = 0
    sample: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0

    def as_json(self, choice: dict[str, Any]) -> dict[str, Any]:
        """As kept on :attr:`PersonImport.preview`, with the choice it was computed for."""
        return {
            "choice": choice,
            "total": self.total,
            "create": self.create,
            "update": self.update,
            "deactivate": self.deactivate,
            "unchanged": self.unchanged,
            "changes": self.create + self.update + self.deactivate,
            "error_count": self.error_count,
            "errors": [{"line": line, "error": error} for line, error in self.errors],
            "sample": self.sample,
        }


def import_preview(batch: PersonImport, *, by: User, sample: int = 50) -> Preview:
    """What applying would do, row by row, without writing anything (in the caller's process:
    the pages run it on the worker, :func:`preview_start`)."""
    require(by, "portal.manage_people", None, "Only administrators import people.")
    return _preview(batch, sample=sample)


def _preview(
    batch: PersonImport, *, sample: int = 50, chunk_done: Callable[[int], bool] | None = None
) -> Preview:
    """The preview, chunk by chunk; ``chunk_done(rows read)`` after each chunk, which stops the
    preview (returning what was counted) when it answers False."""
    preview = Preview()
    departments = _departments()
    usernames_taken: set[str] = set()
    for chunk in _chunks(batch):
        by_number, by_email = _existing([r for r in chunk if not r.errors])
        taken = {
            name.lower()
            for name in User.objects.filter(
                username__in=[r.values["user_name"] or r.values["email"] for r in chunk]
            ).values_list("username", flat=True)
        }
        for row in chunk:
            preview.total += 1
            user = _match(row, by_number, by_email) if not row.errors else None
            department = _department_of(row, departments, batch.create_departments)
            if not row.errors and user is None:
                wanted = _wanted(row, None)
                name = str(wanted["username"]).lower()
                if name in taken or name in usernames_taken:
                    row.errors.append(f"The username “{wanted['username']}” is someone else's.")
                usernames_taken.add(name)
            if row.errors:
                preview.error_count += 1
                if len(preview.errors) < MAX_ERRORS_KEPT:
                    preview.errors.append((row.line, " ".join(row.errors)))
                continue
            if user is None:
                what = "create"
            else:
                wanted = _wanted(row, user)
                same = all(getattr(user, key) == value for key, value in wanted.items())
                department_id = department.pk if isinstance(department, Department) else None
                if same and (not row.values["department"] or department_id == user.department_id):
                    what = "unchanged"
                elif user.is_active and not row.active:
                    what = "deactivate"
                else:
                    what = "update"
            setattr(preview, what, getattr(preview, what) + 1)
            if len(preview.sample) < sample and what != "unchanged":
                preview.sample.append({"line": row.line, "what": what, **row.values})
        if chunk_done is not None and not chunk_done(preview.total):
            break
    return preview


# --- The preview on the worker ----------------------------------------------------------------

PREVIEW_ATTEMPTS = 3


@transaction.atomic
def preview_start(batch: PersonImport, *, by: User) -> PersonImport:
    """Start a new preview of the import's current mapping on the worker (after commit); a
    preview still running for an earlier mapping stops writing at its next chunk."""
    from portal.tasks import preview_person_import

    require(by, "portal.manage_people", None, "Only administrators import people.")
    batch = PersonImport.objects.select_for_update().get(pk=batch.pk)
    if batch.status != PersonImport.Status.UPLOADED:
        raise Refused.conflict("This import is already being applied, or was.")
    batch.preview_run += 1
    batch.preview_status = PersonImport.PreviewStatus.RUNNING
    batch.preview_attempts = batch.preview_rows = batch.preview_total = 0
    batch.preview = {}
    batch.preview_failure = ""
    batch.save(
        update_fields=["preview_run", "preview_status", "preview_attempts", "preview_rows",
                       "preview_total", "preview", "preview_failure"]
    )  # fmt: skip
    run = batch.preview_run
    transaction.on_commit(lambda: preview_person_import.delay(batch.pk, run))
    return batch


def preview_compute(batch_id: int, run: int) -> None:
    """The worker's side of :func:`preview_start`: from the first row every time it starts (a
    task run again after a lost worker starts over), progress saved after each chunk; stopped
    and recorded as failed after :data:`PREVIEW_ATTEMPTS` starts, so it never loops."""
    with transaction.atomic():
        batch = PersonImport.objects.select_for_update().filter(pk=batch_id).first()
        if (
            batch is None
            or batch.preview_run != run
            or batch.preview_status != PersonImport.PreviewStatus.RUNNING
        ):
            return  # superseded by a newer preview, finished, or the import is gone
        batch.preview_attempts += 1
        batch.preview_rows = 0
        batch.save(update_fields=["preview_attempts", "preview_rows"])
    if batch.preview_attempts > PREVIEW_ATTEMPTS:
        preview_failed(
            batch_id,
            run,
            f"The preview was started {PREVIEW_ATTEMPTS} times without finishing (the worker "
            "stopped, or the database was out of reach); preview again.",
        )
        return
    choice = batch.current_choice
    reader = csv.reader(_lines(batch.content))
    try:
        total = max(0, sum(1 for record in reader if record) - 1)  # as DictReader: no blank lines
    except csv.Error as error:
        raise _unreadable(reader.line_num, error) from None
    mine = PersonImport.objects.filter(pk=batch_id, preview_run=run)
    if not mine.update(preview_total=total):
        return

    def chunk_done(rows: int) -> bool:
        return bool(mine.update(preview_rows=rows))

    preview = _preview(batch, chunk_done=chunk_done)
    mine.filter(preview_status=PersonImport.PreviewStatus.RUNNING).update(
        preview_status=PersonImport.PreviewStatus.DONE,
        preview=preview.as_json(choice),
        preview_rows=preview.total,
    )


def preview_failed(batch_id: int, run: int, reason: str) -> None:
    """Keep why the preview stopped (shown on the page), unless a newer preview started."""
    PersonImport.objects.filter(
        pk=batch_id, preview_run=run, preview_status=PersonImport.PreviewStatus.RUNNING
    ).update(preview_status=PersonImport.PreviewStatus.FAILED, preview_failure=reason[:2000])


# --- Applying ---------------------------------------------------------------------------------


@transaction.atomic
def import_start(batch: PersonImport, *, by: User) -> PersonImport:
    """Mark the import as applying (once) and hand it to the worker after commit."""
    from portal.tasks import apply_person_import

    require(by, "portal.manage_people", None, "Only administrators import people.")
    batch = PersonImport.objects.select_for_update().get(pk=batch.pk)
    if batch.status != PersonImport.Status.UPLOADED:
        raise Refused.conflict("This import is already being applied, or was.")
    if batch.preview_status != PersonImport.PreviewStatus.DONE:
        raise Refused.conflict(
            "Preview the import first: Apply is offered once its preview has finished."
        )
    if not batch.preview_is_current:
        raise Refused.conflict(
            "The column mapping or “create unknown departments” changed since the preview: "
            "preview again, then apply."
        )
    batch.status = PersonImport.Status.APPLYING
    batch.total_rows = int(batch.preview["total"])
    batch.save(update_fields=["status", "total_rows"])
    audit_record(
        actor=by,
        action="person_import.started",
        obj=batch,
        after={"mapping": batch.mapping, "create_departments": batch.create_departments},
    )
    transaction.on_commit(lambda: apply_person_import.delay(batch.pk))
    return batch


def import_apply(batch_id: int) -> PersonImport:
    """Apply every good row, chunk by chunk (each in its own transaction, progress saved)."""
    batch = PersonImport.objects.select_related("created_by").get(pk=batch_id)
    by = batch.created_by
    managers: list[tuple[int, str]] = []
    departments = _departments()
    for chunk in _chunks(batch):
        with transaction.atomic():
            counts, chunk_managers = _apply_chunk(batch, chunk, departments, by)
            managers.extend(chunk_managers)
            PersonImport.objects.filter(pk=batch.pk).update(**counts)
    _assign_managers(managers)
    batch.refresh_from_db()
    batch.status = PersonImport.Status.DONE
    batch.finished_at = timezone.now()
    batch.save(update_fields=["status", "finished_at"])
    audit_record(
        actor=by,
        action="person_import.applied",
        obj=batch,
        after={
            "created": batch.created_count,
            "updated": batch.updated_count,
            "deactivated": batch.deactivated_count,
            "unchanged": batch.unchanged_count,
            "errors": batch.error_count,
        },
    )
    return batch


def _apply_chunk(
    batch: PersonImport, chunk: list[Row], departments: dict[str, Department], by: User
) -> tuple[dict[str, Any], list[tuple[int, str]]]:
    from django.db.models import F

    by_number, by_email = _existing([r for r in chunk if not r.errors])
    new: list[tuple[Row, User]] = []
    changed: list[tuple[Row, User, dict[str, Any]]] = []
    unchanged = deactivated = 0
    bad: list[tuple[int, str]] = []
    taken = {
        name.lower()
        for name in User.objects.filter(
            username__in=[r.values["user_name"] or r.values["email"] for r in chunk]
        ).values_list("username", flat=True)
    }
    for row in chunk:
        user = _match(row, by_number, by_email) if not row.errors else None
        department = _department_of(row, departments, batch.create_departments)
        if isinstance(department, str) and not row.errors:  # create it (the admin ticked it)
            created, _ = Department.objects.get_or_create(
                slug=slugify(department)[:120] or "department", defaults={"name": department}
            )
            departments[created.name.lower()] = departments[created.slug] = created
            audit_record(
                actor=by,
                action="department.created",
                obj=created,
                after={"name": created.name},
                comment=f"CSV import {batch.pk}",
            )
            department = created
        if not row.errors and user is None:
            wanted = _wanted(row, None)
            if str(wanted["username"]).lower() in taken:
                row.errors.append(f"The username “{wanted['username']}” is someone else's.")
            taken.add(str(wanted["username"]).lower())
        if row.errors:
            bad.append((row.line, " ".join(row.errors)))
            continue
        wanted = _wanted(row, user)
        if row.values["department"]:
            wanted["department"] = department
        if user is None:
            person = User(**wanted, provisioned_at=timezone.now(), password=make_password(None))
            new.append((row, person))
        else:
            before = _facts(user)
            for key, value in wanted.items():
                setattr(user, key, value)
            if _facts(user) == before:
                unchanged += 1
            else:
                deactivated += before["is_active"] and not user.is_active
                changed.append((row, user, before))
    User.objects.bulk_create([person for _, person in new])
    fields = ["username", "email", "employee_number", "first_name", "last_name",
              "directory_name", "is_active", "department", "updated_at"]  # fmt: skip
    now = timezone.now()
    for _, user, _ in changed:
        user.updated_at = now
    User.objects.bulk_update([user for _, user, _ in changed], fields)
    comment = f"CSV import {batch.pk} ({batch.file_name})"
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(actor=by, actor_label=by.get_username(), action="person.imported",
                       object_type="portal.user", object_id=str(person.pk),
                       object_label=str(person)[:255], after=_facts(person), comment=comment)
            for _, person in new
        ]
        + [
            AuditEvent(actor=by, actor_label=by.get_username(), action="person.updated",
                       object_type="portal.user", object_id=str(user.pk),
                       object_label=str(user)[:255], before=before, after=_facts(user),
                       comment=comment)
            for _, user, before in changed
        ]
    )  # fmt: skip
    for _, user, before in changed:
        if before["department"] != user.department_id or before["is_active"] != user.is_active:
            person_moved.send(
                sender=User,
                user=user,
                department_before=before["department"],
                department_after=user.department_id,
                active_before=before["is_active"],
                active_after=user.is_active,
            )
    managers = [
        (person.pk, row.values["manager"])
        for row, person in [*new, *[(r, u) for r, u, _ in changed]]
        if row.values["manager"]
    ]
    errors = PersonImport.objects.filter(pk=batch.pk).values_list("errors", flat=True).get()
    kept = (errors + [{"line": line, "error": text} for line, text in bad])[:MAX_ERRORS_KEPT]
    counts = {
        "processed_rows": F("processed_rows") + len(chunk),
        "created_count": F("created_count") + len(new),
        "updated_count": F("updated_count") + len(changed) - deactivated,
        "deactivated_count": F("deactivated_count") + deactivated,
        "unchanged_count": F("unchanged_count") + unchanged,
        "error_count": F("error_count") + len(bad),
        "errors": kept,
    }
    return counts, managers


def _assign_managers(pairs: list[tuple[int, str]]) -> None:
    """Managers last, once everyone of the file exists: by employee number, else by email."""
    for start in range(0, len(pairs), CHUNK):
        part = pairs[start : start + CHUNK]
        keys = {key for _, key in part}
        found = {
            key.lower(): pk
            for pk, number, email in User.objects.filter(
                Q(employee_number__in=keys) | Q(email__in=keys)
            ).values_list("pk", "employee_number", "email")
            for key in (number, email)
            if key
        }
        with transaction.atomic():
            people = list(User.objects.filter(pk__in=[pk for pk, _ in part]))
            wanted = dict(part)
            for person in people:
                manager = found.get(wanted[person.pk].lower())
                person.manager_id = manager if manager != person.pk else None
            User.objects.bulk_update(people, ["manager"])


__all__ = ["FIELDS"]
