"""``/api/v1/register/``: the register for programs, and the lookup "may I use X with Y?"."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from policies.api import PendingChangeSerializer
from policies.models import (
    DataClassification,
    EntryKind,
    EntryStatus,
    Indemnity,
    Policy,
    RegisterEntry,
    TrainingDataDisclosure,
)
from policies.register.inputs import NewRegisterEntry, RegisterEntryChange
from policies.register.lookup import LookupAnswer, Reason, Verdict, may_use
from policies.register.selectors import register_entries, register_entry_by_slug, tool_facts
from policies.register.services import register_entry_create, register_entry_propose
from portal.api.serializers import ClosedBody, choice_field
from portal.models import User

CLASSIFICATION_LIST = ", ".join(DataClassification.values)


class RegisterPermission(BasePermission):
    """Every employee reads the register; policy authors and administrators change it."""

    message = "Only policy authors and administrators may change the register."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in SAFE_METHODS:
            return bool(request.user.has_perm("policies.view_register"))
        return bool(request.user.has_perm("policies.manage_register"))


_choice = choice_field


class PolicyReferenceSerializer(serializers.ModelSerializer[Policy]):
    class Meta:
        model = Policy
        fields = ["title", "slug"]


class RegisterEntrySerializer(serializers.ModelSerializer[RegisterEntry]):
    governing_policy = PolicyReferenceSerializer(read_only=True, allow_null=True)
    page_url = serializers.SerializerMethodField()

    class Meta:
        model = RegisterEntry
        fields = [
            "slug",
            "name",
            "vendor",
            "kind",
            "status",
            "max_data_classification",
            "description",
            "conditions_of_use",
            "governing_policy",
            "training_data_disclosure",
            "licence",
            "output_ownership",
            "indemnity",
            "price_per_million_input_tokens",
            "price_per_million_output_tokens",
            "gpu_type",
            "gpu_hourly_price",
            "seat_price_monthly",
            "prices_checked_on",
            "created_at",
            "updated_at",
            "page_url",
        ]
        read_only_fields = fields

    def get_page_url(self, entry: RegisterEntry) -> str:
        return reverse("register:detail", kwargs={"slug": entry.slug})


class NewRegisterEntrySerializer(RegisterEntrySerializer):
    """An entry just added, with what of it waits for an approver."""

    pending_change = PendingChangeSerializer(
        read_only=True,
        allow_null=True,
        help_text="The status or data classification asked for, waiting for an approver; "
        "null when nothing waits.",
    )

    class Meta(RegisterEntrySerializer.Meta):
        fields = [*RegisterEntrySerializer.Meta.fields, "pending_change"]
        read_only_fields = fields


def _price(label: str) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=None,
        decimal_places=None,
        required=False,
        allow_null=True,
        help_text=f"{label}, in US dollars; needs prices_checked_on.",
    )


class RegisterEntryInputSerializer(ClosedBody, serializers.Serializer[dict[str, Any]]):
    """What a policy author sends to add or change an entry: its shape. The register's rules
    and limits are the input's (``policies.register.inputs``)."""

    name = serializers.CharField()
    slug = serializers.SlugField(
        required=False,
        help_text="Set once, when the entry is added; made from the name if left out.",
    )
    vendor = serializers.CharField(required=False, allow_blank=True)
    kind = _choice(EntryKind, "kind")
    status = _choice(EntryStatus, "status", required=False)
    max_data_classification = _choice(DataClassification, "data classification", required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    conditions_of_use = serializers.CharField(required=False, allow_blank=True)
    governing_policy = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Policy.objects.all(),
        required=False,
        allow_null=True,
        help_text="The policy's slug.",
        error_messages={"does_not_exist": "There is no policy with the slug “{value}”."},
    )
    training_data_disclosure = _choice(
        TrainingDataDisclosure, "training data disclosure", required=False
    )
    licence = serializers.CharField(required=False, allow_blank=True)
    output_ownership = serializers.CharField(required=False, allow_blank=True)
    indemnity = _choice(Indemnity, "indemnity", required=False)
    price_per_million_input_tokens = _price("Price per million input tokens")
    price_per_million_output_tokens = _price("Price per million output tokens")
    gpu_type = serializers.CharField(required=False, allow_blank=True)
    gpu_hourly_price = _price("Price per GPU-hour")
    seat_price_monthly = _price("Price per user a month, for a seat licence")
    prices_checked_on = serializers.DateField(required=False, allow_null=True)


