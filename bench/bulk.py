"""Fast inserts for the generator: PostgreSQL ``COPY`` of plain rows or of unsaved model objects.

``copy_objects`` reads the model's own fields (generated columns left to the database), so a
field added to a model with a default is filled without changing the generator.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.utils import timezone

CHUNK = 50_000


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class _Raw(str):
    """A value already in COPY text."""


def as_copy_text(value: Any, encoder: type[json.JSONEncoder] | None = None) -> str:
    """One value in COPY's text format."""
    if isinstance(value, _Raw):
        return value
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return _escape(json.dumps(value, cls=encoder or DjangoJSONEncoder))
    return _escape(str(value))


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY ``rows`` (tuples in ``columns`` order) into ``table``, in chunks; returns the count."""
    quote = connection.ops.quote_name
    statement = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    total = 0
    buffer = io.StringIO()
    pending = 0

    def flush() -> None:
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.copy_expert(statement, buffer)
        buffer.seek(0)
        buffer.truncate()

    for row in rows:
        buffer.write("\t".join(as_copy_text(value) for value in row))
        buffer.write("\n")
        pending += 1
        total += 1
        if pending >= CHUNK:
            flush()
            pending = 0
    if pending:
        flush()
    return total


def _stored_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [
        field for field in model._meta.concrete_fields if not getattr(field, "generated", False)
    ]


def copy_objects(model: type[models.Model], objects: Iterable[models.Model]) -> int:
    """COPY unsaved ``objects`` of ``model`` with the primary keys they carry.

    Timestamps left empty on ``auto_now``/``auto_now_add`` fields are set to now; values set
    on them are kept (a generator sets the past)."""
    fields = _stored_fields(model)
    now = timezone.now()
    stamped = {
        field.attname
        for field in fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    }
    encoders = {field.attname: getattr(field, "encoder", None) for field in fields}

    def rows() -> Iterable[list[_Raw]]:
        for obj in objects:
            row = []
            for field in fields:
                value = getattr(obj, field.attname)
                if value is None and field.attname in stamped:
                    value = now
                row.append(_Raw(as_copy_text(value, encoders[field.attname])))
            yield row

    return copy_rows(model._meta.db_table, [str(field.column) for field in fields], rows())


def reset_sequences(*model_list: type[models.Model]) -> None:
    """After inserting explicit primary keys: let the sequences continue after the largest."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(model_list))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
