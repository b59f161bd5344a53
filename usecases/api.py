"""``/api/v1/usecases/``: everything the use-case pages do, with the same rules.

A case the caller may not see answers 404 on every endpoint. Bad input answers 400 with the
field named; a refusal by role answers 403, and one by the case's state (or a stale
``expected_version``) answers 409, each with a message a person can act on.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import BasePagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from policies.models import DataClassification, RegisterEntry
from portal.api.pagination import PortalPagination
from portal.api.serializers import ClosedBody, choice_field, choices_field
from portal.models import Department, User
from usecases import selectors, services
from usecases.filters import UseCaseApiFilter
from usecases.inputs import (
    CommentInput,
    ExceptionGrant,
    ExceptionRequest,
    IntakeChange,
    Move,
    NewIntake,
    Ratings,
    RiskAssessment,
    RiskRegister,
    SignOffInput,
    Submission,
    TierOverrideAgreement,
    TierOverrideInput,
)
from usecases.models import (
    ESTIMATE_FACTS,
    AccessControl,
    BenefitKind,
    BusinessFunction,
    Comment,
    DataCategory,
    HumanOversight,
    OutputAudience,
    RequestKind,
    ReviewedBy,
    RiskEntry,
    RiskStatus,
    Status,
    TaskKind,
    UseCase,
    ValueLever,
)
from usecases.risk import (
    Exemption,
    HighRiskArea,
    NistRisk,
    ProhibitedPractice,
    RiskBand,
    TransparencyDuty,
)
from usecases.scoring import Criterion
from usecases.selectors import ranked_risks

_choice, _many = choice_field, choices_field


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
            *ESTIMATE_FACTS,
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
                "request_kind",
                "reviewed_by",
                "review_team_function",
                "access_control",
                "task_kind",
                "risk_tier",
                "quadrant",
            )
        }

    def get_page_url(self, usecase: UseCase) -> str:
        return reverse("usecases:detail", args=[usecase.reference])


class UseCaseInputSerializer(ClosedBody, serializers.Serializer[dict[str, Any]]):
    """The intake fields' shape; a draft may leave any out. Their limits and messages are the
    typed input's (``usecases.inputs.IntakeChange``); submitting checks completeness."""

    title = serializers.CharField(required=False, allow_blank=True)
    problem = serializers.CharField(required=False, allow_blank=True)
    proposed_solution = serializers.CharField(required=False, allow_blank=True)
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
    people_affected = serializers.IntegerField(required=False, allow_null=True)
    benefit_kind = _choice(BenefitKind, "benefit kind", required=False, allow_blank=True)
    hours_saved_per_person_per_week = serializers.DecimalField(
        max_digits=None, decimal_places=None, required=False, allow_null=True
    )
    revenue_per_year = serializers.DecimalField(
        max_digits=None, decimal_places=None, required=False, allow_null=True
    )
    benefit_confidence = serializers.IntegerField(required=False, allow_null=True)
    data_classification = _choice(
        DataClassification, "data classification", required=False, allow_blank=True
    )
    data_categories = _many(DataCategory, "data category")
    output_audience = _many(OutputAudience, "output audience")
    human_oversight = _choice(HumanOversight, "human oversight", required=False, allow_blank=True)
    employee_users = serializers.IntegerField(
        required=False, allow_null=True, help_text="Employees who use it (they get seats)."
    )
    customer_interactions_per_month = serializers.IntegerField(
        required=False, allow_null=True, help_text="Customers' or the public's, a month."
    )
    uses_per_person_per_day = serializers.DecimalField(
        max_digits=None, decimal_places=None, required=False, allow_null=True
    )
    request_kind = _choice(RequestKind, "request kind", required=False, allow_blank=True)
    request_input_tokens = serializers.IntegerField(required=False, allow_null=True)
    request_output_tokens = serializers.IntegerField(required=False, allow_null=True)
    reviewed_by = _choice(ReviewedBy, "reviewed by", required=False, allow_blank=True)
    review_share_percent = serializers.IntegerField(required=False, allow_null=True)
    review_team_function = _choice(
        BusinessFunction, "review team function", required=False, allow_blank=True
    )
    systems_connected = serializers.IntegerField(required=False, allow_null=True)
    writes_back = serializers.BooleanField(required=False, allow_null=True)
    data_sources = serializers.IntegerField(required=False, allow_null=True)
    access_control = _choice(AccessControl, "access control", required=False, allow_blank=True)
    corpus_documents = serializers.IntegerField(required=False, allow_null=True)
    task_kind = _choice(
        TaskKind,
        "task kind",
        required=False,
        allow_blank=True,
        help_text="The kind of work time is saved on: without hours saved, the estimate uses "
        "the published range for it (the assumptions' intake.hours_saved_by_task).",
    )
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


