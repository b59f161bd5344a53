"""Pages of the estimates: the archetype questionnaire and choice, the estimates panel on the case
page (polled by htmx while a run is in flight), drivers, assumptions and batch progress."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from portal.forms import StorableTextMixin, errors_in_words
from portal.models import User
from usecases import selectors
from usecases.estimates import services
from usecases.estimates.models import AssumptionsVersion, EstimateBatch, EstimateRun, RunStatus
from usecases.models import Archetype, UseCase

LINE_ITEM_WORDS = {
    "api_usage": "API usage",
    "training_compute": "Training compute",
}
# How far along the bar is for each status (Bootstrap's w-25 ... w-100; no inline styles).
PROGRESS = {
    RunStatus.WAITING: 25,
    RunStatus.QUEUED: 50,
    RunStatus.RUNNING: 75,
    RunStatus.DONE: 100,
    RunStatus.FAILED: 100,
}
WAITING_FOR_WORKER_AFTER = 30  # seconds queued before the page says so and offers a retry


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _case_for(request: HttpRequest, reference: str) -> UseCase:
    usecase = selectors.usecase_for(_user(request), reference)
    if usecase is None or not _user(request).has_perm("usecases.view_estimates", usecase):
        raise Http404("No such use case.")
    return usecase


# --- The panel on the case page -------------------------------------------------------------


@dataclass
class ArchetypePanel:
    archetype: str
    label: str
    run: EstimateRun | None
    shown: EstimateRun | None  # the run whose results are shown (may be stale)
    recommended: bool
    chosen: bool
    waiting_for_worker: bool = False
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def progress(self) -> int:
        return PROGRESS[RunStatus(self.run.status)] if self.run else 0

    @property
    def is_active(self) -> bool:
        return self.run is not None and self.run.is_active

    @property
    def is_stale(self) -> bool:
        return self.shown is not None and self.shown is not self.run

    @property
    def breakdown(self) -> list[dict[str, Any]]:
        return [
            {**line, "label": LINE_ITEM_WORDS.get(line["item"], line["item"].replace("_", " "))}
            for line in self.result.get("breakdown", [])
        ]


def estimate_panels(usecase: UseCase) -> list[ArchetypePanel]:
    """Per archetype: the current run, and the results to show (the latest done, maybe stale)."""
    # One query, on PostgreSQL and SQLite alike: the current runs and the latest finished ones
    # (the current runs are the newest requests, so they are among the latest created).
    runs = list(
        EstimateRun.objects.filter(usecase=usecase)
        .filter(Q(is_current=True) | Q(status=RunStatus.DONE))
        .order_by("-created_at", "-id")[:30]
    )
    runs.sort(key=lambda r: r.finished_at or r.created_at, reverse=True)
    now = timezone.now()
    panels = []
    for archetype in Archetype:
        mine = [r for r in runs if r.archetype == archetype.value]
        current = next((r for r in mine if r.is_current), None)
        shown = current if current and current.status == RunStatus.DONE else None
        if shown is None:
            shown = next((r for r in mine if r.status == RunStatus.DONE), None)
        since = None
        if current is not None and current.is_active:
            since = current.queued_at or current.created_at
            if current.status == RunStatus.RUNNING:
                since = current.started_at
        panels.append(
            ArchetypePanel(
                archetype=archetype.value,
                label=archetype.value.title(),
                run=current,
                shown=shown,
                recommended=usecase.recommended_archetype == archetype.value,
                chosen=usecase.chosen_archetype == archetype.value,
                waiting_for_worker=since is not None
                and (now - since).total_seconds() > WAITING_FOR_WORKER_AFTER,
                result=(shown.result or {}) if shown else {},
            )
        )
    return panels


def _chart_data(panels: list[ArchetypePanel]) -> dict[str, Any]:
    rows = [p for p in panels if p.result]
    return {
        "labels": [p.label for p in rows],
        "one_time": [p.result["one_time"] for p in rows],
        "annual": [p.result["annual"] for p in rows],
    }


def section_context(user: User, usecase: UseCase) -> dict[str, Any]:
    """What the case page's "Archetype and estimates" section needs."""
    may_view = user.has_perm("usecases.view_estimates", usecase)
    panels = estimate_panels(usecase) if may_view else []
    return {
        "estimate_panels": panels,
        "estimates_polling": any(p.is_active for p in panels),
        "estimates_chart": _chart_data(panels),
        "may_view_estimates": may_view,
        "may_adjust_estimates": user.has_perm("usecases.adjust_estimates", usecase),
        "may_answer_archetype": user.has_perm("usecases.answer_archetype", usecase),
        "choose_form": ChooseArchetypeForm(
            initial={"archetype": usecase.chosen_archetype or usecase.recommended_archetype}
        ),
    }


