"""The compliance heat map: departments by policies, each cell the share of the department's
people who acknowledged the policy (read from :func:`policies.selectors.compliance_overview`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from policies.selectors import PolicyCompliance, compliance_overview


@dataclass(frozen=True)
class HeatCell:
    rate: float | None  # None: the department is not in the policy's audience
    audience: int = 0
    acknowledged: int = 0


@dataclass
class ComplianceHeatMap:
    reports: list[PolicyCompliance]
    departments: list[str] = field(default_factory=list)
    # one row per department: its name and one cell per policy, in ``reports`` order
    rows: list[tuple[str, list[HeatCell]]] = field(default_factory=list)


def compliance_heat_map() -> ComplianceHeatMap:
    """Departments by policies, from :func:`policies.selectors.compliance_overview`."""
    reports = compliance_overview()
    names = sorted({row.department for report in reports for row in report.departments})
    by_policy = [{row.department: row for row in report.departments} for report in reports]
    rows = []
    for name in names:
        cells = []
        for per_department in by_policy:
            found = per_department.get(name)
            cells.append(
                HeatCell(rate=None)
                if found is None
                else HeatCell(
                    rate=found.rate, audience=found.audience, acknowledged=found.acknowledged
                )
            )
        rows.append((name, cells))
    return ComplianceHeatMap(reports=reports, departments=names, rows=rows)