class MissingSerializer(serializers.Serializer[dict[str, str]]):
    key = serializers.CharField(help_text="Stable name of the item (ratings, risk_tier, …).")
    text = serializers.CharField(help_text="What to do, in words.")
    url = serializers.CharField(help_text="Where in the portal it is done.")


class UseCaseDetailSerializer(UseCaseSerializer):
    """One case, with what the approval gate still misses (``usecases.approval``): the same
    items, in the same words, as the approve panel and the 409 of an approval."""

    approval_missing = serializers.SerializerMethodField()

    class Meta(UseCaseSerializer.Meta):
        fields = [*UseCaseSerializer.Meta.fields, "approval_missing"]
        read_only_fields = fields

    @extend_schema_field(MissingSerializer(many=True))
    def get_approval_missing(self, usecase: UseCase) -> list[dict[str, str]]:
        user = self.context.get("user")
        approver = user if user is not None and user.has_perm("usecases.review_usecases") else None
        return [item.as_dict() for item in usecase.approval_missing(approver)]


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

    def get_object(self) -> UseCase:
        # GenericAPIView's contract (OPTIONS asks it before describing a PUT): the case named
        # by the path, among those the caller may see; there is no queryset to look it up in.
        return self.case()

    def fresh(self, usecase: UseCase) -> Response:
        updated = selectors.usecase_for(self.user(), usecase.reference or "")
        return Response(UseCaseSerializer(updated).data)


class UseCaseListView(_CaseView):
    """Use cases you may see, filtered (``usecases.filters.UseCaseFilter``: status, department,
    archetype, risk tier, value lever, business function, quadrant, search) and ordered."""

    pagination_class = PortalPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = UseCaseApiFilter

    def get_queryset(self) -> QuerySet[UseCase]:
        return selectors.usecase_list_for(self.request.user).prefetch_related("preferred_tools")

    @extend_schema(responses=UseCaseSerializer(many=True))
    def get(self, request: Request) -> Response:
        if not request.user.has_perm("usecases.view_usecases"):
            raise PermissionDenied("Only business leads and the CIO office work with use cases.")
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(UseCaseSerializer(page, many=True).data)

    @extend_schema(request=UseCaseInputSerializer, responses={201: UseCaseSerializer})
    def post(self, request: Request) -> Response:
        given = UseCaseInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = NewIntake.parse(given.validated_data)
        usecase = services.usecase_create_draft(by=self.user(), data=data)
        response = self.fresh(usecase)
        response.status_code = status.HTTP_201_CREATED
        response["Location"] = reverse("api-usecase-detail", args=[usecase.reference])
        return response


