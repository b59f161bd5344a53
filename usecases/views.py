"""Pages of the use-case feature. Thin: a form checks input, a service or selector does the work.

A case someone may not see answers 404 on every page, never 403, so its existence stays private.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from rules.contrib.views import permission_required

from portal.boundary import (
    Kind,
    Refused,
    answers_refusals,
    invalid_input_shown,
    require,
    same_page,
)
from portal.forms import errors_in_words
from portal.models import AuditEvent, Department, User
from portal.views import people_suggestions
from usecases import selectors, services
from usecases.estimates.services import assumed_facts
from usecases.estimates.views import section_context
from usecases.filters import UseCaseFilter, searched
from usecases.forms import (
    INTAKE_STEPS,
    STEP_OF_FIELD,
    CommentForm,
    ExceptionForm,
    ExceptionGrantForm,
    GuardrailPoliciesForm,
    RatingsForm,
    RiskQuestionnaireForm,
    RiskRegisterFormSet,
    RubricForm,
    SignOffForm,
    TierAgreementForm,
    TierOverrideForm,
    TransitionForm,
    risk_register_data,
)
from usecases.inputs import (
    CommentInput,
    ExceptionGrant,
    ExceptionRequest,
    GuardrailPolicies,
    IntakeChange,
    IntakeSubmission,
    Move,
    NewIntake,
    Ratings,
    RiskAssessment,
    RiskRegister,
    RubricChange,
    SignOffInput,
    TierOverrideAgreement,
    TierOverrideInput,
)
from usecases.models import Status, UseCase
from usecases.risk import NIST_RISK_HELP, NistRisk, RiskTier
from usecases.scoring import CRITERION_HELP, Criterion

TIMELINE_WORDS = {
    "usecase.created": "created the draft",
    "usecase.updated": "edited the draft",
    "usecase.submitted": "submitted it for review",
    "usecase.in_review": "started the review",
    "usecase.approved": "approved it",
    "usecase.rejected": "rejected it",
    "usecase.on_hold": "put it on hold",
    "usecase.in_delivery": "started delivery",
    "usecase.live": "marked it as live",
    "usecase.retired": "retired it",
    "usecase.withdrawn": "withdrew it",
    "usecase.draft": "took it back to draft to answer the hold",
    "usecase.commented": "commented",
    "usecase.risk_assessed": "answered the EU AI Act questionnaire",
    "usecase.risks_updated": "updated the NIST risk register",
    "usecase.rated": "rated it",
    "usecase.exception_requested": "requested a guardrail exception",
    "usecase.exception_granted": "granted a guardrail exception",
    "usecase.exception_expired": "ended a guardrail exception (its finding is open again)",
    "usecase.signed_off": "signed it off (second reviewer)",
    "usecase.tier_overridden": "overrode the EU AI Act tier",
    "usecase.tier_lowering_proposed": "proposed lowering the EU AI Act tier",
    "usecase.tier_lowering_agreed": "agreed to lower the EU AI Act tier (second reviewer)",
    "usecase.archetype_answered": "answered the archetype questionnaire",
    "usecase.archetype_chosen": "chose the archetype",
    "usecase.estimate_drivers_set": "adjusted the estimate drivers",
}


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _case_for(request: HttpRequest, reference: str) -> UseCase:
    usecase = selectors.usecase_for(_user(request), reference)
    if usecase is None:
        raise Http404("No such use case.")
    return usecase


def _case_page(request: HttpRequest, refusal: Refused, reference: str, **kwargs: Any) -> str:
    """Where a refused action on a case sends the person back to: the case's page."""
    return reverse("usecases:detail", args=[reference])


def _section(anchor: str) -> Any:
    def back(request: HttpRequest, refusal: Refused, reference: str, **kwargs: Any) -> str:
        return f"{reverse('usecases:detail', args=[reference])}#{anchor}"

    return back


@permission_required("usecases.view_usecases", raise_exception=True)
def usecase_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    found = UseCaseFilter(
        {"status": request.GET.get("status", ""), "department": request.GET.get("department", ""),
         "search": searched(request.GET.get("q", ""))},
        queryset=selectors.usecase_list_for(user),
    )  # fmt: skip
    given = found.given()
    status, department, search = (
        given.get(name, "") for name in ("status", "department", "search")
    )
    cases = found.qs
    page = Paginator(cases, 25).get_page(request.GET.get("page"))
    is_reviewer = user.has_perm("usecases.review_usecases")
    query = urlencode(
        [(k, v) for k, v in (("status", status), ("department", department), ("q", search)) if v]
    )
    return render(
        request,
        "usecases/usecase_list.html",
        {
            "page": page,
            "query": query,
            "status": status,
            "department": department,
            "search": search,
            "statuses": Status.choices,
            "departments": Department.objects.order_by("name") if is_reviewer else [],
            "is_reviewer": is_reviewer,
            "may_create": user.has_perm("usecases.create_usecase"),
            "filtered": bool(status or department or search),
        },
    )


