"""Reads of the portfolio, at a fixed number of queries whatever the number of cases: its
rows, their order and their totals. The filters are ``usecases.filters.PortfolioFilter``'s,
the chart is :mod:`usecases.portfolio.chart`, the decision log
:mod:`usecases.portfolio.decisions`, the compliance heat map
:mod:`usecases.portfolio.compliance`.

Every filter and sort runs in the database on an indexed column of ``UseCase`` (the sorts on
department and owner go through their join); the open guardrail findings and the effective
archetype are kept on the case itself (``open_findings_count``, the generated ``archetype``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import NullIf

from portal.models import Department
from usecases.models import Archetype, Status, UseCase
from usecases.risk import RiskTier
from usecases.scoring import Quadrant
from usecases.selectors import usecases_visible_to

PAGE_SIZE = 25

# ``?sort=`` keys and the column each sorts on (``-key`` sorts descending); ties break on id.
SORTS: dict[str, str] = {
    "reference": "id",
    "title": "title",
    "priority": "priority_score",
    "value": "value_score",
    "feasibility": "feasibility_score",
    "quadrant": "quadrant",
    "risk_tier": "risk_tier",
    "archetype": "archetype",
    "one_time_cost": "estimate_one_time_p50",
    "annual_cost": "estimate_annual_p50",
    "benefit": "expected_annual_benefit",
    "payback": "estimate_payback_months",
    "npv": "estimate_npv_3y_p50",
    "status": "status",
    "open_findings": "open_findings_count",
    "department": "department__name",
    "owner": "submitter__username",
}
DEFAULT_SORT = "-priority"


BLANKABLE = {"quadrant", "risk_tier", "title"}  # blank text counts as missing


def ordered(cases: QuerySet[UseCase], sort: str) -> QuerySet[UseCase]:
    """Sort on a whitelisted column; missing values (null or blank) last both ways; ties by id.

    On PostgreSQL each key and direction has an index of exactly this shape (migration 0005)."""
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key == "reference":  # the primary key: its own index, read either way
        return cases.order_by("-id" if descending else "id")
    column = SORTS.get(key, SORTS["priority"])
    value: Any = NullIf(F(column), Value("")) if column in BLANKABLE else F(column)
    expression = value.desc(nulls_last=True) if descending else value.asc(nulls_last=True)
    return cases.order_by(expression, "id")


def portfolio_for(user: Any) -> QuerySet[UseCase]:
    """Every case ``user`` may see, with what a row shows; filtered and ranked by
    ``usecases.filters.PortfolioFilter``."""
    return usecases_visible_to(user).select_related("department", "submitter")


@dataclass(frozen=True)
class PortfolioRow:
    usecase: UseCase

    @property
    def open_findings(self) -> int:
        return self.usecase.open_findings_count

    @property
    def archetype(self) -> str:
        return str(getattr(self.usecase, "archetype", "") or "")

    @property
    def archetype_label(self) -> str:
        return Archetype(self.archetype).label.split(" (")[0] if self.archetype else ""


def rows_of(cases: Iterable[UseCase]) -> list[PortfolioRow]:
    return [PortfolioRow(usecase=case) for case in cases]


# What an export writes of each case (``usecases.portfolio.exports.PORTFOLIO_COLUMNS``): the
# long texts and JSON answers are not read, which halves the time of a 10,000-row export.
EXPORTED_FIELDS = (
    "reference",
    "title",
    "priority_score",
    "value_score",
    "feasibility_score",
    "quadrant",
    "risk_tier",
    "open_findings_count",
    "archetype",
    "chosen_archetype",
    "estimate_one_time_p50",
    "estimate_annual_p50",
    "expected_annual_benefit",
    "estimate_payback_months",
    "estimate_npv_3y_p50",
    "status",
    "submitted_at",
    "decided_at",
    "department__name",
    "submitter__username",
)


def streamed_rows(cases: QuerySet[UseCase]) -> Iterator[dict[str, Any]]:
    """Every row of ``cases`` as a dict of ``EXPORTED_FIELDS``, read in chunks (a server-side
    cursor on PostgreSQL), for exports: plain values, no model instance built per row (building
    one was most of the time of a 10,000-row export)."""
    return cases.values(*EXPORTED_FIELDS).iterator(chunk_size=2000)


# --- Totals -----------------------------------------------------------------------------------


# Cases that are not in play: decided against, withdrawn, retired (switched off: it costs and
# brings nothing any more), or of a practice the EU AI Act prohibits (Article 5). The totals
# leave them out unless asked (``counted=all``).
NOT_IN_PLAY_STATUSES = frozenset(
    {Status.REJECTED.value, Status.WITHDRAWN.value, Status.RETIRED.value}
)


def in_play(status: str | None, risk_tier: str | None) -> bool:
    """Whether a case counts in the totals: not rejected, withdrawn or retired, and not
    prohibited."""
    return status not in NOT_IN_PLAY_STATUSES and risk_tier != RiskTier.PROHIBITED.value


@dataclass(frozen=True)
class Totals:
    count: int
    estimated: int
    expected_annual_benefit: Decimal
    one_time_cost: Decimal
    annual_cost: Decimal
    npv_3y: Decimal
    by_status: list[tuple[str, str, int]]
    by_archetype: list[tuple[str, str, int]]
    by_risk_tier: list[tuple[str, str, int]]
    by_quadrant: list[tuple[str, str, int]]
    # What the totals count: "in_play" (the default) or "all"; and how many cases of the set
    # they leave out (rejected, withdrawn, retired or prohibited).
    counted: str = "in_play"
    left_out: int = 0

    @property
    def net_annual(self) -> Decimal:
        return self.expected_annual_benefit - self.annual_cost

    def as_dict(self) -> dict[str, Any]:
        def counts(items: list[tuple[str, str, int]]) -> list[dict[str, Any]]:
            return [{"key": key, "label": label, "count": n} for key, label, n in items]

        return {
            "count": self.count,
            "estimated": self.estimated,
            "expected_annual_benefit": self.expected_annual_benefit,
            "one_time_cost": self.one_time_cost,
            "annual_cost": self.annual_cost,
            "net_annual": self.net_annual,
            "npv_3y": self.npv_3y,
            "currency": "USD",
            "by_status": counts(self.by_status),
            "by_archetype": counts(self.by_archetype),
            "by_risk_tier": counts(self.by_risk_tier),
            "by_quadrant": counts(self.by_quadrant),
            "counted": self.counted,
            "left_out": self.left_out,
        }


def _counted(found: dict[str, int], choices: Any, none_label: str) -> list[tuple[str, str, int]]:
    items = [(value, label, found.get(value, 0)) for value, label in choices]
    if found.get(""):
        items.append(("", none_label, found[""]))
    return items


def short_labels(choices: Any) -> list[tuple[str, str]]:
    return [(value, str(label).split(" (")[0]) for value, label in choices]


BREAKDOWNS = ("status", "archetype", "risk_tier", "quadrant")


COUNTED = ("in_play", "all")


def totals_of(cases: QuerySet[UseCase], counted: str = "in_play") -> Totals:
    """Sums and counts of the filtered set, whatever its size, in one grouped query: a row per
    combination of status, archetype, risk tier and quadrant (a few hundred at most), summed up
    here, instead of a scan of the set per breakdown.

    ``counted="in_play"`` (the default) leaves out the cases that cannot be pursued
    (:func:`in_play`) and says how many; ``"all"`` counts every case of the set."""
    everything = counted == "all"
    left_out = 0
    zero = Decimal("0")
    groups = (
        cases.order_by()
        .values(*BREAKDOWNS)
        .annotate(
            n=Count("id"),
            estimated=Count("id", filter=Q(estimate_annual_p50__isnull=False)),
            # The benefit of the same cases as the costs: those with an estimate.
            benefit=Sum("expected_annual_benefit", filter=Q(estimate_annual_p50__isnull=False)),
            one_time=Sum("estimate_one_time_p50"),
            annual=Sum("estimate_annual_p50"),
            npv=Sum("estimate_npv_3y_p50"),
        )
    )
    count = estimated = 0
    benefit, one_time, annual, npv = zero, zero, zero, zero
    by: dict[str, dict[str, int]] = {column: {} for column in BREAKDOWNS}
    for group in groups:
        if not everything and not in_play(group["status"], group["risk_tier"]):
            left_out += group["n"]
            continue
        count += group["n"]
        estimated += group["estimated"]
        benefit += group["benefit"] or zero
        one_time += group["one_time"] or zero
        annual += group["annual"] or zero
        npv += group["npv"] or zero
        for column in BREAKDOWNS:
            key = group[column] or ""
            by[column][key] = by[column].get(key, 0) + group["n"]
    return Totals(
        count=count,
        estimated=estimated,
        expected_annual_benefit=benefit,
        one_time_cost=one_time,
        annual_cost=annual,
        npv_3y=npv,
        by_status=_counted(by["status"], Status.choices, "No status"),
        by_archetype=_counted(by["archetype"], short_labels(Archetype.choices), "Not set"),
        by_risk_tier=_counted(by["risk_tier"], RiskTier.choices, "Not assessed"),
        by_quadrant=_counted(by["quadrant"], Quadrant.choices, "Not scored"),
        counted="all" if everything else "in_play",
        left_out=left_out,
    )


def departments() -> list[Department]:
    return list(Department.objects.order_by("name"))
