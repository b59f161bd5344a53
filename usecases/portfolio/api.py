"""``/api/v1/portfolio/``: the ranked, filtered portfolio with its totals, and the compliance
figures. Same rules as the pages: the CIO office and admins only (403 for anyone else)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api.pagination import PortalPagination
from usecases.filters import PortfolioFilter
from usecases.models import UseCase
from usecases.portfolio import compliance, selectors


class MayViewPortfolio(BasePermission):
    message = "Only the CIO office (reviewers) and administrators can see the portfolio."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user.has_perm("usecases.view_portfolio"))


class PortfolioRowSerializer(serializers.Serializer[Any]):
    reference = serializers.CharField(source="usecase.reference")
    title = serializers.CharField(source="usecase.title")
    priority_score = serializers.FloatField(source="usecase.priority_score", allow_null=True)
    value_score = serializers.FloatField(source="usecase.value_score", allow_null=True)
    feasibility_score = serializers.FloatField(source="usecase.feasibility_score", allow_null=True)
    quadrant = serializers.CharField(source="usecase.quadrant")
    risk_tier = serializers.CharField(source="usecase.risk_tier")
    open_findings = serializers.IntegerField()
    archetype = serializers.CharField(help_text="The chosen archetype, else the recommended one.")
    estimate_one_time_p50 = serializers.DecimalField(
        source="usecase.estimate_one_time_p50", max_digits=16, decimal_places=2, allow_null=True
    )
    estimate_annual_p50 = serializers.DecimalField(
        source="usecase.estimate_annual_p50", max_digits=16, decimal_places=2, allow_null=True
    )
    expected_annual_benefit = serializers.DecimalField(
        source="usecase.expected_annual_benefit", max_digits=16, decimal_places=2, allow_null=True
    )
    estimate_payback_months = serializers.FloatField(
        source="usecase.estimate_payback_months", allow_null=True
    )
    estimate_npv_3y_p50 = serializers.DecimalField(
        source="usecase.estimate_npv_3y_p50",
        max_digits=16,
        decimal_places=2,
        allow_null=True,
        help_text="Three-year net present value (USD).",
    )
    currency = serializers.SerializerMethodField()

    def get_currency(self, row: Any) -> str:
        return "USD"

    status = serializers.CharField(source="usecase.status")
    department = serializers.CharField(source="usecase.department.slug")
    owner = serializers.CharField(source="usecase.submitter.username")


class CountSerializer(serializers.Serializer[dict[str, Any]]):
    key = serializers.CharField()
    name = serializers.CharField(source="label")
    count = serializers.IntegerField()


class TotalsSerializer(serializers.Serializer[dict[str, Any]]):
    count = serializers.IntegerField()
    estimated = serializers.IntegerField(help_text="Cases with a P50 annual cost estimate.")
    expected_annual_benefit = serializers.DecimalField(max_digits=18, decimal_places=2)
    one_time_cost = serializers.DecimalField(max_digits=18, decimal_places=2)
    annual_cost = serializers.DecimalField(max_digits=18, decimal_places=2)
    net_annual = serializers.DecimalField(max_digits=18, decimal_places=2)
    npv_3y = serializers.DecimalField(max_digits=18, decimal_places=2)
    currency = serializers.CharField()
    by_status = CountSerializer(many=True)
    by_archetype = CountSerializer(many=True)
    by_risk_tier = CountSerializer(many=True)
    by_quadrant = CountSerializer(many=True)
    counted = serializers.ChoiceField(
        choices=["in_play", "all"],
        help_text="What the totals count: in_play leaves out rejected, withdrawn, retired "
        "and prohibited cases (the default); all counts every case of the filtered set.",
    )
    left_out = serializers.IntegerField(help_text="Cases of the set the totals leave out.")


class PortfolioPageSerializer(serializers.Serializer[dict[str, Any]]):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    totals = TotalsSerializer()
    results = PortfolioRowSerializer(many=True)


def _filter_parameters() -> list[OpenApiParameter]:
    parameters = []
    for name, found in PortfolioFilter.base_filters.items():
        choices = found.extra.get("choices")
        description = (
            found.extra.get("help_text") or f"Only cases with this {name.replace('_', ' ')}."
        )
        parameters.append(
            OpenApiParameter(
                name,
                OpenApiTypes.STR,
                enum=[value for value, _ in choices if value] if choices else None,
                description=description,
            )
        )
    return parameters


class PortfolioView(APIView):
    permission_classes = [IsAuthenticated, MayViewPortfolio]

    @extend_schema(
        operation_id="portfolio_list",
        parameters=[
            *_filter_parameters(),
            OpenApiParameter("page", {"type": "integer", "minimum": 1}),
            OpenApiParameter(
                "page_size",
                {"type": "integer", "minimum": 1, "maximum": PortalPagination.max_page_size},
            ),
        ],
        responses=PortfolioPageSerializer,
        description="Every case ranked by priority (or `sort`), filtered, paginated, with the "
        "totals of the whole filtered set.",
    )
    def get(self, request: Request) -> Response:
        filters = PortfolioFilter(
            request.query_params, queryset=selectors.portfolio_for(request.user)
        )
        if not filters.is_valid():
            raise ValidationError(filters.errors.get_json_data())
        cases: QuerySet[UseCase] = filters.qs
        paginator = PortalPagination()
        page = paginator.paginate_queryset(cases, request, view=self)
        rows = selectors.rows_of(page or [])
        response = paginator.get_paginated_response(PortfolioRowSerializer(rows, many=True).data)
        response.data["totals"] = TotalsSerializer(
            selectors.totals_of(cases, filters.counting()).as_dict()
        ).data
        return response


class DepartmentRateSerializer(serializers.Serializer[Any]):
    department = serializers.CharField()
    audience = serializers.IntegerField()
    acknowledged = serializers.IntegerField()
    owing = serializers.IntegerField()
    rate = serializers.FloatField()


class PolicyRateSerializer(serializers.Serializer[Any]):
    policy = serializers.CharField(source="policy.slug")
    title = serializers.CharField(source="policy.title")
    audience = serializers.IntegerField()
    acknowledged = serializers.IntegerField()
    owing = serializers.IntegerField()
    rate = serializers.FloatField()
    departments = DepartmentRateSerializer(many=True)


class ComplianceView(APIView):
    permission_classes = [IsAuthenticated, MayViewPortfolio]

    @extend_schema(
        operation_id="portfolio_compliance",
        responses=PolicyRateSerializer(many=True),
        description="For each published policy that needs acknowledgement, the rate overall and "
        "per department.",
    )
    def get(self, request: Request) -> Response:
        reports = compliance.compliance_heat_map().reports
        return Response(PolicyRateSerializer(reports, many=True).data)
