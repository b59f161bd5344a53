"""CSV and Excel exports of the filtered portfolio, read back as a spreadsheet would."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

import openpyxl
import pytest
from django.test import Client

from portal.exports import neutralised
from portal.models import User
from usecases.models import UseCase


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _csv(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+44 20", "'+44 20"),
        ("-cut", "'-cut"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Plain", "Plain"),
        (-5, -5),
    ],
)
def test_neutralised(text: object, expected: object) -> None:
    assert neutralised(text) == expected


def test_csv_export_follows_filters_and_ranking(
    reviewer: User, known_portfolio: dict[str, UseCase]
) -> None:
    k = known_portfolio
    response = _client(reviewer).get("/portfolio/export.csv", {"department": "engineering"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv(response)
    assert [r["Reference"] for r in rows] == [k["b"].reference, k["d"].reference]
    assert rows[0]["Archetype"] == "Maker"
    assert rows[0]["Annual cost P50 (USD)"] == "20000.0"
    assert rows[1]["Title"] == "'-cut travel costs"


def test_csv_export_neutralises_formulas(
    reviewer: User, known_portfolio: dict[str, UseCase]
) -> None:
    rows = _csv(_client(reviewer).get("/portfolio/export.csv", {"status": "submitted"}))
    assert rows[0]["Title"].startswith("'=HYPERLINK")
    assert rows[0]["Priority"] == ""


def test_xlsx_export_is_typed_and_frozen(
    reviewer: User, known_portfolio: dict[str, UseCase]
) -> None:
    k = known_portfolio
    UseCase.objects.filter(pk=k["a"].pk).update(
        submitted_at=datetime(2026, 3, 2, 9, 30).astimezone()
    )
    response = _client(reviewer).get("/portfolio/export.xlsx", {"sort": "-priority"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet: Any = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.freeze_panes == "A2"
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["Reference", "Title", "Priority"]
    rows: list[dict[str, Any]] = [
        dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)
    ]
    assert [r["Reference"] for r in rows] == [k[x].reference for x in ("a", "b", "d", "c")]
    first = rows[0]
    assert first["Priority"] == 90
    assert first["Annual cost P50 (USD)"] == 5000
    types = {header[c.column - 1]: c.data_type for c in sheet[2]}
    assert types["Priority"] == types["Annual cost P50 (USD)"] == types["Open findings"] == "n"
    assert types["Submitted"] == "d" and types["Title"] == "s"
    assert first["Open findings"] == 1
    assert isinstance(first["Submitted"], datetime)
    assert first["Submitted"].date().isoformat() == "2026-03-02"
    assert rows[3]["Title"].startswith("'=HYPERLINK")
    assert rows[2]["Title"] == "'-cut travel costs"
    assert rows[3]["Annual cost P50 (USD)"] is None
    assert sheet.column_dimensions["B"].width >= 40


def test_exports_refuse_a_lead(lead: User, known_portfolio: dict[str, UseCase]) -> None:
    assert _client(lead).get("/portfolio/export.csv").status_code == 403
    assert _client(lead).get("/portfolio/export.xlsx").status_code == 403
