"""Reads of the portfolio, at a fixed number of queries whatever the number of cases.

Every filter and sort runs in the database on an indexed column of ``UseCase`` (the sorts on
department and owner go through their join); the open guardrail findings and the effective
archetype are kept on the case itself (``open_findings_count``, the generated ``archetype``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import NullIf

from policies.selectors import PolicyCompliance, compliance_overview
from portal.models import AuditEvent, Department
from usecases.links import case_url
from usecases.models import Archetype, BusinessFunction, Status, UseCase, ValueLever
from usecases.risk import RiskTier
from usecases.scoring import Quadrant
from usecases.selectors import latest_rubric, usecases_visible_to
from usecases.workflow import TRANSITIONS

CHART_POINT_CAP = 1000
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
    "status": "status",
    "open_findings": "open_findings_count",
    "department": "department__name",
    "owner": "submitter__username",
}
DEFAULT_SORT = "-priority"


def _style(form: forms.Form) -> None:
    """Bootstrap's small controls: selects for choices, inputs for the rest."""
    for form_field in form.fields.values():
        is_choice = isinstance(form_field, forms.ChoiceField)
        css = "form-select form-select-sm" if is_choice else "form-control form-control-sm"
        form_field.widget.attrs.setdefault("class", css)


def _choices(choices: Any, empty: str) -> list[tuple[str, str]]:
    return [("", empty), *choices]


class PortfolioFilterForm(forms.Form):
    """The filters and the sort, all in the URL so that a view of the portfolio is a link."""

    status = forms.ChoiceField(required=False, choices=_choices(Status.choices, "Any status"))
    department = forms.SlugField(required=False)
    archetype = forms.ChoiceField(
        required=False, choices=_choices(Archetype.choices, "Any archetype")
    )
    risk_tier = forms.ChoiceField(required=False, choices=_choices(RiskTier.choices, "Any tier"))
    value_lever = forms.ChoiceField(
        required=False, choices=_choices(ValueLever.choices, "Any lever")
    )
    business_function = forms.ChoiceField(
        required=False, choices=_choices(BusinessFunction.choices, "Any function")
    )
    quadrant = forms.ChoiceField(required=False, choices=_choices(Quadrant.choices, "Any quadrant"))
    sort = forms.ChoiceField(
        required=False,
        choices=[(key, key) for name in SORTS for key in (name, f"-{name}")],
    )

    FILTERS = (
        "status",
        "department",
        "archetype",
        "risk_tier",
        "value_lever",
        "business_function",
        "quadrant",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)

    def filters(self) -> dict[str, str]:
        """The valid filters given (an invalid one is dropped, not guessed)."""
        data = self.cleaned_data if self.is_valid() else self._valid_part()
        return {name: data[name] for name in self.FILTERS if data.get(name)}

    def sort_key(self) -> str:
        data = self.cleaned_data if self.is_valid() else self._valid_part()
        return data.get("sort") or DEFAULT_SORT

    def _valid_part(self) -> dict[str, Any]:
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors}


FILTER_COLUMNS = (
    "status",
    "risk_tier",
    "value_lever",
    "business_function",
    "quadrant",
    "archetype",
)


def filtered_cases(cases: QuerySet[UseCase], filters: dict[str, str]) -> QuerySet[UseCase]:
    for name in FILTER_COLUMNS:
        if filters.get(name):
            cases = cases.filter(**{name: filters[name]})
    if filters.get("department"):
        cases = cases.filter(department__slug=filters["department"])
    return cases


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


def portfolio_for(
    user: Any, filters: dict[str, str], sort: str = DEFAULT_SORT
) -> QuerySet[UseCase]:
    """Every case ``user`` may see that matches ``filters``, ranked by ``sort``."""
    cases = usecases_visible_to(user).select_related("department", "submitter")
    return ordered(filtered_cases(cases, filters), sort)


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
    "status",
    "submitted_at",
    "decided_at",
    "department__name",
    "submitter__username",
)


