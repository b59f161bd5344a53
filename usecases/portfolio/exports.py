"""The filtered portfolio and the decision log as CSV and Excel files (formula-safe: see
:mod:`portal.exports`)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from portal.exports import csv_lines, excel_cell
from usecases.models import Archetype, Status
from usecases.portfolio.decisions import Decision
from usecases.risk import RiskTier
from usecases.scoring import Quadrant

# Labels looked up in a dict: ``get_FOO_display`` rebuilds its choices dict on every call, which
# is a fifth of the time of a 10,000-row export.
QUADRANTS, RISK_TIERS, STATUSES = (
    dict(Quadrant.choices),
    dict(RiskTier.choices),
    dict(Status.choices),
)

# One exported case: the values of ``usecases.portfolio.selectors.EXPORTED_FIELDS``.
ExportRow = dict[str, Any]


def _local(moment: datetime | None) -> datetime | None:
    # Excel has no time zones: write the portal's local time, without the offset.
    if moment is None:
        return None
    return moment.astimezone(timezone.get_default_timezone()).replace(tzinfo=None)


def _net(row: ExportRow) -> Any:
    benefit, cost = row["expected_annual_benefit"], row["estimate_annual_p50"]
    if benefit is None or cost is None:
        return None
    return benefit - cost


ARCHETYPES = {key: label.split(" (")[0] for key, label in Archetype.choices}


def _archetype(row: ExportRow) -> str:
    key = row["archetype"]
    return ARCHETYPES.get(key, str(key)) if key else ""


def _money(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


@dataclass(frozen=True)
class Column:
    header: str
    width: int
    value: Callable[[ExportRow], Any]
    number_format: str = ""


PORTFOLIO_COLUMNS = [
    Column("Reference", 11, lambda r: r["reference"]),
    Column("Title", 48, lambda r: r["title"]),
    Column("Priority", 9, lambda r: _rounded(r["priority_score"]), "0.0"),
    Column("Value", 8, lambda r: _rounded(r["value_score"]), "0.0"),
    Column("Feasibility", 11, lambda r: _rounded(r["feasibility_score"]), "0.0"),
    Column("Quadrant", 14, lambda r: QUADRANTS.get(r["quadrant"], r["quadrant"])),
    Column("Risk tier", 12, lambda r: RISK_TIERS.get(r["risk_tier"], r["risk_tier"])),
    Column("Open findings", 13, lambda r: r["open_findings_count"], "0"),
    Column("Archetype", 10, _archetype),
    Column("One-time cost P50 (USD)", 17, lambda r: _money(r["estimate_one_time_p50"]), "#,##0"),
    Column("Annual cost P50 (USD)", 16, lambda r: _money(r["estimate_annual_p50"]), "#,##0"),
    Column(
        "Annual benefit (USD)",
        22,
        lambda r: _money(r["expected_annual_benefit"]),
        "#,##0",
    ),
    Column("Net per year (USD)", 18, lambda r: _money(_net(r)), "#,##0"),
    Column("Payback (months)", 16, lambda r: _rounded(r["estimate_payback_months"]), "0.0"),
    Column("3-year NPV (USD)", 17, lambda r: _money(r["estimate_npv_3y_p50"]), "#,##0"),
    Column("Status", 12, lambda r: STATUSES.get(r["status"], r["status"])),
    Column("Department", 22, lambda r: r["department__name"]),
    Column("Owner", 22, lambda r: r["submitter__username"]),
    Column("Submitted", 17, lambda r: _local(r["submitted_at"]), "yyyy-mm-dd hh:mm"),
    Column("Decided", 17, lambda r: _local(r["decided_at"]), "yyyy-mm-dd hh:mm"),
]

DECISION_HEADERS = ["When", "Who", "Case", "Title", "From", "To", "Decision", "Reason"]


def decision_cells(row: Decision) -> list[Any]:
    return [
        _local(row.event.created_at),
        row.event.actor_label,
        row.reference,
        row.title,
        row.before_label,
        row.after_label,
        row.label,
        row.event.comment,
    ]


def portfolio_csv(rows: Iterable[ExportRow]) -> Iterator[str]:
    return csv_lines(
        [c.header for c in PORTFOLIO_COLUMNS],
        ([column.value(row) for column in PORTFOLIO_COLUMNS] for row in rows),
    )


def decisions_csv(rows: Iterable[Decision]) -> Iterator[str]:
    return csv_lines(DECISION_HEADERS, (decision_cells(row) for row in rows))


def portfolio_xlsx(rows: Iterable[ExportRow]) -> bytes:
    """An Excel workbook: header row, frozen; numbers and dates typed; readable widths."""
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Portfolio"
    sheet.append([c.header for c in PORTFOLIO_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([excel_cell(column.value(row)) for column in PORTFOLIO_COLUMNS])
    for index, column in enumerate(PORTFOLIO_COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        if column.number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = column.number_format
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
