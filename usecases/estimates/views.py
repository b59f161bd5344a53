"""Pages of the estimates: the archetype questionnaire and choice, the estimates panel on the case
page (polled by htmx while a run is in flight), drivers, assumptions and batch progress."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from pydantic import ValidationError as PydanticValidationError
from rules.contrib.views import permission_required

from policies.models import RegisterEntry
from portal.boundary import Refused, answers_refusals, invalid_input_shown, same_page
from portal.forms import errors_in_words
from portal.models import User
from usecases import selectors
from usecases.estimates import services
from usecases.estimates.assumptions import Assumptions
from usecases.estimates.editors import EditorForm, assumptions_specs, drivers_specs
from usecases.estimates.forms import ArchetypeForm, ChooseArchetypeForm, JsonForm
from usecases.estimates.inputs import EstimateInput
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
    as_json = "document" in request.POST  # the power users' JSON, below the form
    json_form = JsonForm(
        request.POST if as_json else None, initial={"document": json.dumps(drivers, indent=2)}
    )
    gpus = list(services.assumptions_current().data.get("gpus", {}))
    models = [
        (entry.slug, entry.name)
        for entry in RegisterEntry.objects.order_by("name")
        if entry.has_prices
    ]
    form = EditorForm(
        drivers_specs(gpus, models),
        {k: v for k, v in drivers.items() if k != "archetype"},
        None if as_json or request.method != "POST" else request.POST,
        with_comment=False,
    )
    if request.method == "POST":
        saved = (
            _drivers_from_json(request, json_form, usecase, archetype)
            if as_json
            else _drivers_from_editor(request, form, usecase, archetype)
        )
        if saved:
            messages.success(request, f"The {archetype} drivers are saved; re-estimating.")
            return redirect(reverse("usecases:detail", args=[usecase.reference]) + "#estimates")
    return render(
        request,
        "usecases/estimates/drivers.html",
        {
            "usecase": usecase,
            "archetype": archetype,
            "form": form,
            "json_form": json_form,
            "json_open": as_json,
            "defaults": json.dumps(services.default_drivers(usecase, archetype), indent=2),
        },
    )


def _drivers_from_json(
    request: HttpRequest, form: JsonForm, usecase: UseCase, archetype: str
) -> bool:
    if not form.is_valid():
        return False
    with invalid_input_shown(form):
        data = DriversChange.parse(archetype=archetype, drivers=form.cleaned_data["document"])
        services.estimate_drivers_set(by=_user(request), usecase=usecase, data=data)
        return True
    return False


def _drivers_from_editor(
    request: HttpRequest, form: EditorForm, usecase: UseCase, archetype: str
) -> bool:
    """The stored drivers with the form's values laid over them, checked by the engine's input
    model (each problem on its field), then saved by the service."""
    if not form.is_valid():
        return False
    drivers = form.document()
    if form.errors:
        return False
    try:
        resolved = services.resolve_inputs({**drivers, "archetype": archetype})
    except ValidationError as error:
        for name, problems in error.message_dict.items():
            form.add_error(name if name in form.fields else None, problems)
        return False
    if not form.check(EstimateInput.model_validate, resolved):
        return False
    with invalid_input_shown(form):
        data = DriversChange.parse(
            archetype=archetype, drivers={**drivers, **form.removed(drivers)}
        )
        services.estimate_drivers_set(by=_user(request), usecase=usecase, data=data)
        return True
    return False


# --- Assumptions and batches ----------------------------------------------------------------


@permission_required("usecases.manage_assumptions", raise_exception=True)
@answers_refusals(back=same_page)
def assumptions_edit(request: HttpRequest) -> HttpResponse:
    current = services.assumptions_current()
    data = {k: v for k, v in _with_defaults(current.data).items() if k != "version"}
    as_json = "document" in request.POST  # the power users' JSON, below the form
    json_form = JsonForm(
        request.POST if as_json else None, initial={"document": json.dumps(data, indent=2)}
    )
    form = EditorForm(
        assumptions_specs(data),
        data,
        None if as_json or request.method != "POST" else request.POST,
        collapsed=True,
    )
    shown = json_form if as_json else form
    if request.method == "POST" and shown.is_valid():
        if as_json:
            document, comment = (
                json_form.cleaned_data["document"],
                json_form.cleaned_data["comment"],
            )
        else:
            document, comment = form.document(), form.cleaned_data.get("comment", "")
        number = current.number + 1
        checked = as_json or (
            not form.errors
            and form.check(lambda d: Assumptions.from_stored({**d, "version": number}), document)
        )
        if checked:
            with invalid_input_shown(shown):
                change = AssumptionsChange.parse(data=document, comment=comment)
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
            "json_form": json_form,
            "json_open": as_json,
            "current": current,
            "history": AssumptionsVersion.objects.select_related("created_by")[:50],
        },
    )


def _with_defaults(stored: dict[str, Any]) -> dict[str, Any]:
    """A stored version with the parts added since filled in (an older version has no
    ``intake``): the editor shows what the engine uses."""
    try:
        return Assumptions.from_stored(stored).model_dump(mode="json")
    except PydanticValidationError:
        return stored


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