def _hold_answered(usecase: UseCase | None) -> AuditEvent | None:
    """The hold a draft answers (taken back to draft from on hold), shown above the form."""
    if usecase is None or not usecase.is_draft:
        return None
    last = selectors.timeline_of(usecase).filter(action__in=["usecase.on_hold", "usecase.draft"])
    moves = list(last.select_related("actor").order_by("-created_at", "-id")[:2])
    if [move.action for move in moves] == ["usecase.draft", "usecase.on_hold"]:
        return moves[1]
    return None


def _step_context(
    usecase: UseCase | None, step_slug: str, form: forms.Form | None
) -> dict[str, Any]:
    slugs = [s.slug for s in INTAKE_STEPS] + ["review"]
    index = slugs.index(step_slug)
    return {
        "usecase": usecase,
        "steps": [
            {"slug": s.slug, "title": s.title, "number": n + 1} for n, s in enumerate(INTAKE_STEPS)
        ]
        + [{"slug": "review", "title": "Check and submit", "number": len(INTAKE_STEPS) + 1}],
        "current": step_slug,
        "current_number": index + 1,
        "step": INTAKE_STEPS[index] if index < len(INTAKE_STEPS) else None,
        "previous_step": slugs[index - 1] if index > 0 else None,
        "next_step": slugs[index + 1] if index + 1 < len(slugs) else None,
        "form": form,
        "hold": _hold_answered(usecase),
    }


def _after_save(request: HttpRequest, usecase: UseCase, step_slug: str) -> HttpResponse:
    context = _step_context(usecase, step_slug, None)
    action = request.POST.get("action", "save")
    target = step_slug
    if action == "next" and context["next_step"]:
        target = context["next_step"]
    elif action == "back" and context["previous_step"]:
        target = context["previous_step"]
    else:
        messages.success(request, f"Draft {usecase.reference} saved. Come back to it any time.")
    return redirect("usecases:edit", reference=usecase.reference, step=target)


@permission_required("usecases.create_usecase", raise_exception=True)
@answers_refusals(back=same_page)
def usecase_new(request: HttpRequest) -> HttpResponse:
    if _user(request).department_id is None:
        messages.warning(
            request,
            "You belong to no department yet, so you cannot propose a use case. "
            "Ask an administrator to set your department.",
        )
        return redirect("usecases:list")
    step = INTAKE_STEPS[0]
    form = step.form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with invalid_input_shown(form):
            data = NewIntake.parse(form.cleaned_data)
            usecase = services.usecase_create_draft(by=_user(request), data=data)
            return _after_save(request, usecase, step.slug)
    return render(request, "usecases/intake.html", _step_context(None, step.slug, form))


def _initial(usecase: UseCase, form_class: type[forms.Form]) -> dict[str, Any]:
    initial = {}
    for name in form_class.base_fields:
        if name == "preferred_tools":
            initial[name] = list(usecase.preferred_tools.all())
        else:
            initial[name] = getattr(usecase, name)
    return initial


