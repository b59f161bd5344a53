"""The policies API: the same reads, writes and permissions as the pages."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from policies import pending, search, selectors, services
from policies.inputs import NewPolicy, RejectReason, ReturnReason, VersionText
from policies.models import ChangeStatus, PendingChange, Policy, PolicyCategory, PolicyVersion
from portal.api.errors import Conflict
from portal.api.serializers import ClosedBody
from portal.models import Department, User


class VersionSerializer(serializers.ModelSerializer[PolicyVersion]):
    author = serializers.CharField(source="author.username", read_only=True)
    approver = serializers.CharField(source="approver.username", read_only=True, allow_null=True)

    class Meta:
        model = PolicyVersion
        fields = [
            "number",
            "status",
            "summary_of_changes",
            "is_material",
            "author",
            "approver",
            "submitted_at",
            "published_at",
            "superseded_at",
            "body_markdown",
            "body_html",
        ]
        read_only_fields = fields


class VersionEditSerializer(ClosedBody, serializers.Serializer[Any]):
    """A draft's text (``policies.inputs.VersionText`` has its limits)."""

    body_markdown = serializers.CharField(allow_blank=True, trim_whitespace=False)
    summary_of_changes = serializers.CharField(allow_blank=True, default="")
    is_material = serializers.BooleanField(default=True)


class PolicySerializer(serializers.ModelSerializer[Policy]):
    current_version = serializers.IntegerField(
        source="current_version.number", read_only=True, allow_null=True
    )
    audience_departments: serializers.SlugRelatedField[Department] = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )

    class Meta:
        model = Policy
        fields = [
            "slug",
            "title",
            "category",
            "summary",
            "requires_acknowledgement",
            "audience_everyone",
            "audience_departments",
            "current_version",
            "acknowledgement_from_number",
            "published_at",
        ]
        read_only_fields = fields


class PolicyCreateSerializer(ClosedBody, serializers.Serializer[Any]):
    """A new policy (``policies.inputs.NewPolicy`` has its limits and rules)."""

    title = serializers.CharField(allow_blank=True)
    category = serializers.ChoiceField(choices=PolicyCategory.choices)
    summary = serializers.CharField(allow_blank=True, default="")
    requires_acknowledgement = serializers.BooleanField(default=True)
    audience_everyone = serializers.BooleanField(default=True)
    audience_departments = serializers.SlugRelatedField(
        slug_field="slug", many=True, queryset=Department.objects.all(), required=False
    )
    body_markdown = serializers.CharField(allow_blank=True, default="", trim_whitespace=False)


class ReasonSerializer(ClosedBody, serializers.Serializer[Any]):
    reason = serializers.CharField(allow_blank=True)


def _user(request: Request) -> User:
    assert isinstance(request.user, User)
    return request.user