@login_required
def estimates_panel(request: HttpRequest, reference: str) -> HttpResponse:
    usecase = _case_for(request, reference)
    return render(
        request,
        "usecases/estimates/_panel.html",
        {"usecase": usecase, **section_context(_user(request), usecase)},
    )


@login_required
@require_POST
def estimate_rerun(request: HttpRequest, reference: str, archetype: str) -> HttpResponse:
    usecase = _case_for(request, reference)
    try:
        services.estimate_rerun(usecase=usecase, by=_user(request), archetype=archetype)
    except services.EstimateRefused as refusal:
        raise PermissionDenied(str(refusal)) from refusal
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"The {archetype} estimate is being computed.")
    if request.htmx:  # type: ignore[attr-defined]
        return estimates_panel(request, reference)
    return redirect(reverse("usecases:detail", args=[usecase.reference]) + "#estimates")


# --- Archetype ------------------------------------------------------------------------------

YES_NO = [("yes", "Yes"), ("no", "No")]


class ArchetypeForm(forms.Form):
    model_does_job_as_is = forms.ChoiceField(
        label="Does an available model (such as a chat assistant) already do the job as it is?",
        help_text="Try the task in an approved assistant: if its answers are good enough "
        "without your data, say yes.",
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    needs_company_data = forms.ChoiceField(
        label="Does it need the company's own data (documents, records, code)?",
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    must_run_on_company_infrastructure = forms.ChoiceField(
        label="Must it run on the company's own infrastructure?",
        help_text="Yes when the data may not leave the company, by law or contract.",
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    capability_is_differentiator = forms.ChoiceField(
        label="Is this capability something that sets the company apart from competitors?",
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    data_volume = forms.ChoiceField(
        label="How much proprietary data is there for it?",
        help_text="Small: thousands of documents. Large: hundreds of thousands. Massive: "
        "billions of words, enough to train a model.",
        choices=[
            ("none", "None"),
            ("small", "Small"),
            ("large", "Large"),
            ("massive", "Massive"),
        ],
    )
    budget_ceiling = forms.DecimalField(
        label="Budget ceiling (USD, one-time plus the first year)",
        help_text="Leave empty if there is none yet.",
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=0,
    )
    skills_in_house = forms.ChoiceField(
        label="AI engineering skills in house",
        choices=[("none", "None"), ("some", "Some"), ("strong", "A strong team")],
    )

    def answers_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for name in (
            "model_does_job_as_is",
            "needs_company_data",
            "must_run_on_company_infrastructure",
            "capability_is_differentiator",
        ):
            data[name] = data[name] == "yes"
        budget = data.get("budget_ceiling")
        data["budget_ceiling"] = float(budget) if budget is not None else None
        return data

    @classmethod
    def initial_from(cls, answers: dict[str, Any] | None) -> dict[str, Any]:
        if not answers:
            return {}
        return {
            key: ("yes" if value else "no") if isinstance(value, bool) else value
            for key, value in answers.items()
        }


class ChooseArchetypeForm(StorableTextMixin, forms.Form):
    archetype = forms.ChoiceField(
        choices=Archetype.choices,
        error_messages={
            "required": "Choose taker, shaper or maker.",
            "invalid_choice": "Choose taker, shaper or maker.",
        },
    )
    justification = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed when you depart from the recommendation.",
    )


@login_required
def archetype_questionnaire(request: HttpRequest, reference: str) -> HttpResponse:
    usecase = _case_for(request, reference)
    user = _user(request)
    if not user.has_perm("usecases.answer_archetype", usecase):
        raise PermissionDenied("Only the submitter, leads of the department and the CIO office.")
    form = ArchetypeForm(
        request.POST or None, initial=ArchetypeForm.initial_from(usecase.archetype_answers)
    )
    if request.method == "POST" and form.is_valid():
        try:
            answers = services.parse_archetype_answers(form.answers_data())
            services.usecase_archetype_answer(usecase=usecase, by=user, answers=answers)
        except ValidationError as error:
            for name, problems in error.message_dict.items():
                form.add_error(name if name in form.fields else None, problems)
        else:
            messages.success(request, "The archetype recommendation is updated.")
            return redirect(reverse("usecases:detail", args=[usecase.reference]) + "#estimates")
    return render(request, "usecases/estimates/archetype.html", {"usecase": usecase, "form": form})


@login_required
@require_POST
def archetype_choose(request: HttpRequest, reference: str) -> HttpResponse:
    usecase = _case_for(request, reference)
    form = ChooseArchetypeForm(request.POST)
    if form.is_valid():
        try:
            services.usecase_archetype_choose(
                usecase=usecase,
                by=_user(request),
                archetype=form.cleaned_data["archetype"],
                justification=form.cleaned_data["justification"],
            )
        except services.EstimateRefused as refusal:
            raise PermissionDenied(str(refusal)) from refusal
        except ValidationError as error:
            messages.error(request, " ".join(m for ms in error.message_dict.values() for m in ms))
        else:
            messages.success(request, "The archetype is chosen.")
    else:
        messages.error(request, errors_in_words(form))
    return redirect(reverse("usecases:detail", args=[usecase.reference]) + "#estimates")


# --- Drivers --------------------------------------------------------------------------------


class JsonForm(StorableTextMixin, forms.Form):
    document = forms.CharField(widget=forms.Textarea(attrs={"rows": 18, "class": "font-monospace"}))
    comment = forms.CharField(required=False, max_length=300)

    def clean_document(self) -> Any:
        try:
            return json.loads(self.cleaned_data["document"])
        except json.JSONDecodeError as error:
            raise forms.ValidationError(f"This is not valid JSON: {error}") from None


@login_required
def estimate_drivers(request: HttpRequest, reference: str, archetype: str) -> HttpResponse:
    usecase = _case_for(request, reference)
    user = _user(request)
    if archetype not in services.ARCHETYPES:
        raise Http404("No such archetype.")
    if not user.has_perm("usecases.adjust_estimates", usecase):
        raise PermissionDenied("Only the CIO office adjusts the drivers.")
    drivers = services.drivers_for(usecase, archetype)
    form = JsonForm(request.POST or None, initial={"document": json.dumps(drivers, indent=2)})
    if request.method == "POST" and form.is_valid():
        try:
            services.estimate_drivers_set(
                usecase=usecase, by=user, archetype=archetype, drivers=form.cleaned_data["document"]
            )
        except ValidationError as error:
            form.add_error(
                "document", " ".join(m for ms in error.message_dict.values() for m in ms)
            )
        else:
            messages.success(request, f"The {archetype} drivers are saved; re-estimating.")
            return redirect(reverse("usecases:detail", args=[usecase.reference]) + "#estimates")
    return render(
        request,
        "usecases/estimates/drivers.html",
        {
            "usecase": usecase,
            "archetype": archetype,
            "form": form,
            "defaults": json.dumps(services.default_drivers(usecase, archetype), indent=2),
        },
    )


# --- Assumptions and batches ----------------------------------------------------------------


@permission_required("usecases.manage_rubric", raise_exception=True)
def assumptions_edit(request: HttpRequest) -> HttpResponse:
    current = services.assumptions_current()
    data = {k: v for k, v in current.data.items() if k != "version"}
    form = JsonForm(request.POST or None, initial={"document": json.dumps(data, indent=2)})
    if request.method == "POST" and form.is_valid():
        try:
            version = services.assumptions_publish(
                by=_user(request),
                data=form.cleaned_data["document"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            form.add_error(
                "document", " ".join(m for ms in error.message_dict.values() for m in ms)
            )
        else:
            messages.success(
                request,
                f"Assumptions version {version.number} is in force; every estimated case is "
                "being re-estimated.",
            )
            return redirect("usecases:estimate-batches")
    return render(
        request,
        "usecases/estimates/assumptions.html",
        {
            "form": form,
            "current": current,
            "history": AssumptionsVersion.objects.select_related("created_by")[:50],
        },
    )


@permission_required("usecases.view_estimate_batches", raise_exception=True)
def batch_list(request: HttpRequest) -> HttpResponse:
    batches = list(EstimateBatch.objects.all()[:50])
    return render(
        request,
        "usecases/estimates/batches.html",
        {"batches": batches, "polling": any(not b.is_finished for b in batches)},
    )


@permission_required("usecases.view_estimate_batches", raise_exception=True)
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = get_object_or_404(EstimateBatch, pk=batch_id)
    template = "usecases/estimates/_batch.html" if request.htmx else "usecases/estimates/batch.html"  # type: ignore[attr-defined]
    return render(request, template, {"batch": batch})