class RegisterListQuerySerializer(serializers.Serializer[dict[str, Any]]):
    kind = _choice(EntryKind, "kind", required=False, allow_blank=True)
    status = _choice(EntryStatus, "status", required=False, allow_blank=True)
    search = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="Part of a name or vendor."
    )


class RegisterEntryListView(generics.ListCreateAPIView[RegisterEntry]):
    """The register, by name; filter by kind and status, search names and vendors."""

    permission_classes = [IsAuthenticated, RegisterPermission]
    serializer_class = RegisterEntrySerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[RegisterEntry]:
        query = RegisterListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return register_entries(user=self.request.user, **query.validated_data)

    @extend_schema(parameters=[RegisterListQuerySerializer])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=RegisterEntryInputSerializer,
        responses={
            201: OpenApiResponse(
                NewRegisterEntrySerializer,
                description="The entry as added: under review (or prohibited), for public data. "
                "A status of approved or approved with conditions, or a data classification "
                "above public, is its pending_change (null when nothing waits): an approver "
                "other than you approves it (/api/v1/pending-changes/<id>/approve/).",
            )
        },
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = RegisterEntryInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        assert isinstance(request.user, User)
        data = NewRegisterEntry.parse(given.validated_data)
        outcome = register_entry_create(by=request.user, data=data)
        entry = outcome.target
        return Response(
            {
                **RegisterEntrySerializer(entry).data,
                "pending_change": (
                    PendingChangeSerializer(outcome.pending).data if outcome.pending else None
                ),
            },
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api-register-detail", kwargs={"slug": entry.slug})},
        )


CHANGE_ANSWERS = {
    200: RegisterEntrySerializer,
    202: OpenApiResponse(
        PendingChangeSerializer,
        description="The change to the status, approved data classification, prices or "
        "IP-transparency answers waits for an approver (anything else sent is saved).",
    ),
}