@login_required
@answers_refusals(back=_case_page)
def usecase_edit(request: HttpRequest, reference: str, step: str) -> HttpResponse:
    usecase = _case_for(request, reference)
    user = _user(request)
    if not user.has_perm("usecases.own_usecase", usecase):
        raise PermissionDenied("Only the submitter or a lead of the department can edit this case.")
    if not usecase.is_draft:
        messages.info(request, f"{usecase.reference} is no longer a draft, so it cannot be edited.")
        return redirect("usecases:detail", reference=usecase.reference)
    if step == "review":
        missing = IntakeSubmission.missing(usecase.snapshot())
        by_step: dict[str, list[str]] = {}
        for field, message in missing.items():
            by_step.setdefault(STEP_OF_FIELD.get(field, "idea"), []).append(message)
        context = _step_context(usecase, "review", None)
        context.update(
            {
                "missing": missing,
                "missing_by_step": [
                    (s, by_step[s.slug]) for s in INTAKE_STEPS if s.slug in by_step
                ],
                "findings": selectors.findings_for(usecase),
                "assumed_facts": assumed_facts(usecase),
                "transition_form": TransitionForm(
                    initial={"to": Status.SUBMITTED, "expected_version": usecase.version}
                ),
            }
        )
        return render(request, "usecases/intake.html", context)
    matching = [s for s in INTAKE_STEPS if s.slug == step]
    if not matching:
        raise Http404("No such step.")
    intake_step = matching[0]
    form = intake_step.form_class(
        request.POST or None, initial=_initial(usecase, intake_step.form_class)
    )
    if request.method == "POST" and form.is_valid():
        with invalid_input_shown(form):
            data = IntakeChange.parse(form.cleaned_data)
            services.usecase_update_draft(by=user, usecase=usecase, data=data)
            return _after_save(request, usecase, intake_step.slug)
    return render(request, "usecases/intake.html", _step_context(usecase, step, form))


def _timeline(usecase: UseCase) -> list[dict[str, Any]]:
    rows = []
    for event in selectors.timeline_of(usecase).select_related("actor"):
        what = TIMELINE_WORDS.get(event.action, event.action)
        if event.action == "usecase.updated" and isinstance(event.after, dict):
            changed = [
                str(getattr(UseCase._meta.get_field(name), "verbose_name", name))
                for name in event.after
                if name in {f.name for f in UseCase._meta.get_fields()}
            ]
            what = f"{what}: {', '.join(changed)}" if changed else what
        rows.append(
            {
                "when": event.created_at,
                "who": event.actor.display_name if event.actor else event.actor_label,
                "what": what,
                "comment": event.comment,
                "action": event.action,
            }
        )
    return rows


@login_required
def usecase_detail(request: HttpRequest, reference: str) -> HttpResponse:
    usecase = _case_for(request, reference)
    user = _user(request)
    may = selectors.permissions_on(user, usecase)
    ratings = selectors.ratings_of(usecase)
    contributions = {row["criterion"]: row for row in usecase.score_breakdown or []}
    open_moves = selectors.transitions_open_to(user, usecase)
    given_back = _given_back(request, usecase)
    transitions = [
        {
            "transition": t,
            "form": TransitionForm(
                initial={
                    "to": t.to,
                    "expected_version": usecase.version,
                    "comment": given_back.get(t.to, ""),
                },
                auto_id=f"id_{t.to}_%s",
            ),
            "danger": t.to in {Status.REJECTED, Status.WITHDRAWN},
        }
        for t in open_moves
    ]
    # The approval gate, asked only of a reviewer who is offered the approval.
    offers_approval = any(t.to == Status.APPROVED for t in open_moves)
    approval_missing = usecase.approval_missing(user) if offers_approval else []
    tier_overrides = list(
        usecase.tier_overrides.exclude(state="superseded").select_related(
            "proposed_by", "agreed_by"
        )
    )
    pending_override = next((o for o in tier_overrides if o.state == "pending"), None)
    return render(
        request,
        "usecases/usecase_detail.html",
        {
            "usecase": usecase,
            "may": may,
            "findings": [
                {
                    "state": state,
                    "form": ExceptionForm(
                        initial={"finding_key": state.finding.key}, auto_id=f"id_finding{n}_%s"
                    ),
                    "grant_form": ExceptionGrantForm(
                        initial={"finding_key": state.finding.key}, auto_id=f"id_grant{n}_%s"
                    ),
                    # The same predicates the services ask: no button someone may not use.
                    "may_request": state.is_open
                    and state.finding.exceptable
                    and state.exception is None
                    and may["request_exception"],
                    "may_grant": state.is_requested
                    and state.finding.exceptable
                    and user.has_perm("usecases.grant_exception", state.exception),
                }
                for n, state in enumerate(selectors.findings_for(usecase))
            ],
            "transitions": transitions,
            "approval_missing": approval_missing,
            "timeline": _timeline(usecase),
            "comments": usecase.comments.select_related("author"),
            "comment_form": CommentForm(),
            "sign_off_form": SignOffForm(),
            "tier_form": TierOverrideForm(auto_id="id_tier_%s"),
            "tier_agree_form": TierAgreementForm(auto_id="id_agree_%s"),
            "tier_overrides": tier_overrides,
            "pending_override": pending_override,
            "may_agree_tier": pending_override is not None
            and user.has_perm("usecases.agree_tier_override", pending_override),
            "sign_offs": usecase.sign_offs.select_related("reviewer"),
            "rating_rows": [
                {
                    "criterion": c,
                    "rating": ratings.get(c.value),
                    "points": contributions.get(c.value, {}).get("points"),
                }
                for c in Criterion
            ],
            "risks": selectors.ranked_risks(usecase.risks.all()),
            "tools": list(usecase.preferred_tools.all()),
            **section_context(user, usecase),
        },
    )


