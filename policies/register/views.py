"""Pages of the tools register: the lookup with the register below it, an entry, add and edit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from rules.contrib.views import permission_required

from policies.models import DataClassification, RegisterEntry
from policies.pending import created_words, pending_card, saved_words
from policies.register.forms import LookupForm, RegisterEntryForm, RegisterFilterForm
from policies.register.inputs import EDITABLE_FIELDS, NewRegisterEntry, RegisterEntryChange
from policies.register.lookup import CLASSIFICATION_IN_WORDS, LookupAnswer, Verdict, may_use
from policies.register.selectors import (
    register_alternatives_to,
    register_entries,
    register_entry_by_slug,
    register_tool_choices,
    tool_facts,
)
from policies.register.services import register_entry_create, register_entry_propose
from portal.boundary import answers_refusals, invalid_input_shown, same_page
from portal.models import User

ANSWER_TARGET = "lookup-answer"


def policy_url(slug: str | None) -> str | None:
    """Where a governing policy is read; the policies pages may not be mounted everywhere."""
    if not slug:
        return None
    try:
        return reverse("policies:detail", kwargs={"slug": slug})
    except NoReverseMatch:
        return f"/policies/{slug}/"


def _answer_context(request: HttpRequest, form: LookupForm) -> dict[str, Any]:
    """The answer card's context: an answer, the form's errors, or what is still to choose."""
    context: dict[str, Any] = {"lookup_form": form, "answer": None, "alternatives": []}
    if not form.is_bound or not form.is_valid():
        return context
    slug, data = form.cleaned_data["tool"], form.cleaned_data["data"]
    context.update(missing_tool=not slug, missing_data=not data)
    if not (slug and data):
        return context
    entry = register_entry_by_slug(user=request.user, slug=slug)
    if entry is None:  # removed between rendering the choices and answering
        form.add_error("tool", "This tool is no longer in the register.")
        return context
    answer: LookupAnswer = may_use(tool_facts(entry), data)
    context["answer"] = answer
    context["answer_policy_url"] = policy_url(answer.policy_slug)
    if answer.verdict == Verdict.NO:
        context["asked_kind"] = entry.get_kind_display()
        context["alternatives"] = register_alternatives_to(
            user=request.user, entry=entry, data=answer.data_classification
        )
    return context


def usd(value: Decimal | None) -> str:
    """$2.50, $0.075, $10.00: cents always, more digits only when the price has them."""
    if value is None:
        return ""
    digits = max(2, -int(value.normalize().as_tuple().exponent))
    return f"${value:,.{digits}f}"


def price_summary(entry: RegisterEntry) -> str:
    parts = []
    if entry.has_token_prices:
        parts.append(
            f"{usd(entry.price_per_million_input_tokens) or '—'} in / "
            f"{usd(entry.price_per_million_output_tokens) or '—'} out per M tokens"
        )
    if entry.gpu_hourly_price is not None:
        gpu = f" ({entry.gpu_type})" if entry.gpu_type else ""
        parts.append(f"{usd(entry.gpu_hourly_price)} per GPU-hour{gpu}")
    if entry.seat_price_monthly is not None:
        parts.append(f"{usd(entry.seat_price_monthly)} per user a month")
    return " · ".join(parts)


@login_required
@permission_required("policies.view_register", raise_exception=True)
def lookup(request: HttpRequest) -> HttpResponse:
    tools = register_tool_choices(user=request.user)
    asked = "tool" in request.GET or "data" in request.GET
    lookup_form = LookupForm(request.GET if asked else None, tools=tools)
    context = _answer_context(request, lookup_form)
    context["tools_count"] = len(tools)
    htmx = getattr(request, "htmx", None)
    if htmx and htmx.target == ANSWER_TARGET and not htmx.history_restore_request:
        return render(request, "policies/register/_answer.html", context)

    filter_form = RegisterFilterForm(request.GET)
    filters = filter_form.cleaned_data if filter_form.is_valid() else {}
    entries = register_entries(
        user=request.user,
        kind=filters.get("kind", ""),
        status=filters.get("status", ""),
        search=filters.get("search", ""),
    )
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context.update(
        {
            "rows": [(entry, price_summary(entry)) for entry in page.object_list],
            "filter_form": filter_form,
            "filtered": any(filters.values()),
            "page": page,
            "query": query.urlencode(),
            "classifications": DataClassification.choices,
        }
    )
    return render(request, "policies/register/lookup.html", context)


def _entry_or_404(request: HttpRequest, slug: str) -> RegisterEntry:
    entry = register_entry_by_slug(user=request.user, slug=slug)
    if entry is None:
        raise Http404("No such tool in the register")
    return entry


@login_required
@permission_required("policies.view_register", raise_exception=True)
def entry_detail(request: HttpRequest, slug: str) -> HttpResponse:
    entry = _entry_or_404(request, slug)
    facts = tool_facts(entry)
    answers = [(label, may_use(facts, value)) for value, label in DataClassification.choices]
    return render(
        request,
        "policies/register/detail.html",
        {
            "entry": entry,
            "answers": answers,
            "policy_url": policy_url(facts.policy_slug),
            "prices": {
                "input": usd(entry.price_per_million_input_tokens),
                "output": usd(entry.price_per_million_output_tokens),
                "gpu": usd(entry.gpu_hourly_price),
            },
            "approved_words": CLASSIFICATION_IN_WORDS[facts.max_data_classification],
            "pending": pending_card(_user(request), entry),
        },
    )


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
@permission_required("policies.manage_register", raise_exception=True)
@answers_refusals(back=same_page)
def entry_create(request: HttpRequest) -> HttpResponse:
    form = RegisterEntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with invalid_input_shown(form):
            data = NewRegisterEntry.parse(form.cleaned_data)
            outcome = register_entry_create(by=_user(request), data=data)
            messages.success(request, created_words(outcome.target, outcome.pending))
            return redirect("register:detail", slug=outcome.target.slug)
    return render(request, "policies/register/form.html", {"form": form, "entry": None})


@login_required
@permission_required("policies.manage_register", raise_exception=True)
@answers_refusals(back=same_page)
def entry_edit(request: HttpRequest, slug: str) -> HttpResponse:
    entry = _entry_or_404(request, slug)
    initial = {name: getattr(entry, name) for name in EDITABLE_FIELDS}
    form = RegisterEntryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with invalid_input_shown(form):
            data = RegisterEntryChange.parse(changes=form.cleaned_data)
            outcome = register_entry_propose(by=_user(request), entry=entry, data=data)
            messages.success(request, saved_words(entry.name, outcome.pending))
            return redirect("register:detail", slug=entry.slug)
    return render(
        request,
        "policies/register/form.html",
        {"form": form, "entry": entry, "pending": pending_card(_user(request), entry)},
    )
