"""Pages of the estimates: the archetype questionnaire and choice, the estimates panel on the case
page (polled by htmx while a run is in flight), drivers, assumptions and batch progress."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from portal.boundary import Refused, answers_refusals, invalid_input_shown, same_page
from portal.forms import errors_in_words
from portal.models import User
from usecases import selectors
from usecases.estimates import services
from usecases.estimates.forms import ArchetypeForm, ChooseArchetypeForm, JsonForm
from usecases.estimates.models import AssumptionsVersion, EstimateBatch
from usecases.estimates.selectors import ArchetypePanel, estimate_panels
from usecases.inputs import (
    ArchetypeAnswering,
    ArchetypeChoice,
    AssumptionsChange,
    DriversChange,
    EstimateRerun,
)
from usecases.models import UseCase


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _case_for(request: HttpRequest, reference: str) -> UseCase:
    usecase = selectors.usecase_for(_user(request), reference)
    if usecase is None or not _user(request).has_perm("usecases.view_estimates", usecase):
        raise Http404("No such use case.")
    return usecase


def _estimates_section(request: HttpRequest, refusal: Refused, reference: str, **_: Any) -> str:
    return reverse("usecases:detail", args=[reference]) + "#estimates"


# --- The panel on the case page -------------------------------------------------------------


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
        "assumed_facts": services.assumed_facts(usecase),
        "may_adjust_estimates": user.has_perm("usecases.adjust_estimates", usecase),
        "may_answer_archetype": user.has_perm("usecases.answer_archetype", usecase),
        "choose_form": ChooseArchetypeForm(
            initial={
                "archetype": usecase.chosen_archetype or usecase.recommended_archetype,
                "expected_version": usecase.version,
            }
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
@answers_refusals(back=_estimates_section)
def estimate_rerun(request: HttpRequest, reference: str, archetype: str) -> HttpResponse:
    usecase = _case_for(request, reference)
    if archetype not in services.ARCHETYPES:
        raise Http404("No such archetype.")
    data = EstimateRerun.parse(archetype=archetype)
    services.estimate_rerun(by=_user(request), usecase=usecase, data=data)
    messages.success(request, f"The {archetype} estimate is being computed.")
    if request.htmx:  # type: ignore[attr-defined]
        return estimates_panel(request, reference)
    return redirect(reverse("usecases:detail", args=[usecase.reference]) + "#estimates")


# --- Archetype ------------------------------------------------------------------------------


@login_required
@answers_refusals(back=_estimates_section)
def archetype_questionnaire(request: HttpRequest, reference: str) -> HttpResponse:
    usecase = _case_for(request, reference)
    user = _user(request)
    if not user.has_perm("usecases.answer_archetype", usecase):
        raise PermissionDenied("Only the submitter, leads of the department and the CIO office.")
    initial = {
        **ArchetypeForm.initial_from(usecase.archetype_answers),
        "expected_version": usecase.version,
    }
    form = ArchetypeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with invalid_input_shown(form):
            data = ArchetypeAnswering.parse(form.answering())
            services.usecase_archetype_answer(by=user, usecase=usecase, data=data)
            messages.success(request, "The archetype recommendation is updated.")
            return redirect(reverse("usecases:detail", args=[usecase.reference]) + "#estimates")
    return render(request, "usecases/estimates/archetype.html", {"usecase": usecase, "form": form})


@login_required
@require_POST
@answers_refusals(back=_estimates_section)
def archetype_choose(request: HttpRequest, reference: str) -> HttpResponse:
    usecase = _case_for(request, reference)
    form = ChooseArchetypeForm(request.POST)
    if form.is_valid():
        data = ArchetypeChoice.parse(form.cleaned_data)
        services.usecase_archetype_choose(by=_user(request), usecase=usecase, data=data)
        messages.success(request, "The archetype is chosen.")
    else:
        messages.error(request, errors_in_words(form))
    return redirect(reverse("usecases:detail", args=[usecase.reference]) + "#estimates")


# --- Drivers --------------------------------------------------------------------------------


@login_required
@answers_refusals(back=_estimates_section)
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
        with invalid_input_shown(form):
            data = DriversChange.parse(archetype=archetype, drivers=form.cleaned_data["document"])
            services.estimate_drivers_set(by=user, usecase=usecase, data=data)
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


@permission_required("usecases.manage_assumptions", raise_exception=True)
@answers_refusals(back=same_page)
def assumptions_edit(request: HttpRequest) -> HttpResponse:
    current = services.assumptions_current()
    data = {k: v for k, v in current.data.items() if k != "version"}
    form = JsonForm(request.POST or None, initial={"document": json.dumps(data, indent=2)})
    if request.method == "POST" and form.is_valid():
        with invalid_input_shown(form):
            change = AssumptionsChange.parse(
                data=form.cleaned_data["document"], comment=form.cleaned_data["comment"]
            )
            version = services.assumptions_publish(by=_user(request), data=change)
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