def _redirect_to_case(usecase: UseCase, anchor: str = "") -> HttpResponse:
    url = reverse("usecases:detail", args=[usecase.reference])
    return redirect(url + (f"#{anchor}" if anchor else ""))


GIVEN_BACK = "usecases:given_back"


def _after_refused_move(request: HttpRequest, refusal: Refused, reference: str) -> str:
    if refusal.kind == Kind.INVALID and request.POST.get("to") == Status.SUBMITTED:
        # The intake's checklist shows what is missing, step by step.
        return reverse("usecases:edit", kwargs={"reference": reference, "step": "review"})
    # What the person typed is given back in the form of the page they are sent to (a stale
    # page, a case not ready): the reason is not lost.
    comment = str(request.POST.get("comment", ""))[:2000]
    if comment.strip():
        request.session[GIVEN_BACK] = {
            "reference": reference,
            "to": str(request.POST.get("to", "")),
            "comment": comment,
        }
    return reverse("usecases:detail", args=[reference])


def _given_back(request: HttpRequest, usecase: UseCase) -> dict[str, str]:
    """The comment a refused move left for this case, once (to → comment)."""
    kept = request.session.get(GIVEN_BACK)
    if not isinstance(kept, dict) or kept.get("reference") != usecase.reference:
        return {}
    del request.session[GIVEN_BACK]
    return {str(kept.get("to", "")): str(kept.get("comment", ""))}


@login_required
@require_POST
@answers_refusals(back=_after_refused_move)
def usecase_transition(request: HttpRequest, reference: str) -> HttpResponse:
    usecase = _case_for(request, reference)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, errors_in_words(form))
        return _redirect_to_case(usecase)
    data = Move.parse(form.cleaned_data)
    services.usecase_transition(by=_user(request), usecase=usecase, data=data)
    messages.success(request, f"{usecase.reference} is now {Status(data.to).label.lower()}.")
    return _redirect_to_case(usecase)


@login_required
@require_POST
@answers_refusals(back=_section("comments"))
def usecase_comment(request: HttpRequest, reference: str) -> HttpResponse:
    usecase = _case_for(request, reference)
    form = CommentForm(request.POST)
    if form.is_valid():
        data = CommentInput.parse(form.cleaned_data)
        services.usecase_comment_add(by=_user(request), usecase=usecase, data=data)
        messages.success(request, "Comment posted.")
    else:
        messages.error(request, errors_in_words(form))
    return _redirect_to_case(usecase, "comments")


@login_required
@require_POST
@answers_refusals(back=_section("findings"))
def usecase_exception(request: HttpRequest, reference: str) -> HttpResponse:
    """A reviewer requests an exception (reason, conditions, expiry date)."""
    usecase = _case_for(request, reference)
    # Not theirs to do: refused before the form says what is missing (the service asks again).
    require(
        _user(request),
        "usecases.request_exception",
        usecase,
        "Only the CIO office (reviewers) can request exceptions.",
    )
    form = ExceptionForm(request.POST)
    if not form.is_valid():
        messages.error(request, errors_in_words(form))
        return _redirect_to_case(usecase, "findings")
    data = ExceptionRequest.parse(form.cleaned_data)
    services.usecase_exception_request(by=_user(request), usecase=usecase, data=data)
    messages.success(
        request,
        "Exception requested and recorded in the audit log. Another reviewer or an "
        "administrator grants it.",
    )
    return _redirect_to_case(usecase, "findings")


@login_required
@require_POST
@answers_refusals(back=_section("findings"))
def usecase_exception_grant(request: HttpRequest, reference: str) -> HttpResponse:
    """A second reviewer (or an administrator) grants a requested exception."""
    usecase = _case_for(request, reference)
    require(
        _user(request),
        "usecases.decide_exceptions",
        usecase,
        "Only the CIO office (reviewers) or an administrator can grant exceptions.",
    )
    form = ExceptionGrantForm(request.POST)
    if not form.is_valid():
        messages.error(request, errors_in_words(form))
        return _redirect_to_case(usecase, "findings")
    data = ExceptionGrant.parse(form.cleaned_data)
    services.usecase_exception_grant(by=_user(request), usecase=usecase, data=data)
    messages.success(request, "Exception granted and recorded in the audit log.")
    return _redirect_to_case(usecase, "findings")


