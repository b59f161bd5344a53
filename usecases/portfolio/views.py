"""Pages of the portfolio. The CIO office and admins only: anyone else gets 403 (a report, not a
case, so its existence is no secret)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from rules.contrib.views import permission_required

from usecases.filters import PortfolioFilter
from usecases.portfolio import chart, compliance, decisions, exports, selectors

PERMISSION = "usecases.view_portfolio"


def _portfolio_query(request: HttpRequest) -> tuple[PortfolioFilter, Any, str]:
    filters = PortfolioFilter(request.GET, queryset=selectors.portfolio_for(request.user))
    return filters, filters.qs, filters.sort_key()


def _query_string(filters: PortfolioFilter, *, sort: str | None = None) -> str:
    params = filters.filters_given()
    if sort:
        params["sort"] = sort
    return urlencode(params)


def _counted_links(filters: PortfolioFilter) -> dict[str, str]:
    """The totals' switch between the cases in play and all cases, keeping the other filters."""
    params = {**filters.filters_given(), "sort": filters.sort_key()}
    params.pop("counted", None)
    return {
        "in_play": "?" + urlencode(params),
        "all": "?" + urlencode({**params, "counted": "all"}),
    }


@permission_required(PERMISSION, raise_exception=True)
def portfolio(request: HttpRequest) -> HttpResponse:
    filters, cases, sort = _portfolio_query(request)
    page = Paginator(cases, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.rows_of(page.object_list)
    filters_only = _query_string(filters)
    sort_name = sort.lstrip("-")
    columns = [
        {
            "key": key,
            "label": label,
            "active": sort_name == key,
            "descending": sort.startswith("-"),
            # A click on the active column flips it; on another, sorts it highest first.
            "link": "?" + _query_string(filters, sort=(key if sort == f"-{key}" else f"-{key}")),
        }
        for key, label in HEADERS
    ]
    return render(
        request,
        "usecases/portfolio/portfolio.html",
        {
            "form": filters.form,
            "page": page,
            "rows": rows,
            "columns": columns,
            # The case's column also sorts by department and owner (shown on its line).
            "case_column": columns[0],
            "case_sorts": [c for c in columns if c["key"] in ("department", "owner")],
            # Priority also sorts by quadrant (shown under the priority).
            "quadrant_sort": next(c for c in columns if c["key"] == "quadrant"),
            "figure_columns": [
                {**c, "numeric": c["key"] not in TEXT_COLUMNS, "wide_only": c["key"] in WIDE_ONLY}
                for c in columns[1:]
                if c["key"] not in ("department", "owner", "quadrant")
            ],
            "query": _query_string(filters, sort=sort),
            "filters_query": filters_only,
            "filtered": bool(filters.filters_given()),
            "totals": selectors.totals_of(cases, filters.counting()),
            "counted_links": _counted_links(filters),
            "chart": chart.chart_of(cases),
            "departments": selectors.departments(),
        },
    )


TEXT_COLUMNS = {"quadrant", "risk_tier", "archetype", "status"}
# Shown from 1400 px up: the chart above the table places every case by value and feasibility
# and in its quadrant (the filter and the exports have them too), so that the table fits a
# 1280 px screen without scrolling sideways.
WIDE_ONLY = {"value", "feasibility"}
HEADERS = [
    ("reference", "Case"),
    ("priority", "Priority"),
    ("value", "Value"),
    ("feasibility", "Feas."),
    ("quadrant", "Quadrant"),
    ("risk_tier", "Risk"),
    ("open_findings", "Findings"),
    ("archetype", "Archetype"),
    ("one_time_cost", "One-time"),
    ("annual_cost", "Annual"),
    ("benefit", "Benefit/yr"),
    ("payback", "Payback"),
    ("npv", "NPV 3 yr"),
    ("status", "Status"),
    ("department", "Department"),
    ("owner", "Owner"),
]


def _filename(stem: str, extension: str) -> str:
    return f"{stem}-{timezone.localdate():%Y-%m-%d}.{extension}"


@permission_required(PERMISSION, raise_exception=True)
def portfolio_csv(request: HttpRequest) -> StreamingHttpResponse:
    _, cases, _ = _portfolio_query(request)
    rows = selectors.streamed_rows(cases)
    response = StreamingHttpResponse(
        exports.portfolio_csv(rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename("portfolio", "csv")}"'
    return response


@permission_required(PERMISSION, raise_exception=True)
def portfolio_xlsx(request: HttpRequest) -> HttpResponse:
    _, cases, _ = _portfolio_query(request)
    rows = selectors.streamed_rows(cases)
    response = HttpResponse(
        exports.portfolio_xlsx(rows),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename("portfolio", "xlsx")}"'
    return response


def _decision_query(request: HttpRequest) -> tuple[decisions.DecisionFilter, Any]:
    found = decisions.DecisionFilter(request.GET, queryset=decisions.decision_events())
    return found, found.qs


@permission_required(PERMISSION, raise_exception=True)
def decision_log(request: HttpRequest) -> HttpResponse:
    found, events = _decision_query(request)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "usecases/portfolio/decisions.html",
        {
            "form": found.form,
            "page": page,
            "decisions": decisions.decisions_of(page.object_list),
            "query": query.urlencode(),
        },
    )


@permission_required(PERMISSION, raise_exception=True)
def decision_log_csv(request: HttpRequest) -> StreamingHttpResponse:
    _, events = _decision_query(request)
    rows = decisions.decisions_of(events.iterator(chunk_size=2000))
    response = StreamingHttpResponse(
        exports.decisions_csv(rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename("decisions", "csv")}"'
    return response


@permission_required(PERMISSION, raise_exception=True)
def compliance_dashboard(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "usecases/portfolio/compliance.html",
        {"heat_map": compliance.compliance_heat_map()},
    )


@permission_required(PERMISSION, raise_exception=True)
def executive_summary(request: HttpRequest) -> HttpResponse:
    filters, cases, _ = _portfolio_query(request)
    top = selectors.rows_of(selectors.ordered(cases, "-priority")[:10])
    return render(
        request,
        "usecases/portfolio/summary.html",
        {
            "form": filters.form,
            "rows": top,
            "filtered": bool(filters.filters_given()),
            "totals": selectors.totals_of(cases, filters.counting()),
            "counted_links": _counted_links(filters),
            "chart": chart.chart_of(cases),
            "compliance": compliance.compliance_heat_map().reports,
            "today": timezone.localdate(),
        },
    )