class RegisterEntryDetailView(generics.RetrieveUpdateAPIView[RegisterEntry]):
    """One entry, by slug. PATCH changes the fields sent; PUT needs name and kind. A change to
    the status, approved data classification, prices or IP-transparency answers is proposed
    (202, the pending change); an approver other than you approves it
    (``/api/v1/pending-changes/<id>/approve/``)."""

    answers_conflict = True  # a second proposal while one waits: 409

    permission_classes = [IsAuthenticated, RegisterPermission]
    serializer_class = RegisterEntrySerializer
    lookup_field = "slug"
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[RegisterEntry]:
        return register_entries(user=self.request.user)

    @extend_schema(request=RegisterEntryInputSerializer, responses=CHANGE_ANSWERS)
    def put(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._change(request, partial=False)

    @extend_schema(request=RegisterEntryInputSerializer, responses=CHANGE_ANSWERS)
    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._change(request, partial=True)

    def _change(self, request: Request, *, partial: bool) -> Response:
        entry = self.get_object()
        given = RegisterEntryInputSerializer(data=request.data, partial=partial)
        given.is_valid(raise_exception=True)
        changes = dict(given.validated_data)
        if changes.pop("slug", entry.slug) != entry.slug:
            raise ValidationError({"slug": ["The slug cannot change: links to the entry use it."]})
        assert isinstance(request.user, User)
        data = RegisterEntryChange.parse(changes=changes)
        outcome = register_entry_propose(by=request.user, entry=entry, data=data)
        if outcome.pending is not None:  # waits for an approver (the rest is saved)
            return Response(
                PendingChangeSerializer(outcome.pending).data,
                status=status.HTTP_202_ACCEPTED,
                headers={
                    "Location": reverse("api-pending-change", kwargs={"pk": outcome.pending.pk})
                },
            )
        return Response(RegisterEntrySerializer(outcome.target).data)


class LookupQuerySerializer(serializers.Serializer[dict[str, Any]]):
    # Built in get_fields: ``data`` is also the name of the serializer's output.
    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        return {
            "tool": serializers.SlugField(
                help_text="The slug of a register entry, e.g. github-copilot-business."
            ),
            "data": _choice(
                DataClassification,
                "data classification",
                help_text=f"The most sensitive data you would use with it: {CLASSIFICATION_LIST}.",
            ),
        }

    def validate_tool(self, slug: str) -> RegisterEntry:
        entry = register_entry_by_slug(user=self.context.get("user"), slug=slug)
        if entry is None:
            raise serializers.ValidationError(f"No tool or model “{slug}” is in the register.")
        return entry


LookupAnswerSerializer = inline_serializer(
    "RegisterLookupAnswer",
    {
        "tool": inline_serializer(
            "RegisterLookupTool", {"name": serializers.CharField(), "slug": serializers.CharField()}
        ),
        "data_classification": serializers.ChoiceField(choices=DataClassification.choices),
        "verdict": serializers.ChoiceField(choices=[(v.value, v.value) for v in Verdict]),
        "reason": serializers.ChoiceField(choices=[(r.value, r.value) for r in Reason]),
        "headline": serializers.CharField(),
        "answer": serializers.CharField(help_text="The answer in one plain sentence."),
        "conditions": serializers.CharField(help_text="What to follow when the answer is yes."),
        "governing_policy": PolicyReferenceSerializer(allow_null=True),
    },
)


def _answer_body(answer: LookupAnswer) -> dict[str, Any]:
    policy = None
    if answer.policy_slug:
        policy = {"title": answer.policy_title, "slug": answer.policy_slug}
    return {
        "tool": {"name": answer.tool_name, "slug": answer.tool_slug},
        "data_classification": answer.data_classification.value,
        "verdict": answer.verdict.value,
        "reason": answer.reason.value,
        "headline": answer.headline,
        "answer": answer.sentence,
        "conditions": answer.conditions,
        "governing_policy": policy,
    }


class RegisterLookupView(APIView):
    """May I use this tool with this data? ``yes``, ``yes_with_conditions`` or ``no``, and why."""

    permission_classes = [IsAuthenticated, RegisterPermission]

    @extend_schema(
        operation_id="register_lookup",
        parameters=[LookupQuerySerializer],
        responses={200: LookupAnswerSerializer},
        examples=[
            OpenApiExample(
                "Yes with conditions",
                response_only=True,
                value={
                    "tool": {"name": "GitHub Copilot Business", "slug": "github-copilot-business"},
                    "data_classification": "confidential",
                    "verdict": "yes_with_conditions",
                    "reason": "approved_with_conditions",
                    "headline": "Yes, with conditions",
                    "answer": "Yes, with conditions: GitHub Copilot Business is approved for "
                    "confidential data, as long as you follow its conditions of use.",
                    "conditions": "Keep public code matching blocked; never paste secrets.",
                    "governing_policy": {"title": "Acceptable use of AI", "slug": "acceptable-use"},
                },
            ),
            OpenApiExample(
                "No, the data is too sensitive",
                response_only=True,
                value={
                    "tool": {"name": "Free consumer chatbot", "slug": "free-consumer-chatbot"},
                    "data_classification": "internal",
                    "verdict": "no",
                    "reason": "data_too_sensitive",
                    "headline": "No",
                    "answer": "No, because Free consumer chatbot is approved for public "
                    "information at most, and internal data is more sensitive than that.",
                    "conditions": "",
                    "governing_policy": None,
                },
            ),
            OpenApiExample(
                "Unknown data classification",
                response_only=True,
                status_codes=["400"],
                value={
                    "detail": "The request has invalid fields; see errors for what to fix.",
                    "errors": {
                        "data": [
                            "“secret” is not a known data classification; use one of: "
                            f"{CLASSIFICATION_LIST}."
                        ]
                    },
                },
            ),
        ],
    )
    def get(self, request: Request) -> Response:
        query = LookupQuerySerializer(data=request.query_params, context={"user": request.user})
        query.is_valid(raise_exception=True)
        entry: RegisterEntry = query.validated_data["tool"]
        answer = may_use(tool_facts(entry), query.validated_data["data"])
        return Response(_answer_body(answer))