def streamed_rows(cases: QuerySet[UseCase]) -> Iterator[PortfolioRow]:
    """Every row of ``cases`` read in chunks (a server-side cursor on PostgreSQL), for exports."""
    cases = cases.only(*EXPORTED_FIELDS)
    return (PortfolioRow(usecase=case) for case in cases.iterator(chunk_size=2000))


# --- Totals -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    count: int
    estimated: int
    expected_annual_benefit: Decimal
    one_time_cost: Decimal
    annual_cost: Decimal
    by_status: list[tuple[str, str, int]]
    by_archetype: list[tuple[str, str, int]]
    by_risk_tier: list[tuple[str, str, int]]
    by_quadrant: list[tuple[str, str, int]]

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
            "by_status": counts(self.by_status),
            "by_archetype": counts(self.by_archetype),
            "by_risk_tier": counts(self.by_risk_tier),
            "by_quadrant": counts(self.by_quadrant),
        }


def _counted(found: dict[str, int], choices: Any, none_label: str) -> list[tuple[str, str, int]]:
    items = [(value, label, found.get(value, 0)) for value, label in choices]
    if found.get(""):
        items.append(("", none_label, found[""]))
    return items


def _short(choices: Any) -> list[tuple[str, str]]:
    return [(value, str(label).split(" (")[0]) for value, label in choices]


BREAKDOWNS = ("status", "archetype", "risk_tier", "quadrant")


def totals_of(cases: QuerySet[UseCase]) -> Totals:
    """Sums and counts of the filtered set, whatever its size, in one grouped query: a row per
    combination of status, archetype, risk tier and quadrant (a few hundred at most), summed up
    here, instead of a scan of the set per breakdown."""
    zero = Decimal("0")
    groups = (
        cases.order_by()
        .values(*BREAKDOWNS)
        .annotate(
            n=Count("id"),
            estimated=Count("id", filter=Q(estimate_annual_p50__isnull=False)),
            benefit=Sum("expected_annual_benefit"),
            one_time=Sum("estimate_one_time_p50"),
            annual=Sum("estimate_annual_p50"),
        )
    )
    count = estimated = 0
    benefit, one_time, annual = zero, zero, zero
    by: dict[str, dict[str, int]] = {column: {} for column in BREAKDOWNS}
    for group in groups:
        count += group["n"]
        estimated += group["estimated"]
        benefit += group["benefit"] or zero
        one_time += group["one_time"] or zero
        annual += group["annual"] or zero
        for column in BREAKDOWNS:
            key = group[column] or ""
            by[column][key] = by[column].get(key, 0) + group["n"]
    return Totals(
        count=count,
        estimated=estimated,
        expected_annual_benefit=benefit,
        one_time_cost=one_time,
        annual_cost=annual,
        by_status=_counted(by["status"], Status.choices, "No status"),
        by_archetype=_counted(by["archetype"], _short(Archetype.choices), "Not set"),
        by_risk_tier=_counted(by["risk_tier"], RiskTier.choices, "Not assessed"),
        by_quadrant=_counted(by["quadrant"], Quadrant.choices, "Not scored"),
    )


# --- Chart ------------------------------------------------------------------------------------

MIN_RADIUS = 3.0
MAX_RADIUS = 16.0


def bubble_radius(annual_cost: Decimal | None, largest: Decimal | None) -> float:
    """Area follows the annual cost (square-root scale), capped; cases without one stay visible."""
    if annual_cost is None or not largest or largest <= 0:
        return MIN_RADIUS
    share = math.sqrt(max(float(annual_cost), 0.0) / float(largest))
    return round(MIN_RADIUS + (MAX_RADIUS - MIN_RADIUS) * share, 2)