@login_required
@require_POST
@answers_refusals(back=_section("risk"))
def usecase_tier_override(request: HttpRequest, reference: str) -> HttpResponse:
    """A reviewer overrides the EU AI Act tier with a written reason."""
    usecase = _case_for(request, reference)
    user = _user(request)
    require(user, "usecases.override_tier", usecase, "Only the CIO office overrides the risk tier.")
    form = TierOverrideForm(request.POST)
    if not form.is_valid():
        messages.error(request, errors_in_words(form))
        return _redirect_to_case(usecase, "risk")
    data = TierOverrideInput.parse(form.cleaned_data)
    override = services.usecase_tier_override(by=user, usecase=usecase, data=data)
    if override.state == override.State.PENDING:
        messages.success(
            request,
            f"Lowering to {RiskTier(override.to_tier).label.lower()} proposed; a second "
            "reviewer agrees to it before it takes effect.",
        )
    else:
        messages.success(request, f"Risk tier: {RiskTier(override.to_tier).label} (overridden).")
    return _redirect_to_case(usecase, "risk")


@login_required
@require_POST
@answers_refusals(back=_section("risk"))
def usecase_tier_agree(request: HttpRequest, reference: str) -> HttpResponse:
    """A second reviewer agrees to a proposed lowering of the tier."""
    usecase = _case_for(request, reference)
    user = _user(request)
    require(
        user, "usecases.override_tier", usecase, "Only the CIO office agrees to tier overrides."
    )
    form = TierAgreementForm(request.POST)
    if not form.is_valid():
        messages.error(request, errors_in_words(form))
        return _redirect_to_case(usecase, "risk")
    data = TierOverrideAgreement.parse(form.cleaned_data)
    override = services.usecase_tier_override_agree(by=user, usecase=usecase, data=data)
    messages.success(request, f"Risk tier: {RiskTier(override.to_tier).label} (agreed).")
    return _redirect_to_case(usecase, "risk")


@login_required
@require_POST
@answers_refusals(back=_case_page)
def usecase_sign_off(request: HttpRequest, reference: str) -> HttpResponse:
    usecase = _case_for(request, reference)
    form = SignOffForm(request.POST)
    if not form.is_valid():
        # Never sign off without the comment the reviewer meant to leave.
        messages.error(request, errors_in_words(form))
        return _redirect_to_case(usecase)
    data = SignOffInput.parse(form.cleaned_data)
    services.usecase_sign_off(by=_user(request), usecase=usecase, data=data)
    messages.success(request, "Signed off. Another reviewer can now approve the case.")
    return _redirect_to_case(usecase)


@login_required
@answers_refusals(back=same_page)
def usecase_risk(request: HttpRequest, reference: str) -> HttpResponse:
    usecase = _case_for(request, reference)
    user = _user(request)
    if not user.has_perm("usecases.assess_risk", usecase):
        raise PermissionDenied("You cannot answer the questionnaire for this case.")
    initial = {**(usecase.risk_answers or {}), "expected_version": usecase.version}
    form = RiskQuestionnaireForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with invalid_input_shown(form):
            data = RiskAssessment.parse(form.assessment())
            usecase = services.usecase_risk_assess(by=user, usecase=usecase, data=data)
            messages.success(
                request, f"Risk tier: {RiskTier(usecase.risk_tier).label}. The reasons are below."
            )
            return _redirect_to_case(usecase, "risk")
    return render(request, "usecases/risk_questionnaire.html", {"usecase": usecase, "form": form})


@permission_required("usecases.review_usecases", raise_exception=True)
@require_GET
def risk_owners(request: HttpRequest) -> JsonResponse:
    """The risk register's owner picker: active people of the directory, ten at most."""
    return people_suggestions(request, active_only=True)


