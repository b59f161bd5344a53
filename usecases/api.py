"""``/api/v1/usecases/``: everything the use-case pages do, with the same rules.

A case the caller may not see answers 404 on every endpoint. Bad input answers 400 with the
field named; a refusal by role answers 403, and one by the case's state (or a stale
``expected_version``) answers 409, each with a message a person can act on.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import BasePagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from policies.models import DataClassification, RegisterEntry
from portal.api.pagination import PortalPagination
from portal.models import Department, User
from usecases import selectors, services
from usecases.models import (
    BenefitKind,
    BusinessFunction,
    Comment,
    DataCategory,
    HumanOversight,
    OutputAudience,
    RiskEntry,
    RiskStatus,
    Status,
    UseCase,
    ValueLever,
)
from usecases.risk import (
    Exemption,
    HighRiskArea,
    NistRisk,
    ProhibitedPractice,
    RiskAnswers,
    RiskTier,
    TransparencyDuty,
)
from usecases.scoring import Criterion, Quadrant


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The case is not in a state that allows this."
    default_code = "conflict"


def _choice(choices: Any, what: str, **kwargs: Any) -> serializers.ChoiceField:
    known = ", ".join(choices.values)
    return serializers.ChoiceField(
        choices=choices.choices,
        error_messages={
            "invalid_choice": f"“{{input}}” is not a known {what}; use one of: {known}."
        },
        **kwargs,
    )


def _many(choices: Any, what: str) -> serializers.ListField:
    return serializers.ListField(child=_choice(choices, what), required=False)


def _raise(error: Exception) -> None:
    if isinstance(error, DjangoValidationError):
        detail = error.message_dict if hasattr(error, "error_dict") else error.messages
        raise ValidationError(detail) from error
    if isinstance(error, services.UseCaseRefused):
        if error.kind == "forbidden":
            raise PermissionDenied(str(error)) from error
        raise Conflict(str(error)) from error
    raise error


class UseCaseSerializer(serializers.ModelSerializer[UseCase]):
    department: serializers.SlugRelatedField[Department] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    submitter: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    preferred_tools: serializers.SlugRelatedField[RegisterEntry] = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )
    page_url = serializers.SerializerMethodField()

    class Meta:
        model = UseCase
        fields = [
            "reference",
            "title",
            "problem",
            "proposed_solution",
            "department",
            "value_lever",
            "business_function",
            "people_affected",
            "benefit_kind",
            "hours_saved_per_person_per_week",
            "revenue_per_year",
            "benefit_confidence",
            "data_classification",
            "data_categories",
            "output_audience",
            "human_oversight",
            "preferred_tools",
            "status",
            "submitter",
            "version",
            "created_at",
            "updated_at",
            "submitted_at",
            "decided_at",
            "risk_tier",
            "value_score",
            "feasibility_score",
            "priority_score",
            "quadrant",
            "page_url",
        ]
        read_only_fields = fields
        # Blank until filled in, assessed or scored; read_only_fields alone drops allow_blank,
        # and the schema would then refuse the "" a draft answers.
        extra_kwargs = {
            name: {"allow_blank": True}
            for name in (
                "value_lever",
                "business_function",
                "benefit_kind",
                "data_classification",
                "human_oversight",
                "risk_tier",
                "quadrant",
            )
        }

    def get_page_url(self, usecase: UseCase) -> str:
        return reverse("usecases:detail", args=[usecase.reference])


class UseCaseInputSerializer(serializers.Serializer[dict[str, Any]]):
    """The intake fields; a draft may leave any out. Submitting checks completeness."""

    title = serializers.CharField(max_length=200, required=False)
    problem = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    proposed_solution = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    department = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Department.objects.all(),
        required=False,
        help_text="Your own department's slug (the default).",
        error_messages={"does_not_exist": "There is no department with the slug “{value}”."},
    )
    value_lever = _choice(ValueLever, "value lever", required=False, allow_blank=True)
    business_function = _choice(
        BusinessFunction, "business function", required=False, allow_blank=True
    )
    people_affected = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=10_000_000,
        error_messages={"min_value": "The number of people cannot be negative."},
    )
    benefit_kind = _choice(BenefitKind, "benefit kind", required=False, allow_blank=True)
    hours_saved_per_person_per_week = serializers.DecimalField(
        max_digits=6,
        decimal_places=1,
        required=False,
        allow_null=True,
        min_value=0,
        max_value=60,
        error_messages={
            "min_value": "Hours saved cannot be negative.",
            "max_value": "At most 60 hours a week per person.",
        },
    )
    revenue_per_year = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        allow_null=True,
        min_value=0,
        error_messages={"min_value": "Revenue cannot be negative."},
    )
    benefit_confidence = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=100,
        error_messages={
            "min_value": "Confidence is a percentage from 0 to 100.",
            "max_value": "Confidence is a percentage from 0 to 100.",
        },
    )
    data_classification = _choice(
        DataClassification, "data classification", required=False, allow_blank=True
    )
    data_categories = _many(DataCategory, "data category")
    output_audience = _many(OutputAudience, "output audience")
    human_oversight = _choice(HumanOversight, "human oversight", required=False, allow_blank=True)
    preferred_tools = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=RegisterEntry.objects.all(),
        many=True,
        required=False,
        help_text="Slugs of entries in the AI tools register.",
    )
    expected_version = serializers.IntegerField(
        required=False, help_text="The version you edited; refused if the case changed since."
    )


def _split(data: dict[str, Any]) -> tuple[dict[str, Any], Any, Any, Any]:
    data = dict(data)
    tools = data.pop("preferred_tools", None)
    department = data.pop("department", None)
    expected = data.pop("expected_version", None)
    return data, tools, department, expected


class ListQuerySerializer(serializers.Serializer[dict[str, Any]]):
    status = _choice(Status, "status", required=False, allow_blank=True)
    department = serializers.SlugField(required=False, allow_blank=True)
    quadrant = _choice(Quadrant, "quadrant", required=False, allow_blank=True)
    risk_tier = _choice(RiskTier, "risk tier", required=False, allow_blank=True)
    search = serializers.CharField(required=False, allow_blank=True, max_length=100)
    ordering = serializers.ChoiceField(
        required=False,
        choices=[
            f"{sign}{field}"
            for field in (
                "created_at",
                "updated_at",
                "priority_score",
                "value_score",
                "feasibility_score",
            )
            for sign in ("", "-")
        ],
    )


class _CaseView(GenericAPIView[UseCase]):
    permission_classes = [IsAuthenticated]
    serializer_class = UseCaseSerializer
    filter_backends: list[Any] = []
    # A case's comments, findings, ratings and risks come whole; the list of cases is paged.
    pagination_class: type[BasePagination] | None = None
    answers_conflict = True  # see portal.api.schema

    def user(self) -> User:
        assert isinstance(self.request.user, User)
        return self.request.user

    def case(self) -> UseCase:
        usecase = selectors.usecase_for(self.user(), self.kwargs["reference"])
        if usecase is None:
            raise Http404("No such use case.")
        return usecase

    def fresh(self, usecase: UseCase) -> Response:
        updated = selectors.usecase_for(self.user(), usecase.reference or "")
        return Response(UseCaseSerializer(updated).data)


class UseCaseListView(_CaseView):
    """Use cases you may see; filter by status, department, quadrant, risk tier; search titles."""

    pagination_class = PortalPagination

    def get_queryset(self) -> QuerySet[UseCase]:
        query = ListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        cases = selectors.usecase_list_for(
            self.user(),
            status=params.get("status", ""),
            department=params.get("department", ""),
            search=params.get("search", ""),
        ).prefetch_related("preferred_tools")
        if params.get("quadrant"):
            cases = cases.filter(quadrant=params["quadrant"])
        if params.get("risk_tier"):
            cases = cases.filter(risk_tier=params["risk_tier"])
        if params.get("ordering"):
            cases = cases.order_by(params["ordering"], "id")
        return cases

    @extend_schema(parameters=[ListQuerySerializer], responses=UseCaseSerializer(many=True))
    def get(self, request: Request) -> Response:
        if not request.user.has_perm("usecases.view_usecases"):
            raise PermissionDenied("Only business leads and the CIO office work with use cases.")
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(UseCaseSerializer(page, many=True).data)

    @extend_schema(request=UseCaseInputSerializer, responses={201: UseCaseSerializer})
    def post(self, request: Request) -> Response:
        given = UseCaseInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data, tools, department, _ = _split(given.validated_data)
        if "title" not in data:
            raise ValidationError({"title": ["Give the case a short title."]})
        try:
            usecase = services.usecase_create_draft(
                by=self.user(), data=data, tools=tools or [], department=department
            )
        except (DjangoValidationError, services.UseCaseRefused) as error:
            _raise(error)
        response = self.fresh(usecase)
        response.status_code = status.HTTP_201_CREATED
        response["Location"] = reverse("api-usecase-detail", args=[usecase.reference])
        return response


class UseCaseDetailView(_CaseView):
    """One case by reference (UC-0001). PATCH changes a draft's fields (only drafts)."""

    @extend_schema(responses=UseCaseSerializer)
    def get(self, request: Request, reference: str) -> Response:
        return Response(UseCaseSerializer(self.case()).data)

    @extend_schema(request=UseCaseInputSerializer, responses=UseCaseSerializer)
    def patch(self, request: Request, reference: str) -> Response:
        usecase = self.case()
        given = UseCaseInputSerializer(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        data, tools, department, expected = _split(given.validated_data)
        if department is not None and department.pk != usecase.department_id:
            raise ValidationError({"department": ["A case cannot move to another department."]})
        try:
            services.usecase_update_draft(
                usecase=usecase, by=self.user(), data=data, tools=tools, expected_version=expected
            )
        except (DjangoValidationError, services.UseCaseRefused) as error:
            _raise(error)
        return self.fresh(usecase)


class TransitionSerializer(serializers.Serializer[dict[str, Any]]):
    to = _choice(Status, "status")
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    expected_version = serializers.IntegerField(
        help_text="The case's version you decided on; a newer one means it changed under you."
    )


class SubmitSerializer(serializers.Serializer[dict[str, Any]]):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    expected_version = serializers.IntegerField(required=False)


class SubmitView(_CaseView):
    """Submit a draft: every missing field is reported at once (400)."""

    @extend_schema(request=SubmitSerializer, responses=UseCaseSerializer)
    def post(self, request: Request, reference: str) -> Response:
        usecase = self.case()
        given = SubmitSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            services.usecase_submit(usecase=usecase, by=self.user(), **given.validated_data)
        except (DjangoValidationError, services.UseCaseRefused) as error:
            _raise(error)
        return self.fresh(usecase)


class TransitionView(_CaseView):
    """Move the case along the workflow; rejection and hold need a comment (the reason)."""

    @extend_schema(request=TransitionSerializer, responses=UseCaseSerializer)
    def post(self, request: Request, reference: str) -> Response:
        usecase = self.case()
        given = TransitionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            services.usecase_transition(usecase=usecase, by=self.user(), **given.validated_data)
        except (DjangoValidationError, services.UseCaseRefused) as error:
            _raise(error)
        return self.fresh(usecase)


class CommentSerializer(serializers.ModelSerializer[Comment]):
    author: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = Comment
        fields = ["id", "author", "body", "created_at"]
        read_only_fields = ["id", "author", "created_at"]
        extra_kwargs = {"body": {"max_length": 5000}}


class CommentsView(_CaseView):
    """Comments between the submitter, the department's leads and the CIO office."""

    @extend_schema(responses=CommentSerializer(many=True))
    def get(self, request: Request, reference: str) -> Response:
        comments = self.case().comments.select_related("author")
        return Response(CommentSerializer(comments, many=True).data)

    @extend_schema(request=CommentSerializer, responses={201: CommentSerializer})
    def post(self, request: Request, reference: str) -> Response:
        usecase = self.case()
        given = CommentSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            comment = services.usecase_comment_add(
                usecase=usecase, by=self.user(), body=given.validated_data["body"]
            )
        except (DjangoValidationError, services.UseCaseRefused) as error:
            _raise(error)
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class RiskAnswersSerializer(serializers.Serializer[dict[str, Any]]):
    prohibited_practices = _many(ProhibitedPractice, "prohibited practice")
    high_risk_areas = _many(HighRiskArea, "high-risk area")
    exemptions = _many(Exemption, "exemption")
    profiles_people = serializers.BooleanField(required=False, default=False)
    safety_component = serializers.BooleanField(required=False, default=False)
    transparency_duties = _many(TransparencyDuty, "transparency duty")


class RiskResultSerializer(serializers.Serializer[dict[str, Any]]):
    risk_tier = serializers.CharField(allow_blank=True)
    reasons = serializers.ListField(child=serializers.CharField())
    answers = RiskAnswersSerializer(allow_null=True)


class RiskQuestionnaireView(_CaseView):
    """The EU AI Act questionnaire: PUT the answers, get the tier and the reasons."""

    def _result(self, usecase: UseCase) -> Response:
        return Response(
            {
                "risk_tier": usecase.risk_tier,
                "reasons": usecase.risk_reasons,
                "answers": usecase.risk_answers,
            }
        )

    @extend_schema(responses=RiskResultSerializer)
    def get(self, request: Request, reference: str) -> Response:
        return self._result(self.case())

    @extend_schema(request=RiskAnswersSerializer, responses=RiskResultSerializer)
    def put(self, request: Request, reference: str) -> Response:
        usecase = self.case()
        given = RiskAnswersSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            updated = services.usecase_risk_assess(
                usecase=usecase,
                by=self.user(),
                answers=RiskAnswers.model_validate(given.validated_data),
            )
        except (DjangoValidationError, services.UseCaseRefused) as error:
            _raise(error)
        return self._result(updated)


class RiskRowSerializer(serializers.Serializer[Any]):
    risk = _choice(NistRisk, "NIST AI 600-1 risk")
    likelihood = serializers.IntegerField(min_value=1, max_value=5)
    severity = serializers.IntegerField(min_value=1, max_value=5)
    mitigation = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    owner = serializers.CharField(required=False, allow_blank=True, max_length=150)
    status = _choice(RiskStatus, "risk status", required=False)


class RiskRegisterView(_CaseView):
    """The case's NIST AI 600-1 risk register. PUT replaces it (risks left out: not assessed)."""

    @extend_schema(responses=RiskRowSerializer(many=True))
    def get(self, request: Request, reference: str) -> Response:
        return Response(RiskRowSerializer(self.case().risks.all(), many=True).data)

    @extend_schema(request=RiskRowSerializer(many=True), responses=RiskRowSerializer(many=True))
    def put(self, request: Request, reference: str) -> Response:
        usecase = self.case()
        given = RiskRowSerializer(data=request.data, many=True)
        given.is_valid(raise_exception=True)
        rows = [services.RiskRow(**row) for row in given.validated_data]
        try:
            services.usecase_risk_register_save(usecase=usecase, by=self.user(), rows=rows)
        except (DjangoValidationError, services.UseCaseRefused) as error:
            _raise(error)
        fresh = RiskEntry.objects.filter(usecase=usecase).order_by("risk")
        return Response(RiskRowSerializer(fresh, many=True).data)


class RatingSerializer(serializers.Serializer[dict[str, Any]]):
    criterion = _choice(Criterion, "criterion")
    score = serializers.IntegerField(
        min_value=1,
        max_value=5,
        allow_null=True,
        help_text="1 (weakest) to 5 (strongest); null clears the rating.",
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class RatingsView(_CaseView):
    """The CIO office's ratings of the criteria; PUT the ones to change."""

    @extend_schema(responses=RatingSerializer(many=True))
    def get(self, request: Request, reference: str) -> Response:
        ratings = selectors.ratings_of(self.case()).values()
        return Response(
            [{"criterion": r.criterion, "score": r.score, "note": r.note} for r in ratings]
        )

    @extend_schema(request=RatingSerializer(many=True), responses=UseCaseSerializer)
    def put(self, request: Request, reference: str) -> Response:
        usecase = self.case()
        given = RatingSerializer(data=request.data, many=True)
        given.is_valid(raise_exception=True)
        ratings = {row["criterion"]: (row["score"], row["note"]) for row in given.validated_data}
        try:
            services.usecase_rate(usecase=usecase, by=self.user(), ratings=ratings)
        except (DjangoValidationError, services.UseCaseRefused) as error:
            _raise(error)
        return self.fresh(usecase)


class ScoresSerializer(serializers.Serializer[dict[str, Any]]):
    value = serializers.FloatField(allow_null=True)
    feasibility = serializers.FloatField(allow_null=True)
    priority = serializers.FloatField(allow_null=True)
    quadrant = serializers.CharField(allow_blank=True)
    rubric_version = serializers.IntegerField(allow_null=True)
    contributions = serializers.ListField(child=serializers.DictField())


class ScoresView(_CaseView):
    """Value, feasibility and priority (0-100), the quadrant, and each criterion's share."""

    @extend_schema(responses=ScoresSerializer)
    def get(self, request: Request, reference: str) -> Response:
        usecase = self.case()
        return Response(
            {
                "value": usecase.value_score,
                "feasibility": usecase.feasibility_score,
                "priority": usecase.priority_score,
                "quadrant": usecase.quadrant,
                "rubric_version": usecase.scored_with_rubric,
                "contributions": usecase.score_breakdown,
            }
        )


class FindingSerializer(serializers.Serializer[dict[str, Any]]):
    key = serializers.CharField()
    rule = serializers.CharField()
    title = serializers.CharField()
    why = serializers.CharField()
    policy = serializers.CharField()
    open = serializers.BooleanField()
    exception_reason = serializers.CharField(allow_null=True)
    exception_by = serializers.CharField(allow_null=True)


def _findings(usecase: UseCase) -> list[dict[str, Any]]:
    return [
        {
            "key": state.finding.key,
            "rule": state.finding.rule,
            "title": state.finding.title,
            "why": state.finding.why,
            "policy": state.finding.policy,
            "open": state.is_open,
            "exception_reason": state.exception.reason if state.exception else None,
            "exception_by": state.exception.granted_by.username if state.exception else None,
        }
        for state in selectors.findings_for(usecase)
    ]


class FindingsView(_CaseView):
    """The guardrail findings of the case, each with its exception if one was granted."""

    @extend_schema(responses=FindingSerializer(many=True))
    def get(self, request: Request, reference: str) -> Response:
        return Response(_findings(self.case()))


class ExceptionSerializer(serializers.Serializer[dict[str, Any]]):
    finding_key = serializers.CharField(max_length=120, help_text="A finding's key.")
    reason = serializers.CharField(max_length=2000)


class ExceptionsView(_CaseView):
    """Grant an exception for one open finding, with the reason (reviewers; audited)."""

    @extend_schema(request=ExceptionSerializer, responses={201: FindingSerializer(many=True)})
    def post(self, request: Request, reference: str) -> Response:
        usecase = self.case()
        given = ExceptionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            services.usecase_exception_grant(
                usecase=usecase, by=self.user(), **given.validated_data
            )
        except (DjangoValidationError, services.UseCaseRefused) as error:
            _raise(error)
        return Response(_findings(self.case()), status=status.HTTP_201_CREATED)


class SignOffSerializer(serializers.Serializer[dict[str, Any]]):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class SignOffView(_CaseView):
    """A second reviewer's sign-off of a high-risk case."""

    @extend_schema(request=SignOffSerializer, responses={201: UseCaseSerializer})
    def post(self, request: Request, reference: str) -> Response:
        usecase = self.case()
        given = SignOffSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            services.usecase_sign_off(usecase=usecase, by=self.user(), **given.validated_data)
        except (DjangoValidationError, services.UseCaseRefused) as error:
            _raise(error)
        response = self.fresh(usecase)
        response.status_code = status.HTTP_201_CREATED
        return response