def chart_of(cases: QuerySet[UseCase]) -> dict[str, Any]:
    """The scored cases of the filtered set as bubbles (at most ``CHART_POINT_CAP``)."""
    scored = cases.filter(value_score__isnull=False, feasibility_score__isnull=False)
    rows = list(
        scored.values_list(
            "reference",
            "title",
            "value_score",
            "feasibility_score",
            "priority_score",
            "estimate_annual_p50",
            "chosen_archetype",
            "recommended_archetype",
        )[: CHART_POINT_CAP + 1]
    )
    capped = len(rows) > CHART_POINT_CAP
    rows = rows[:CHART_POINT_CAP]
    largest = max((row[5] for row in rows if row[5] is not None), default=None)
    _, rubric = latest_rubric()
    return {
        "points": [
            {
                "reference": reference,
                "title": title,
                "x": round(feasibility or 0.0, 1),
                "y": round(value or 0.0, 1),
                "r": bubble_radius(cost, largest),
                "priority": None if priority is None else round(priority, 1),
                "annual_cost": None if cost is None else float(cost),
                "archetype": chosen or recommended or "",
                "url": case_url(reference or ""),
            }
            for reference, title, value, feasibility, priority, cost, chosen, recommended in rows
        ],
        "capped": capped,
        "cap": CHART_POINT_CAP,
        "value_threshold": rubric.value_threshold,
        "feasibility_threshold": rubric.feasibility_threshold,
        "archetypes": {value: label for value, label in _short(Archetype.choices)},
    }


def departments() -> list[Department]:
    return list(Department.objects.order_by("name"))


# --- Decision log -----------------------------------------------------------------------------

DECISION_ACTIONS = {f"usecase.{to}": transition.to.label for to, transition in TRANSITIONS.items()}


class DecisionFilterForm(forms.Form):
    actor = forms.CharField(required=False, max_length=150, label="Who (username)")
    decision = forms.ChoiceField(
        required=False,
        label="Decision",
        choices=[("", "Any decision"), *[(to, t.to.label) for to, t in TRANSITIONS.items()]],
    )
    reference = forms.CharField(required=False, max_length=16, label="Case (UC-0001)")
    since = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label="Until", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


@dataclass(frozen=True)
class Decision:
    event: AuditEvent
    reference: str
    title: str
    before: str
    after: str

    @property
    def before_label(self) -> str:
        return Status(self.before).label if self.before in Status.values else self.before

    @property
    def after_label(self) -> str:
        return Status(self.after).label if self.after in Status.values else self.after


def decision_events(
    *,
    actor: str = "",
    decision: str = "",
    reference: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEvent]:
    """Every workflow move on every case, newest first (the CIO office sees every case)."""
    events = AuditEvent.objects.filter(
        object_type=UseCase._meta.label_lower, action__in=list(DECISION_ACTIONS)
    )
    if actor:
        events = events.filter(actor_label__iexact=actor.strip())
    if decision:
        events = events.filter(action=f"usecase.{decision}")
    if reference:
        case_ids = UseCase.objects.filter(reference__iexact=reference.strip()).values_list(
            "pk", flat=True
        )
        events = events.filter(object_id__in=[str(pk) for pk in case_ids])
    if since:
        events = events.filter(created_at__date__gte=since)
    if until:
        events = events.filter(created_at__date__lte=until)
    return events.order_by("-created_at", "-id")


def decisions_of(events: list[AuditEvent]) -> list[Decision]:
    rows = []
    for event in events:
        reference, _, title = event.object_label.partition(" ")
        rows.append(
            Decision(
                event=event,
                reference=reference,
                title=title,
                before=str((event.before or {}).get("status", "")),
                after=str((event.after or {}).get("status", event.action.split(".", 1)[1])),
            )
        )
    return rows


# --- Compliance -------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeatCell:
    rate: float | None  # None: the department is not in the policy's audience
    audience: int = 0
    acknowledged: int = 0

    @property
    def bucket(self) -> str:
        if self.rate is None:
            return "heat-na"
        return f"heat-{min(int(self.rate // 10), 10)}"


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