class UseCaseDetailView(_CaseView):
    """One case by reference (UC-0001). PATCH changes a draft's fields (only drafts)."""

    @extend_schema(responses=UseCaseDetailSerializer)
    def get(self, request: Request, reference: str) -> Response:
        detail = UseCaseDetailSerializer(self.case(), context={"user": self.user()})
        return Response(detail.data)

    @extend_schema(request=UseCaseInputSerializer, responses=UseCaseSerializer)
    def patch(self, request: Request, reference: str) -> Response:
        usecase = self.case()
        given = UseCaseInputSerializer(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        changes = dict(given.validated_data)
        department = changes.pop("department", None)
        if department is not None and department.pk != usecase.department_id:
            raise ValidationError({"department": ["A case cannot move to another department."]})
        data = IntakeChange.parse(changes)
        services.usecase_update_draft(by=self.user(), usecase=usecase, data=data)
        return self.fresh(usecase)


class TransitionSerializer(ClosedBody, serializers.Serializer[dict[str, Any]]):
    to = _choice(Status, "status")
    comment = serializers.CharField(required=False, allow_blank=True)
    expected_version = serializers.IntegerField(
        help_text="The case's version you decided on; a newer one means it changed under you."
    )


class SubmitSerializer(ClosedBody, serializers.Serializer[dict[str, Any]]):
    comment = serializers.CharField(required=False, allow_blank=True)
    expected_version = serializers.IntegerField(required=False)


class SubmitView(_CaseView):
    """Submit a draft: every missing field is reported at once (400)."""

    @extend_schema(request=SubmitSerializer, responses=UseCaseSerializer)
    def post(self, request: Request, reference: str) -> Response:
        usecase = self.case()
        given = SubmitSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = Submission.parse(given.validated_data)
        services.usecase_submit(by=self.user(), usecase=usecase, data=data)
        return self.fresh(usecase)


class TransitionView(_CaseView):
    """Move the case along the workflow; rejection and hold need a comment (the reason)."""

    @extend_schema(request=TransitionSerializer, responses=UseCaseSerializer)
    def post(self, request: Request, reference: str) -> Response:
        usecase = self.case()
        given = TransitionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = Move.parse(given.validated_data)
        services.usecase_transition(by=self.user(), usecase=usecase, data=data)
        return self.fresh(usecase)


class CommentSerializer(ClosedBody, serializers.ModelSerializer[Comment]):
    author: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = Comment
        fields = ["id", "author", "body", "created_at"]
        read_only_fields = ["id", "author", "created_at"]
        extra_kwargs = {"body": {"allow_blank": True}}  # its rules: usecases.inputs.CommentInput


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
        data = CommentInput.parse(body=given.validated_data["body"])
        comment = services.usecase_comment_add(by=self.user(), usecase=usecase, data=data)
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class RiskAnswersSerializer(ClosedBody, serializers.Serializer[dict[str, Any]]):
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
        data = RiskAssessment.parse(answers=given.validated_data)
        updated = services.usecase_risk_assess(by=self.user(), usecase=usecase, data=data)
        return self._result(updated)


class RiskRowSerializer(ClosedBody, serializers.Serializer[Any]):
    risk = _choice(NistRisk, "NIST AI 600-1 risk")
    likelihood = serializers.IntegerField(help_text="1 (lowest) to 5 (highest).")
    severity = serializers.IntegerField(help_text="1 (lowest) to 5 (highest).")
    residual_likelihood = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="After the mitigation, 1 to 5 and at most the likelihood; with the residual "
        "severity, or neither.",
    )
    residual_severity = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="After the mitigation, 1 to 5 and at most the severity.",
    )
    mitigation = serializers.CharField(required=False, allow_blank=True)
    owner = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="The username of the person who sees the mitigation through (an active "
        "person of the directory); blank for none.",
    )
    status = _choice(RiskStatus, "risk status", required=False)


class RiskRowReadSerializer(RiskRowSerializer):
    """A risk as stored, with its score and band before and after the mitigation."""

    owner = serializers.CharField(source="owner.username", allow_null=True, read_only=True)
    owner_name = serializers.CharField(source="owner.display_name", allow_null=True, read_only=True)
    score = serializers.IntegerField(read_only=True, help_text="Likelihood x severity, 1-25.")
    band = serializers.ChoiceField(
        choices=RiskBand.choices,
        read_only=True,
        help_text="low 1-4, medium 5-9, high 10-16, critical 20-25.",
    )
    residual_score = serializers.IntegerField(read_only=True, allow_null=True)
    residual_band = serializers.ChoiceField(
        choices=RiskBand.choices, read_only=True, allow_null=True
    )


