"""``/api/v1/usecases/``: the archetype questionnaire and decision, estimate runs, drivers,
assumptions and batches. Same rules as the pages: a case the caller may not see answers 404."""

from __future__ import annotations

from typing import Any, get_args

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api.serializers import ClosedBody
from portal.models import User
from usecases import selectors
from usecases.estimates import services
from usecases.estimates.archetype import DataVolume
from usecases.estimates.inputs import Skills
from usecases.estimates.models import AssumptionsVersion, EstimateBatch, EstimateRun, RunStatus
from usecases.inputs import (
    ArchetypeAnswering,
    ArchetypeChoice,
    AssumptionsChange,
    DriversChange,
    EstimateRerun,
)
from usecases.models import Archetype, UseCase


class EstimateRunSerializer(serializers.ModelSerializer[EstimateRun]):
    status = serializers.ChoiceField(choices=RunStatus.choices, read_only=True)
    assumptions_version: serializers.SlugRelatedField[AssumptionsVersion] = (
        serializers.SlugRelatedField(slug_field="number", read_only=True)
    )

    class Meta:
        model = EstimateRun
        fields = [
            "id",
            "archetype",
            "status",
            "is_current",
            "is_stale",
            "inputs",
            "assumptions_version",
            "inputs_hash",
            "result",
            "error",
            "attempts",
            "batch",
            "created_at",
            "queued_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class _EstimatesView(APIView):
    permission_classes = [IsAuthenticated]
    answers_conflict = True  # see portal.api.schema

    def user(self) -> User:
        assert isinstance(self.request.user, User)
        return self.request.user

    def case(self) -> UseCase:
        usecase = selectors.usecase_for(self.user(), self.kwargs["reference"])
        if usecase is None or not self.user().has_perm("usecases.view_estimates", usecase):
            raise Http404("No such use case.")
        return usecase


class RunRequestSerializer(ClosedBody, serializers.Serializer[dict[str, Any]]):
    archetype = serializers.ChoiceField(choices=Archetype.choices)


class EstimateRunsView(_EstimatesView):
    """The case's estimate runs (current ones first); POST asks for a (re-)run of an archetype."""

    @extend_schema(responses=EstimateRunSerializer(many=True))
    def get(self, request: Request, reference: str) -> Response:
        runs = EstimateRun.objects.filter(usecase=self.case()).select_related("assumptions_version")
        runs = runs.order_by("-is_current", "-created_at")
        return Response(EstimateRunSerializer(runs, many=True).data)

    @extend_schema(request=RunRequestSerializer, responses={202: EstimateRunSerializer})
    def post(self, request: Request, reference: str) -> Response:
        usecase = self.case()
        given = RunRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = EstimateRerun.parse(given.validated_data)
        run = services.estimate_rerun(by=self.user(), usecase=usecase, data=data)
        run.refresh_from_db()
        return Response(EstimateRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class EstimateRunView(_EstimatesView):
    @extend_schema(responses=EstimateRunSerializer)
    def get(self, request: Request, reference: str, run_id: int) -> Response:
        run = get_object_or_404(EstimateRun, usecase=self.case(), pk=run_id)
        return Response(EstimateRunSerializer(run).data)


class DriversSerializer(ClosedBody, serializers.Serializer[dict[str, Any]]):
    drivers = serializers.DictField(
        help_text="EstimateInput fields (see `manage.py estimate --schema`), laid over the "
        "current drivers: a field left out is kept; null removes it."
    )


class DriversView(_EstimatesView):
    """The drivers of one archetype (the reviewer's, else defaults from the intake)."""

    def _archetype(self) -> str:
        archetype = str(self.kwargs["archetype"])
        if archetype not in services.ARCHETYPES:
            raise Http404("No such archetype.")
        return archetype

    @extend_schema(responses=DriversSerializer)
    def get(self, request: Request, reference: str, archetype: str) -> Response:
        return Response({"drivers": services.drivers_for(self.case(), self._archetype())})

    @extend_schema(request=DriversSerializer, responses={202: EstimateRunSerializer})
    def put(self, request: Request, reference: str, archetype: str) -> Response:
        usecase = self.case()
        given = DriversSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = DriversChange.parse(
            archetype=self._archetype(), drivers=given.validated_data["drivers"]
        )
        run = services.estimate_drivers_set(by=self.user(), usecase=usecase, data=data)
        run.refresh_from_db()
        return Response(EstimateRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class ArchetypeAnswersSerializer(ClosedBody, serializers.Serializer[dict[str, Any]]):
    model_does_job_as_is = serializers.BooleanField()
    needs_company_data = serializers.BooleanField()
    must_run_on_company_infrastructure = serializers.BooleanField()
    capability_is_differentiator = serializers.BooleanField()
    data_volume = serializers.ChoiceField(choices=list(get_args(DataVolume)))
    budget_ceiling = serializers.FloatField(required=False, allow_null=True)
    skills_in_house = serializers.ChoiceField(choices=list(get_args(Skills)))
    expected_version = serializers.IntegerField(
        required=False,
        write_only=True,
        help_text="The case's version you answered on; refused if it changed.",
    )


class ArchetypeSerializer(serializers.Serializer[dict[str, Any]]):
    answers = ArchetypeAnswersSerializer(allow_null=True)
    recommended_archetype = serializers.CharField(allow_blank=True)
    reasons = serializers.ListField(child=serializers.CharField())
    chosen_archetype = serializers.CharField(allow_blank=True)
    justification = serializers.CharField(allow_blank=True)


class ArchetypeDecisionSerializer(ClosedBody, serializers.Serializer[dict[str, Any]]):
    archetype = serializers.ChoiceField(choices=Archetype.choices)
    justification = serializers.CharField(required=False, allow_blank=True)
    expected_version = serializers.IntegerField(
        required=False, help_text="The case's version you decided on; refused if it changed."
    )


def _archetype_data(usecase: UseCase) -> dict[str, Any]:
    return {
        "answers": usecase.archetype_answers,
        "recommended_archetype": usecase.recommended_archetype,
        "reasons": usecase.archetype_reasons,
        "chosen_archetype": usecase.chosen_archetype,
        "justification": usecase.archetype_justification,
    }


class ArchetypeView(_EstimatesView):
    """The archetype questionnaire: PUT the answers, get the recommendation and the choice."""

    @extend_schema(responses=ArchetypeSerializer)
    def get(self, request: Request, reference: str) -> Response:
        return Response(_archetype_data(self.case()))

    @extend_schema(request=ArchetypeAnswersSerializer, responses=ArchetypeSerializer)
    def put(self, request: Request, reference: str) -> Response:
        usecase = self.case()
        given = ArchetypeAnswersSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        answers = dict(given.validated_data)
        expected_version = answers.pop("expected_version", None)
        data = ArchetypeAnswering.parse(answers=answers, expected_version=expected_version)
        updated = services.usecase_archetype_answer(by=self.user(), usecase=usecase, data=data)
        return Response(_archetype_data(updated))


class ArchetypeDecisionView(_EstimatesView):
    """A reviewer confirms or overrides the recommendation (a justification to override)."""

    @extend_schema(request=ArchetypeDecisionSerializer, responses=ArchetypeSerializer)
    def post(self, request: Request, reference: str) -> Response:
        usecase = self.case()
        given = ArchetypeDecisionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = ArchetypeChoice.parse(given.validated_data)
        updated = services.usecase_archetype_choose(by=self.user(), usecase=usecase, data=data)
        return Response(_archetype_data(updated))


class AssumptionsVersionSerializer(ClosedBody, serializers.ModelSerializer[AssumptionsVersion]):
    # null for the defaults the portal starts with
    created_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = AssumptionsVersion
        fields = ["number", "data", "comment", "created_by", "created_at"]
        read_only_fields = ["number", "created_by", "created_at"]


class AssumptionsView(APIView):
    """The assumptions in force (everyone); POST a new version (administrators)."""

    permission_classes = [IsAuthenticated]
    answers_conflict = True  # see portal.api.schema

    @extend_schema(responses=AssumptionsVersionSerializer)
    def get(self, request: Request) -> Response:
        if not request.user.has_perm("usecases.view_assumptions"):
            raise PermissionDenied("Sign in as an employee.")
        return Response(AssumptionsVersionSerializer(services.assumptions_current()).data)

    @extend_schema(
        request=AssumptionsVersionSerializer, responses={201: AssumptionsVersionSerializer}
    )
    def post(self, request: Request) -> Response:
        given = AssumptionsVersionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        assert isinstance(request.user, User)
        data = AssumptionsChange.parse(
            data=given.validated_data["data"], comment=given.validated_data.get("comment", "")
        )
        version = services.assumptions_publish(by=request.user, data=data)
        return Response(AssumptionsVersionSerializer(version).data, status=status.HTTP_201_CREATED)


class EstimateBatchSerializer(serializers.ModelSerializer[EstimateBatch]):
    percent = serializers.IntegerField(read_only=True)
    is_finished = serializers.BooleanField(read_only=True)

    class Meta:
        model = EstimateBatch
        fields = [
            "id",
            "reason",
            "total",
            "done",
            "failed",
            "planned",
            "percent",
            "is_finished",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class EstimateBatchView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=EstimateBatchSerializer)
    def get(self, request: Request, batch_id: int) -> Response:
        if not request.user.has_perm("usecases.view_estimate_batches"):
            raise PermissionDenied("Only the CIO office and administrators follow batches.")
        return Response(EstimateBatchSerializer(get_object_or_404(EstimateBatch, pk=batch_id)).data)