def _require(request: Request, permission: str, message: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied(message)


def _policy(request: Request, slug: str) -> Policy:
    return get_object_or_404(selectors.policies_visible_to(_user(request)), slug=slug)


def _version(request: Request, policy: Policy, number: int) -> PolicyVersion:
    return get_object_or_404(selectors.versions_visible_to(_user(request), policy), number=number)


class PolicyListView(APIView):
    answers_conflict = True  # a refusal by the policy's state is a 409

    @extend_schema(responses=PolicySerializer(many=True), operation_id="policies_list")
    def get(self, request: Request) -> Response:
        policies = selectors.policies_visible_to(_user(request)).prefetch_related(
            "audience_departments"
        )
        return Response(PolicySerializer(policies, many=True).data)

    @extend_schema(
        request=PolicyCreateSerializer,
        responses={201: PolicySerializer},
        operation_id="policies_create",
        examples=[
            OpenApiExample(
                "A new policy",
                value={
                    "title": "Use of chat assistants",
                    "category": "acceptable_use",
                    "body_markdown": "## Rules\n\nUse approved tools only.",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        _require(request, "policies.author_policies", "Only policy authors may create policies.")
        data = PolicyCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = NewPolicy.parse(data.validated_data)
        policy = services.policy_create(by=_user(request), data=given)
        return Response(PolicySerializer(policy).data, status=status.HTTP_201_CREATED)


class PolicyDetailView(APIView):
    @extend_schema(responses=PolicySerializer, operation_id="policies_retrieve")
    def get(self, request: Request, slug: str) -> Response:
        return Response(PolicySerializer(_policy(request, slug)).data)


class VersionListView(APIView):
    answers_conflict = True  # a refusal by the policy's state is a 409

    @extend_schema(responses=VersionSerializer(many=True), operation_id="policy_versions_list")
    def get(self, request: Request, slug: str) -> Response:
        policy = _policy(request, slug)
        versions = selectors.versions_visible_to(_user(request), policy)
        return Response(VersionSerializer(versions, many=True).data)

    @extend_schema(
        request=None, responses={201: VersionSerializer}, operation_id="policy_versions_create"
    )
    def post(self, request: Request, slug: str) -> Response:
        _require(request, "policies.author_policies", "Only policy authors may draft versions.")
        policy = _policy(request, slug)
        version = services.policy_version_create_draft(by=_user(request), policy=policy)
        return Response(VersionSerializer(version).data, status=status.HTTP_201_CREATED)


class VersionDetailView(APIView):
    answers_conflict = True  # a refusal by the policy's state is a 409

    @extend_schema(responses=VersionSerializer, operation_id="policy_versions_retrieve")
    def get(self, request: Request, slug: str, number: int) -> Response:
        policy = _policy(request, slug)
        return Response(VersionSerializer(_version(request, policy, number)).data)

    @extend_schema(
        request=VersionEditSerializer,
        responses=VersionSerializer,
        operation_id="policy_versions_update",
    )
    def put(self, request: Request, slug: str, number: int) -> Response:
        _require(request, "policies.author_policies", "Only policy authors may edit drafts.")
        version = _version(request, _policy(request, slug), number)
        data = VersionEditSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = VersionText.parse(data.validated_data)
        version = services.policy_version_update(by=_user(request), version=version, data=given)
        return Response(VersionSerializer(version).data)


class VersionActionView(APIView):
    """submit (authors), publish and return (approvers); a subclass for each documents its body."""

    answers_conflict = True  # a refusal by the policy's state is a 409
    action = ""

    def post(self, request: Request, slug: str, number: int) -> Response:
        policy = _policy(request, slug)
        version = _version(request, policy, number)
        user = _user(request)
        if self.action == "submit":
            _require(request, "policies.author_policies", "Only policy authors may submit.")
            version = services.policy_version_submit(by=user, version=version)
        elif self.action == "publish":
            _require(request, "policies.approve_policies", "Only policy approvers may publish.")
            version = services.policy_version_publish(by=user, version=version)
        elif self.action == "withdraw":
            version = services.policy_version_withdraw(by=user, version=version)
        else:
            _require(request, "policies.approve_policies", "Only policy approvers may return.")
            reason = ReasonSerializer(data=request.data)
            reason.is_valid(raise_exception=True)
            given = ReturnReason.parse(reason.validated_data)
            version = services.policy_version_return_to_draft(by=user, version=version, data=given)
        return Response(VersionSerializer(version).data)


class VersionSubmitView(VersionActionView):
    action = "submit"

    @extend_schema(request=None, responses=VersionSerializer)
    def post(self, request: Request, slug: str, number: int) -> Response:
        return super().post(request, slug, number)


class VersionPublishView(VersionActionView):
    action = "publish"

    @extend_schema(request=None, responses=VersionSerializer)
    def post(self, request: Request, slug: str, number: int) -> Response:
        return super().post(request, slug, number)


class VersionWithdrawView(VersionActionView):
    """The author takes their own version back out of review (403 for anyone else)."""

    action = "withdraw"

    @extend_schema(request=None, responses=VersionSerializer)
    def post(self, request: Request, slug: str, number: int) -> Response:
        return super().post(request, slug, number)


class VersionReturnView(VersionActionView):
    action = "return"

    @extend_schema(request=ReasonSerializer, responses=VersionSerializer)
    def post(self, request: Request, slug: str, number: int) -> Response:
        return super().post(request, slug, number)


class AcknowledgeView(APIView):
    answers_conflict = True  # a refusal by the policy's state is a 409

    @extend_schema(
        request=None,
        responses={201: VersionSerializer, 200: VersionSerializer},
        operation_id="policies_acknowledge",
        description="Acknowledge the current version. Twice is harmless (200 the second time).",
    )
    def post(self, request: Request, slug: str) -> Response:
        policy = _policy(request, slug)
        if policy.current_version is None:
            raise Conflict("This policy has no published version to acknowledge.")
        version = policy.current_version
        _ack, created = services.acknowledgement_record(by=_user(request), version=version)
        return Response(
            VersionSerializer(version).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class OwedView(APIView):
    @extend_schema(responses=PolicySerializer(many=True), operation_id="acknowledgements_owed")
    def get(self, request: Request) -> Response:
        owed = selectors.policies_owed_by(_user(request)).prefetch_related("audience_departments")
        return Response(PolicySerializer(owed, many=True).data)


class DepartmentComplianceSerializer(serializers.Serializer[Any]):
    department = serializers.CharField()
    audience = serializers.IntegerField()
    acknowledged = serializers.IntegerField()
    rate = serializers.FloatField()


class ComplianceSerializer(serializers.Serializer[Any]):
    policy = serializers.CharField(source="policy.slug")
    audience = serializers.IntegerField()
    acknowledged = serializers.IntegerField()
    owing = serializers.IntegerField()
    rate = serializers.FloatField()
    departments = DepartmentComplianceSerializer(many=True)


class ComplianceView(APIView):
    @extend_schema(responses=ComplianceSerializer, operation_id="policies_compliance")
    def get(self, request: Request, slug: str) -> Response:
        _require(request, "policies.view_compliance", "Only the CIO office and policy authors.")
        policy = get_object_or_404(selectors.policies_needing_acknowledgement(), slug=slug)
        return Response(ComplianceSerializer(selectors.compliance_of(policy)).data)


class SearchHitSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField()
    fragment = serializers.CharField(help_text="HTML: escaped text with <mark> around matches.")


class SearchView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="Words to look for", required=True)],
        responses=SearchHitSerializer(many=True),
        operation_id="search",
    )
    def get(self, request: Request) -> Response:
        query = request.query_params.get("q", "")
        if not query.strip():
            raise ValidationError({"q": ["Give some words to search for."]})
        hits = search.search(query, user=request.user)
        return Response(SearchHitSerializer(hits, many=True).data)


# --- Changes waiting for a second person -------------------------------------------------------


class ChangeDifferenceSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(help_text="The field's name, as in ``changes``.")
    label = serializers.CharField(help_text="The field in words.")  # type: ignore[assignment]
    before = serializers.CharField(help_text="The value when proposed, in words.")
    after = serializers.CharField(help_text="The proposed value, in words.")


class PendingChangeSerializer(serializers.ModelSerializer[PendingChange]):
    policy: serializers.SlugRelatedField[Policy] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True, help_text="The policy's slug."
    )
    entry: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True, help_text="The entry's slug."
    )
    proposed_by = serializers.CharField(source="proposed_by.username", read_only=True)
    decided_by = serializers.CharField(
        source="decided_by.username", read_only=True, allow_null=True
    )
    changes = serializers.DictField(
        read_only=True, help_text="Field → proposed value, as the field takes it."
    )
    before = serializers.DictField(read_only=True, help_text="Field → value when proposed.")
    differences = serializers.SerializerMethodField()

    class Meta:
        model = PendingChange
        fields = [
            "id",
            "policy",
            "entry",
            "status",
            "changes",
            "before",
            "differences",
            "proposed_by",
            "proposed_at",
            "decided_by",
            "decided_at",
            "reason",
        ]
        read_only_fields = fields

    @extend_schema_field(ChangeDifferenceSerializer(many=True))
    def get_differences(self, change: PendingChange) -> list[dict[str, str]]:
        return [
            {"name": d.field, "label": d.label, "before": d.before, "after": d.after}
            for d in pending.differences(change)
        ]


class RejectReasonSerializer(ClosedBody, serializers.Serializer[Any]):
    reason = serializers.CharField(allow_blank=True)


def _change(request: Request, pk: int) -> PendingChange:
    return get_object_or_404(pending.changes_visible_to(_user(request)), pk=pk)


class PendingChangeListView(APIView):
    """Changes to published policies' settings and to register entries, newest first; authors
    and approvers see them. ``?status=pending`` for those still waiting."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "status", str, enum=ChangeStatus.values, description="Only changes in this state."
            )
        ],
        responses=PendingChangeSerializer(many=True),
        operation_id="pending_changes_list",
    )
    def get(self, request: Request) -> Response:
        _require(request, "policies.view_changes", "Only policy authors and approvers.")
        changes = pending.changes_visible_to(_user(request))
        wanted = request.query_params.get("status", "")
        if wanted:
            if wanted not in ChangeStatus.values:
                known = ", ".join(ChangeStatus.values)
                raise ValidationError({"status": [f"“{wanted}” is not one of: {known}."]})
            changes = changes.filter(status=wanted)
        return Response(PendingChangeSerializer(changes[:200], many=True).data)


class PendingChangeDetailView(APIView):
    @extend_schema(responses=PendingChangeSerializer, operation_id="pending_changes_retrieve")
    def get(self, request: Request, pk: int) -> Response:
        _require(request, "policies.view_changes", "Only policy authors and approvers.")
        return Response(PendingChangeSerializer(_change(request, pk)).data)


class PendingChangeActionView(APIView):
    """approve and reject (an approver who did not propose it), withdraw (the proposer)."""

    answers_conflict = True  # decided already, or changed since it was proposed: 409
    action = ""

    def post(self, request: Request, pk: int) -> Response:
        user = _user(request)
        if self.action == "withdraw":
            _require(request, "policies.view_changes", pending.MAY_WITHDRAW)
            change = pending.pending_change_withdraw(by=user, change=_change(request, pk))
        elif self.action == "approve":
            _require(request, "policies.decide_change", pending.MAY_DECIDE)
            change = pending.pending_change_approve(by=user, change=_change(request, pk))
        else:
            _require(request, "policies.decide_change", pending.MAY_DECIDE)
            change = _change(request, pk)
            reason = RejectReasonSerializer(data=request.data)
            reason.is_valid(raise_exception=True)
            given = RejectReason.parse(reason.validated_data)
            change = pending.pending_change_reject(by=user, change=change, data=given)
        return Response(PendingChangeSerializer(change).data)


class PendingChangeApproveView(PendingChangeActionView):
    action = "approve"

    @extend_schema(request=None, responses=PendingChangeSerializer)
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)


class PendingChangeRejectView(PendingChangeActionView):
    action = "reject"

    @extend_schema(request=RejectReasonSerializer, responses=PendingChangeSerializer)
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)


class PendingChangeWithdrawView(PendingChangeActionView):
    action = "withdraw"

    @extend_schema(request=None, responses=PendingChangeSerializer)
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)