def _ranked_risks(usecase: UseCase) -> list[RiskEntry]:
    return ranked_risks(usecase.risks.select_related("owner"))


class RiskRegisterView(_CaseView):
    """The case's NIST AI 600-1 risk register, highest score first. PUT replaces it (risks left
    out: not assessed)."""

    @extend_schema(responses=RiskRowReadSerializer(many=True))
    def get(self, request: Request, reference: str) -> Response:
        return Response(RiskRowReadSerializer(_ranked_risks(self.case()), many=True).data)

    @extend_schema(request=RiskRowSerializer(many=True), responses=RiskRowReadSerializer(many=True))
    def put(self, request: Request, reference: str) -> Response:
        usecase = self.case()
        given = RiskRowSerializer(data=request.data, many=True)
        given.is_valid(raise_exception=True)
        data = RiskRegister.parse(rows=given.validated_data)
        services.usecase_risk_register_save(by=self.user(), usecase=usecase, data=data)
        return Response(RiskRowReadSerializer(_ranked_risks(usecase), many=True).data)


class RatingSerializer(ClosedBody, serializers.Serializer[dict[str, Any]]):
    criterion = _choice(Criterion, "criterion")
    score = serializers.IntegerField(
        allow_null=True, help_text="1 (weakest) to 5 (strongest); null clears the rating."
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


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
        data = Ratings.parse(ratings=given.validated_data)
        services.usecase_rate(by=self.user(), usecase=usecase, data=data)
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
    policy = serializers.CharField(
        allow_blank=True, help_text="The policy it comes from; empty while none is named yet."
    )
    open = serializers.BooleanField()
    exceptable = serializers.BooleanField(
        help_text="False for a hard rule (a prohibited tool): no exception is possible."
    )
    exception_state = serializers.ChoiceField(
        choices=["requested", "granted"], allow_null=True, help_text="The live exception, if any."
    )
    exception_reason = serializers.CharField(allow_null=True)
    exception_conditions = serializers.CharField(allow_null=True)
    exception_expires_on = serializers.DateField(allow_null=True)
    exception_requested_by = serializers.CharField(allow_null=True)
    exception_by = serializers.CharField(allow_null=True, help_text="Who granted it.")


def _findings(usecase: UseCase) -> list[dict[str, Any]]:
    rows = []
    for state in selectors.findings_for(usecase):
        e = state.exception
        rows.append(
            {
                "key": state.finding.key,
                "rule": state.finding.rule,
                "title": state.finding.title,
                "why": state.finding.why,
                "policy": state.finding.policy,
                "open": state.is_open,
                "exceptable": state.finding.exceptable,
                "exception_state": None
                if e is None
                else ("granted" if e.in_force else "requested"),
                "exception_reason": e.reason if e else None,
                "exception_conditions": e.conditions if e else None,
                "exception_expires_on": e.expires_on.isoformat() if e and e.expires_on else None,
                "exception_requested_by": e.requested_by.username if e and e.requested_by else None,
                "exception_by": e.granted_by.username if e and e.granted_by else None,
            }
        )
    return rows


class FindingsView(_CaseView):
    """The guardrail findings of the case, each with its live exception (requested or granted)."""

    @extend_schema(responses=FindingSerializer(many=True))
    def get(self, request: Request, reference: str) -> Response:
        return Response(_findings(self.case()))


class ExceptionSerializer(ClosedBody, serializers.Serializer[dict[str, Any]]):
    finding_key = serializers.CharField(help_text="A finding's key.")
    reason = serializers.CharField(allow_blank=True)
    conditions = serializers.CharField(allow_blank=True, required=False, default="")
    expires_on = serializers.CharField(
        allow_blank=True, required=False, default="", help_text="YYYY-MM-DD, within a year."
    )
    expected_version = serializers.IntegerField(required=False, allow_null=True, default=None)


class ExceptionsView(_CaseView):
    """Request an exception for one open finding, with the reason, conditions and expiry date
    (reviewers; audited). Another reviewer or an administrator grants it."""

    @extend_schema(request=ExceptionSerializer, responses={201: FindingSerializer(many=True)})
    def post(self, request: Request, reference: str) -> Response:
        usecase = self.case()
        given = ExceptionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = ExceptionRequest.parse(given.validated_data)
        services.usecase_exception_request(by=self.user(), usecase=usecase, data=data)
        return Response(_findings(self.case()), status=status.HTTP_201_CREATED)


class ExceptionGrantSerializer(ClosedBody, serializers.Serializer[dict[str, Any]]):
    finding_key = serializers.CharField(help_text="The finding whose requested exception to grant.")
    comment = serializers.CharField(allow_blank=True, required=False, default="")
    expected_version = serializers.IntegerField(required=False, allow_null=True, default=None)


class ExceptionGrantView(_CaseView):
    """Grant the exception requested for a finding: a reviewer or an administrator who did not
    request it (four eyes; audited)."""

    @extend_schema(request=ExceptionGrantSerializer, responses={200: FindingSerializer(many=True)})
    def post(self, request: Request, reference: str) -> Response:
        usecase = self.case()
        given = ExceptionGrantSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = ExceptionGrant.parse(given.validated_data)
        services.usecase_exception_grant(by=self.user(), usecase=usecase, data=data)
        return Response(_findings(self.case()))


class TierOverrideSerializer(ClosedBody, serializers.Serializer[dict[str, Any]]):
    tier = serializers.CharField(help_text="minimal, limited, high or prohibited.")
    reason = serializers.CharField(allow_blank=True)
    expected_version = serializers.IntegerField(required=False, allow_null=True, default=None)


class TierAgreementSerializer(ClosedBody, serializers.Serializer[dict[str, Any]]):
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    expected_version = serializers.IntegerField(required=False, allow_null=True, default=None)


class TierOverrideView(_CaseView):
    """Override the EU AI Act tier with a written reason (reviewers): a raise takes effect at
    once (200); a lowering is proposed (202) and waits for a second reviewer's agreement."""

    @extend_schema(request=TierOverrideSerializer, responses={200: UseCaseSerializer})
    def post(self, request: Request, reference: str) -> Response:
        usecase = self.case()
        given = TierOverrideSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = TierOverrideInput.parse(given.validated_data)
        override = services.usecase_tier_override(by=self.user(), usecase=usecase, data=data)
        response = self.fresh(usecase)
        if override.state == override.State.PENDING:
            response.status_code = status.HTTP_202_ACCEPTED
        return response


class TierAgreementView(_CaseView):
    """A second reviewer (never the proposer) agrees to a proposed lowering of the tier."""

    @extend_schema(request=TierAgreementSerializer, responses={200: UseCaseSerializer})
    def post(self, request: Request, reference: str) -> Response:
        usecase = self.case()
        given = TierAgreementSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = TierOverrideAgreement.parse(given.validated_data)
        services.usecase_tier_override_agree(by=self.user(), usecase=usecase, data=data)
        return self.fresh(usecase)


class SignOffSerializer(ClosedBody, serializers.Serializer[dict[str, Any]]):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class SignOffView(_CaseView):
    """A second reviewer's sign-off of a high-risk case."""

    @extend_schema(request=SignOffSerializer, responses={201: UseCaseSerializer})
    def post(self, request: Request, reference: str) -> Response:
        usecase = self.case()
        given = SignOffSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = SignOffInput.parse(given.validated_data)
        services.usecase_sign_off(by=self.user(), usecase=usecase, data=data)
        response = self.fresh(usecase)
        response.status_code = status.HTTP_201_CREATED
        return response