@login_required
@answers_refusals(back=same_page)
def usecase_risks(request: HttpRequest, reference: str) -> HttpResponse:
    usecase = _case_for(request, reference)
    user = _user(request)
    if not user.has_perm("usecases.review_usecases"):
        raise PermissionDenied("Only the CIO office keeps the risk register.")
    existing = {entry.risk: entry for entry in usecase.risks.select_related("owner")}
    # The rows worst first (the risks assessed by score, then the rest in NIST's order).
    ranked = [entry.risk for entry in selectors.ranked_risks(existing.values())]
    order = [*ranked, *[risk.value for risk in NistRisk if risk.value not in existing]]
    initial = [_risk_initial(existing.get(risk), risk) for risk in order]
    formset = RiskRegisterFormSet(request.POST or None, initial=initial, prefix="risk")
    if request.method == "POST" and formset.is_valid():
        with invalid_input_shown(formset, rows_by="risk"):
            data = RiskRegister.parse(risk_register_data(formset))
            services.usecase_risk_register_save(by=user, usecase=usecase, data=data)
            messages.success(request, "Risk register saved.")
            return _redirect_to_case(usecase, "risks")
    labels = {risk.value: risk for risk in NistRisk}
    table = []
    for form in formset.forms:
        risk = labels[str(form["risk"].value())]
        table.append({"form": form, "risk": risk, "help": NIST_RISK_HELP[risk]})
    return render(
        request,
        "usecases/risk_register.html",
        {"usecase": usecase, "formset": formset, "rows": table},
    )


def _risk_initial(entry: Any, risk: str) -> dict[str, Any]:
    if entry is None:
        return {"risk": risk, "status": "open"}
    return {
        "risk": risk,
        "likelihood": entry.likelihood,
        "severity": entry.severity,
        "residual_likelihood": entry.residual_likelihood,
        "residual_severity": entry.residual_severity,
        "mitigation": entry.mitigation,
        "owner": entry.owner.username if entry.owner else "",
        "status": entry.status,
    }


@login_required
@answers_refusals(back=same_page)
def usecase_ratings(request: HttpRequest, reference: str) -> HttpResponse:
    usecase = _case_for(request, reference)
    user = _user(request)
    if not user.has_perm("usecases.review_usecases"):
        raise PermissionDenied("Only the CIO office rates cases.")
    ratings = selectors.ratings_of(usecase)
    initial: dict[str, Any] = {"expected_version": usecase.version}
    for criterion, rating in ratings.items():
        initial[criterion] = rating.score
        initial[f"{criterion}_note"] = rating.note
    form = RatingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with invalid_input_shown(form):
            data = Ratings.parse(form.ratings())
            services.usecase_rate(by=user, usecase=usecase, data=data)
            messages.success(request, "Ratings saved; the scores are up to date.")
            return _redirect_to_case(usecase, "scores")
    return render(
        request,
        "usecases/ratings.html",
        {"usecase": usecase, "form": form, "help": CRITERION_HELP},
    )


@permission_required("usecases.review_usecases", raise_exception=True)
def review_queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    page = Paginator(selectors.review_queue_cases(user), 50).get_page(request.GET.get("page"))
    rows = selectors.review_queue(user, page.object_list)
    return render(
        request,
        "usecases/review_queue.html",
        {"rows": rows, "page": page, "query": ""},
    )


@permission_required("usecases.manage_rubric", raise_exception=True)
@answers_refusals(back=same_page)
def rubric_edit(request: HttpRequest) -> HttpResponse:
    number, rubric = selectors.latest_rubric()
    form = RubricForm(request.POST or None, initial=RubricForm.initial_from(rubric))
    if request.method == "POST" and form.is_valid():
        with invalid_input_shown(form):
            row = services.rubric_publish(by=_user(request), data=RubricChange.parse(form.change()))
            messages.success(
                request,
                f"Rubric version {row.number} is in force. Every case is being re-scored in the "
                "background; scores update within a minute.",
            )
            return redirect("usecases:rubric")
    return render(
        request,
        "usecases/rubric.html",
        {
            "form": form,
            "number": number,
            "history": selectors.rubric_history(),
        },
    )


@permission_required("usecases.manage_guardrail_policies", raise_exception=True)
@answers_refusals(back=same_page)
def guardrail_policies(request: HttpRequest) -> HttpResponse:
    """Which policy each guardrail rule comes from: the name every finding of the rule shows."""
    named = selectors.guardrail_policies()
    initial = {rule: row.policy for rule, row in named.items()}
    form = GuardrailPoliciesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with invalid_input_shown(form):
            data = GuardrailPolicies.parse(form.policies())
            services.guardrail_policies_set(by=_user(request), data=data)
            messages.success(request, "The guardrails' policies are saved.")
            return redirect("usecases:guardrail-policies")
    return render(request, "usecases/guardrail_policies.html", {"form": form, "named": named})
