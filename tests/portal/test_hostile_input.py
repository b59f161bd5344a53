"""Hostile input through every form and API endpoint that takes text: never a 500.

Each odd value (SQL-looking, 1 MB, NUL and other control characters, right-to-left override,
zero-width and astral characters; see ``tests/hostile.py``) is either stored exactly (surrounding
whitespace trimmed, the documented normalisation of forms and serializers; a case title also
has its inner runs of whitespace made one space) and shown escaped on the pages that show it, or
refused with a message a person can act on, leaving what was saved unchanged and unaudited.
NUL, the other control characters and lone surrogates are refused everywhere by one rule
(``portal.validators``), in the forms and in the API's parser alike. Filters, sorts and search
boxes answer 200 or 400, never 500, and echo what was typed escaped. Cross-site scripting
payloads stored everywhere come out as text on every page; formula starters come out inert in
every CSV and Excel export.
"""

from __future__ import annotations

import csv
import datetime
import io
import itertools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import openpyxl
import pytest
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from policies import services as policy_services
from policies.inputs import NewPolicy, PolicySettings, VersionText
from policies.models import Policy, PolicyCategory, PolicyVersion, RegisterEntry
from policies.register.inputs import NewRegisterEntry
from portal.models import AuditEvent, Department, User
from tests.hostile import (
    FORMULAS,
    MARKDOWN_XSS,
    NUL,
    ODD,
    ODD_TOGETHER,
    ONE_MB,
    XSS,
    formula_is_neutralised,
)
from tests.policies.conftest import add_entry
from tests.usecases.conftest import advance, assess, make_draft, make_tool
from usecases import services as usecase_services
from usecases.estimates.models import AssumptionsVersion
from usecases.estimates.services import assumptions_current
from usecases.inputs import CommentInput, Ratings, RiskRegister
from usecases.models import Comment, Rating, RiskEntry, RubricVersion, SignOff, Status, UseCase
from usecases.risk import NistRisk, RiskTier
from usecases.scoring import Criterion

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quick_password_hashing(settings: Any) -> None:
    # The cast's passwords are hashed again for every test; their strength is not under test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# The odd values, and the 1 MB one (longer than every limit: refused everywhere).
VALUES: dict[str, str] = {**{name: odd.value for name, odd in ODD.items()}, "one_mb": ONE_MB}
REFUSED = {name for name, odd in ODD.items() if not odd.stored} | {"one_mb"}


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def normalised(value: str) -> str:
    """What a form or serializer keeps of a value: surrounding whitespace is trimmed."""
    return value.strip()


_MESSAGE = re.compile(
    r'class="(?:invalid-feedback[^"]*|alert alert-danger[^"]*)"[^>]*>(.*?)(?:<button|</div>)', re.S
)
_ERROR_PAGE = re.compile(r"<h1[^>]*>(.*?)</h1>\s*<p[^>]*>(.*?)</p>", re.S)


def refusal_message(response: Any) -> str:
    """The message a refused request shows: the API's detail and errors, the error message
    shown after a redirect, the page's alerts and messages next to fields, or the error page's
    explanation."""
    if response["Content-Type"].startswith("application/json"):
        return json.dumps(response.json())
    if response.status_code == 302:
        shown = get_messages(response.wsgi_request)
        return " ".join(str(m) for m in shown if m.level == message_levels.ERROR)
    html = _html(response)
    if response.status_code == 400:
        return " ".join(" ".join(parts) for parts in _ERROR_PAGE.findall(html))
    found = [re.sub(r"<[^>]+>|\s+", " ", m).strip() for m in _MESSAGE.findall(html)]
    return " ".join(m for m in found if m and not m.startswith("Some fields need attention"))


def _html(response: Any) -> str:
    return response.content.decode()


def assert_shown_escaped(client: Client, url: str, value: str) -> None:
    """The page shows ``value`` as text: escaped, or as typed when it holds no markup at all
    (quotes are harmless in text; every attribute value is escaped by the templates)."""
    response = client.get(url)
    assert response.status_code == 200, url
    html = _html(response)
    markup = any(c in value for c in "<>&")
    assert escape(value) in html or (not markup and value in html), f"{url} lacks the value"
    if markup:
        assert value not in html, f"{url} shows the value unescaped"


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {name: value or "" for name, value in attrs}))


DANGEROUS_TAGS = {"iframe", "object", "embed", "svg", "math", "base", "style"}


def injected_markup(html: str) -> list[str]:
    """Elements of the page that only an injection could have put there: event handlers,
    script or data URLs, inline scripts, frames, SVG, styles with expressions, ``<img src=x>``."""
    parser = _Elements()
    parser.feed(html)
    problems = []
    for tag, attrs in parser.found:
        handlers = sorted(name for name in attrs if name.startswith("on"))
        if handlers:
            problems.append(f"<{tag}> with {handlers}")
        for name in ("href", "src", "action", "formaction", "srcdoc", "xlink:href"):
            target = re.sub(r"\s", "", attrs.get(name, "")).lower()
            if name in attrs and (
                name == "srcdoc" or target.startswith(("javascript:", "data:", "vbscript:"))
            ):
                problems.append(f"<{tag} {name}={attrs[name]!r}>")
        if tag == "script" and not attrs.get("src") and attrs.get("type") != "application/json":
            problems.append("an inline <script>")
        if tag == "img" and attrs.get("src") == "x":
            problems.append("<img src=x>")
        # The portal draws some charts as inline SVG (the estimate's tornado), marked
        # data-chart; any other <svg> could only come from an injection.
        own_chart = tag == "svg" and "data-chart" in attrs
        if (tag in DANGEROUS_TAGS and not own_chart) or (tag == "meta" and "http-equiv" in attrs):
            problems.append(f"<{tag}>")
        if "expression(" in attrs.get("style", ""):
            problems.append(f"<{tag} style=expression>")
    return problems


# --- The world the targets act on ---------------------------------------------------------------


@dataclass
class World:
    cast: dict[str, User]
    second_reviewer: User
    tool: RegisterEntry  # approved up to confidential data
    narrow_tool: RegisterEntry  # internal data only: a case with confidential data gets a finding

    clients: dict[str, Client] = field(default_factory=dict)

    def client(self, who: str) -> Client:
        # One client per person: each new client sets up the middleware again (static files).
        if who not in self.clients:
            person = self.second_reviewer if who == "second_reviewer" else self.cast[who]
            self.clients[who] = client_for(person)
        return self.clients[who]

    def draft(self, **fields: Any) -> UseCase:
        return make_draft(self.cast["lead"], [self.tool], **fields)

    def in_review(self, tier: str = RiskTier.MINIMAL) -> UseCase:
        """A case under review, put there directly: the workflow is not under test here (the
        payload test below takes the services' way), and this runs once per value."""
        case = self.draft()
        UseCase.objects.filter(pk=case.pk).update(
            status=Status.IN_REVIEW, risk_tier=tier, submitted_at=timezone.now()
        )
        return UseCase.objects.get(pk=case.pk)

    def with_finding(self) -> tuple[UseCase, str]:
        case = make_draft(self.cast["lead"], [self.narrow_tool], data_classification="confidential")
        return case, f"data_above_tool_approval:{self.narrow_tool.slug}"

    def policy(self, title: str = "Acceptable use") -> Policy:
        return policy_services.policy_create(
            by=self.cast["author"],
            data=NewPolicy.parse(
                title=title,
                category=PolicyCategory.ACCEPTABLE_USE,
                body_markdown="# Acceptable use\n\nBe careful.",
            ),
        )

    def version_in_review(self) -> PolicyVersion:
        version = self.policy().versions.get()
        return policy_services.policy_version_submit(version=version, by=self.cast["author"])


@pytest.fixture
def world(cast: dict[str, User], second_reviewer: User) -> World:
    return World(
        cast=cast,
        second_reviewer=second_reviewer,
        tool=make_tool("approved-model"),
        narrow_tool=make_tool("internal-chat", max_data_classification="internal"),
    )


# --- Every place that stores text -----------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A form or endpoint that stores text: how to set it up, send a value and read it back."""

    name: str
    who: str
    prepare: Callable[[World], Any]
    send: Callable[[Client, Any, str], Any]  # the response (a redirect is not followed)
    stored: Callable[[Any], str | None]  # the value as saved now (None: nothing saved)
    shown_on: Callable[[Any], list[tuple[str, str]]]  # (who, url) of pages showing it
    api: bool = False


# The rest of an exception request (its reason is the hostile text).
_EXCEPTION_TERMS = {
    "conditions": "One team, anonymised records, during the pilot.",
    "expires_on": (datetime.date.today() + datetime.timedelta(days=60)).isoformat(),
}


def _newest(queryset: Any, after: int, attribute: str) -> str | None:
    row = queryset.filter(pk__gt=after).order_by("-pk").first()
    return None if row is None else str(getattr(row, attribute))


def _max_pk(model: Any) -> int:
    return int(model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)


def _case_pages(case: UseCase) -> list[tuple[str, str]]:
    return [("reviewer", f"/usecases/{case.reference}/")]


def _last_comment(action: str, obj: Any) -> str | None:
    event = AuditEvent.objects.filter(action=action, object_id=str(obj.pk)).order_by("-pk").first()
    return None if event is None else event.comment


def _register_form(value: str) -> dict[str, str]:
    return {
        "name": value,
        "vendor": value,
        "kind": "api_model",
        "description": value,
        "status": "approved",
        "max_data_classification": "internal",
        "conditions_of_use": value,
        "training_data_disclosure": "partial",
        "licence": value,
        "output_ownership": value,
        "indemnity": "unknown",
        "gpu_type": value[:80],
    }


def _register_json(value: str) -> dict[str, str]:
    data = _register_form(value)
    data.pop("indemnity")
    return data


def _risk_formset(mitigation: str, owner: str = "") -> dict[str, str]:
    data = {"risk-TOTAL_FORMS": "12", "risk-INITIAL_FORMS": "12"}
    for n, risk in enumerate(NistRisk):
        data[f"risk-{n}-risk"] = risk.value
        data[f"risk-{n}-status"] = "open"
    data.update(
        {
            "risk-0-likelihood": "2",
            "risk-0-severity": "3",
            "risk-0-mitigation": mitigation,
            "risk-0-owner": owner,
        }
    )
    return data


def _assumptions_document() -> str:
    return json.dumps({k: v for k, v in assumptions_current().data.items() if k != "version"})


def _policy_state(world: World) -> dict[str, Any]:
    return {"max": _max_pk(Policy)}


def _created_policy(state: dict[str, Any]) -> Policy | None:
    return Policy.objects.filter(pk__gt=state["max"]).order_by("-pk").first()


def _register_state(world: World) -> dict[str, Any]:
    return {"max": _max_pk(RegisterEntry)}


def _created_entry(state: dict[str, Any]) -> RegisterEntry | None:
    return RegisterEntry.objects.filter(pk__gt=state["max"]).order_by("-pk").first()


_ENTRY_NUMBERS = itertools.count(1)


def _existing_entry(world: World) -> RegisterEntry:
    name = f"Existing tool {next(_ENTRY_NUMBERS)}"
    return add_entry(
        world.cast["author"], world.cast["approver"], NewRegisterEntry.parse(_register_form(name))
    )


def _policy_pages(policy: Policy | None) -> list[tuple[str, str]]:
    if policy is None:
        return []
    return [
        ("author", f"/policies/{policy.slug}/"),
        ("author", "/policies/"),
        ("author", f"/policies/{policy.slug}/history/"),
    ]


def _entry_pages(entry: RegisterEntry | None) -> list[tuple[str, str]]:
    if entry is None:
        return []
    return [("employee", f"/tools/{entry.slug}/"), ("employee", "/tools/")]


TARGETS: list[Target] = [
    # Use-case intake: a new draft's title, then the longer texts of the first step.
    Target(
        "intake_title",
        "lead",
        lambda w: {"max": _max_pk(UseCase)},
        lambda c, s, v: c.post("/usecases/new/", {"title": v, "action": "save"}),
        lambda s: _newest(UseCase.objects, s["max"], "title"),
        lambda s: [
            ("lead", "/usecases/"),
            *_case_pages(UseCase.objects.filter(pk__gt=s["max"]).get()),
        ],
    ),
    Target(
        "intake_problem",
        "lead",
        lambda w: w.draft(),
        lambda c, case, v: c.post(
            f"/usecases/{case.reference}/edit/idea/",
            {"title": "Kept title", "problem": v, "proposed_solution": v, "action": "save"},
        ),
        lambda case: UseCase.objects.get(pk=case.pk).problem,
        lambda case: [*_case_pages(case), ("lead", f"/usecases/{case.reference}/edit/idea/")],
    ),
    Target(
        "comment",
        "lead",
        lambda w: w.draft(),
        lambda c, case, v: c.post(f"/usecases/{case.reference}/comment/", {"body": v}),
        lambda case: _newest(Comment.objects.filter(usecase=case), 0, "body"),
        _case_pages,
    ),
    Target(
        "transition_reason",
        "reviewer",
        lambda w: w.in_review(),
        lambda c, case, v: c.post(
            f"/usecases/{case.reference}/transition/",
            {"to": Status.ON_HOLD, "expected_version": case.version, "comment": v},
        ),
        lambda case: _last_comment("usecase.on_hold", case),
        lambda case: [*_case_pages(case), ("reviewer", "/portfolio/decisions/")],
    ),
    Target(
        "exception_reason",
        "reviewer",
        lambda w: w.with_finding(),
        lambda c, s, v: c.post(
            f"/usecases/{s[0].reference}/exception/",
            {"finding_key": s[1], "reason": v, **_EXCEPTION_TERMS},
        ),
        lambda s: _newest(s[0].exceptions, 0, "reason"),
        lambda s: _case_pages(s[0]),
    ),
    Target(
        "sign_off_comment",
        "second_reviewer",
        lambda w: w.in_review(RiskTier.HIGH),
        lambda c, case, v: c.post(f"/usecases/{case.reference}/sign-off/", {"comment": v}),
        lambda case: _newest(SignOff.objects.filter(usecase=case), 0, "comment"),
        _case_pages,
    ),
    Target(
        "archetype_justification",
        "reviewer",
        lambda w: w.in_review(),
        lambda c, case, v: c.post(
            f"/usecases/{case.reference}/archetype/choose/",
            {"archetype": "maker", "justification": v},
        ),
        lambda case: UseCase.objects.get(pk=case.pk).archetype_justification or None,
        lambda case: [*_case_pages(case), ("admin", "/audit/")],
    ),
    Target(
        "risk_mitigation",
        "reviewer",
        lambda w: w.in_review(),
        lambda c, case, v: c.post(f"/usecases/{case.reference}/risks/", _risk_formset(v)),
        lambda case: _newest(RiskEntry.objects.filter(usecase=case), 0, "mitigation"),
        lambda case: [*_case_pages(case), ("reviewer", f"/usecases/{case.reference}/risks/")],
    ),
    Target(
        "rating_note",
        "reviewer",
        lambda w: w.in_review(),
        lambda c, case, v: c.post(
            f"/usecases/{case.reference}/ratings/",
            {"expected_version": case.version, "reach": "3", "reach_note": v},
        ),
        lambda case: _newest(Rating.objects.filter(usecase=case), 0, "note"),
        lambda case: [*_case_pages(case), ("reviewer", f"/usecases/{case.reference}/ratings/")],
    ),
    Target(
        "rubric_comment",
        "admin",
        lambda w: {"max": _max_pk(RubricVersion)},
        lambda c, s, v: c.post(
            "/usecases/rubric/",
            {
                "value_share": "0.5",
                "value_threshold": "50",
                "feasibility_threshold": "50",
                **{f"weight_{criterion.value}": "1" for criterion in Criterion},
                **{f"penalty_{t}": "10" for t in ("prohibited", "high", "limited", "minimal")},
                "comment": v,
            },
        ),
        lambda s: _newest(RubricVersion.objects, s["max"], "comment"),
        lambda s: [("admin", "/usecases/rubric/")],
    ),
    Target(
        "assumptions_comment",
        "admin",
        lambda w: {"max": _max_pk(AssumptionsVersion), "document": _assumptions_document()},
        lambda c, s, v: c.post(
            "/usecases/estimates/assumptions/", {"document": s["document"], "comment": v}
        ),
        lambda s: _newest(AssumptionsVersion.objects, s["max"], "comment"),
        lambda s: [("admin", "/usecases/estimates/assumptions/")],
    ),
    # Policies: a new policy (title, summary and body), its settings, a draft, a return.
    Target(
        "policy_new",
        "author",
        _policy_state,
        lambda c, s, v: c.post(
            "/policies/new/",
            {
                "title": v,
                "category": PolicyCategory.ACCEPTABLE_USE,
                "summary": v,
                "audience_everyone": "on",
                "body_markdown": v,
            },
        ),
        lambda s: None if (p := _created_policy(s)) is None else p.title,
        lambda s: _policy_pages(_created_policy(s)),
    ),
    Target(
        "policy_settings",
        "author",
        lambda w: w.policy(),
        lambda c, policy, v: c.post(
            f"/policies/{policy.slug}/settings/",
            {
                "title": v,
                "category": PolicyCategory.ACCEPTABLE_USE,
                "summary": v,
                "audience_everyone": "on",
            },
        ),
        lambda policy: Policy.objects.get(pk=policy.pk).summary,
        _policy_pages,
    ),
    Target(
        "policy_draft_body",
        "author",
        lambda w: w.policy().versions.get(),
        lambda c, version, v: c.post(
            f"/policies/{version.policy.slug}/versions/{version.number}/edit/",
            {"body_markdown": v, "summary_of_changes": v},
        ),
        lambda version: PolicyVersion.objects.get(pk=version.pk).body_markdown,
        lambda version: [
            ("author", f"/policies/{version.policy.slug}/versions/{version.number}/edit/")
        ],
    ),
    Target(
        "policy_return_reason",
        "approver",
        lambda w: w.version_in_review(),
        lambda c, version, v: c.post(
            f"/policies/{version.policy.slug}/versions/{version.number}/return/",
            {"reason": v},
        ),
        lambda version: _last_comment("policy_version.returned", version),
        lambda version: [("admin", "/audit/")],
    ),
    # The tools register: a new entry with every text field, an edit of an existing one.
    Target(
        "register_create",
        "author",
        _register_state,
        lambda c, s, v: c.post("/tools/new/", _register_form(v)),
        lambda s: None if (e := _created_entry(s)) is None else e.conditions_of_use,
        lambda s: _entry_pages(_created_entry(s)),
    ),
    Target(
        "register_edit",
        "author",
        _existing_entry,
        lambda c, entry, v: c.post(f"/tools/{entry.slug}/edit/", _register_form(v)),
        lambda entry: RegisterEntry.objects.get(pk=entry.pk).description,
        _entry_pages,
    ),
]


def _api_post(client: Client, url: str, data: Any, method: str = "post") -> Any:
    return getattr(client, method)(url, json.dumps(data), content_type="application/json")


API_TARGETS: list[Target] = [
    Target(
        "api_usecase_create",
        "lead",
        lambda w: {"max": _max_pk(UseCase)},
        lambda c, s, v: _api_post(
            c, "/api/v1/usecases/", {"title": v, "problem": v, "proposed_solution": v}
        ),
        lambda s: _newest(UseCase.objects, s["max"], "problem"),
        lambda s: _case_pages(UseCase.objects.filter(pk__gt=s["max"]).get()),
        api=True,
    ),
    Target(
        "api_usecase_patch",
        "lead",
        lambda w: w.draft(),
        lambda c, case, v: _api_post(
            c, f"/api/v1/usecases/{case.reference}/", {"proposed_solution": v}, "patch"
        ),
        lambda case: UseCase.objects.get(pk=case.pk).proposed_solution,
        _case_pages,
        api=True,
    ),
    Target(
        "api_comment",
        "lead",
        lambda w: w.draft(),
        lambda c, case, v: _api_post(
            c, f"/api/v1/usecases/{case.reference}/comments/", {"body": v}
        ),
        lambda case: _newest(Comment.objects.filter(usecase=case), 0, "body"),
        _case_pages,
        api=True,
    ),
    Target(
        "api_transition_reason",
        "reviewer",
        lambda w: w.in_review(),
        lambda c, case, v: _api_post(
            c,
            f"/api/v1/usecases/{case.reference}/transition/",
            {"to": Status.REJECTED, "expected_version": case.version, "comment": v},
        ),
        lambda case: _last_comment("usecase.rejected", case),
        lambda case: [*_case_pages(case), ("reviewer", "/portfolio/decisions/")],
        api=True,
    ),
    Target(
        "api_exception_reason",
        "reviewer",
        lambda w: w.with_finding(),
        lambda c, s, v: _api_post(
            c,
            f"/api/v1/usecases/{s[0].reference}/exceptions/",
            {"finding_key": s[1], "reason": v, **_EXCEPTION_TERMS},
        ),
        lambda s: _newest(s[0].exceptions, 0, "reason"),
        lambda s: _case_pages(s[0]),
        api=True,
    ),
    Target(
        "api_sign_off_comment",
        "second_reviewer",
        lambda w: w.in_review(RiskTier.HIGH),
        lambda c, case, v: _api_post(
            c, f"/api/v1/usecases/{case.reference}/sign-off/", {"comment": v}
        ),
        lambda case: _newest(SignOff.objects.filter(usecase=case), 0, "comment"),
        _case_pages,
        api=True,
    ),
    Target(
        "api_archetype_override",
        "reviewer",
        lambda w: w.in_review(),
        lambda c, case, v: _api_post(
            c,
            f"/api/v1/usecases/{case.reference}/archetype/decision/",
            {"archetype": "maker", "justification": v},
        ),
        lambda case: UseCase.objects.get(pk=case.pk).archetype_justification or None,
        _case_pages,
        api=True,
    ),
    Target(
        "api_risk_register",
        "reviewer",
        lambda w: w.in_review(),
        lambda c, case, v: _api_post(
            c,
            f"/api/v1/usecases/{case.reference}/risk-register/",
            [{"risk": "cbrn", "likelihood": 2, "severity": 3, "mitigation": v}],
            "put",
        ),
        lambda case: _newest(RiskEntry.objects.filter(usecase=case), 0, "mitigation"),
        _case_pages,
        api=True,
    ),
    Target(
        "api_rating_note",
        "reviewer",
        lambda w: w.in_review(),
        lambda c, case, v: _api_post(
            c,
            f"/api/v1/usecases/{case.reference}/ratings/",
            [{"criterion": "reach", "score": 3, "note": v}],
            "put",
        ),
        lambda case: _newest(Rating.objects.filter(usecase=case), 0, "note"),
        _case_pages,
        api=True,
    ),
    Target(
        "api_assumptions_comment",
        "admin",
        lambda w: {"max": _max_pk(AssumptionsVersion), "document": _assumptions_document()},
        lambda c, s, v: _api_post(
            c,
            "/api/v1/usecases/estimate-assumptions/",
            {"data": json.loads(s["document"]), "comment": v},
        ),
        lambda s: _newest(AssumptionsVersion.objects, s["max"], "comment"),
        lambda s: [("admin", "/usecases/estimates/assumptions/")],
        api=True,
    ),
    Target(
        "api_policy_create",
        "author",
        _policy_state,
        lambda c, s, v: _api_post(
            c,
            "/api/v1/policies/",
            {"title": v, "category": "acceptable_use", "summary": v, "body_markdown": v},
        ),
        lambda s: None if (p := _created_policy(s)) is None else p.summary,
        lambda s: _policy_pages(_created_policy(s)),
        api=True,
    ),
    Target(
        "api_policy_draft_body",
        "author",
        lambda w: w.policy().versions.get(),
        lambda c, version, v: _api_post(
            c,
            f"/api/v1/policies/{version.policy.slug}/versions/{version.number}/",
            {"body_markdown": v, "summary_of_changes": v},
            "put",
        ),
        lambda version: PolicyVersion.objects.get(pk=version.pk).summary_of_changes,
        lambda version: [("author", f"/policies/{version.policy.slug}/history/")],
        api=True,
    ),
    Target(
        "api_policy_return_reason",
        "approver",
        lambda w: w.version_in_review(),
        lambda c, version, v: _api_post(
            c,
            f"/api/v1/policies/{version.policy.slug}/versions/{version.number}/return/",
            {"reason": v},
        ),
        lambda version: _last_comment("policy_version.returned", version),
        lambda version: [("admin", "/audit/")],
        api=True,
    ),
    Target(
        "api_register_create",
        "author",
        _register_state,
        lambda c, s, v: _api_post(c, "/api/v1/register/", _register_json(v)),
        lambda s: None if (e := _created_entry(s)) is None else e.licence,
        lambda s: _entry_pages(_created_entry(s)),
        api=True,
    ),
    Target(
        "api_register_patch",
        "author",
        _existing_entry,
        lambda c, entry, v: _api_post(
            c,
            f"/api/v1/register/{entry.slug}/",
            {"conditions_of_use": v, "description": v},  # fields that change at once
            "patch",
        ),
        lambda entry: RegisterEntry.objects.get(pk=entry.pk).description,
        lambda entry: [("employee", f"/tools/{entry.slug}/")],
        api=True,
    ),
]


def _pages_show(world: World, pages: list[tuple[str, str]], value: str) -> None:
    for who, url in pages:
        assert_shown_escaped(world.client(who), url, value)


@pytest.mark.parametrize("target", TARGETS + API_TARGETS, ids=lambda t: t.name)
def test_odd_text_is_stored_exactly_or_refused_with_a_message(world: World, target: Target) -> None:
    client = world.client(target.who)
    for name, value in VALUES.items():
        state = target.prepare(world)
        before, events = target.stored(state), AuditEvent.objects.count()
        client.cookies.pop("messages", None)  # only this request's messages count
        response = target.send(client, state, value)
        assert response.status_code != 500, name
        if name in REFUSED:
            # A form page shows its errors (200), or the case page an error message (302); more
            # than the 2 MB a request may carry is a 400 page that says so; the API answers 400.
            expected = {400} if target.api else {200, 302, 400} if name == "one_mb" else {200, 302}
            assert response.status_code in expected, (name, response.status_code)
            assert refusal_message(response), f"{name}: refused without a message"
            assert target.stored(state) == before, f"{name}: a refused write changed what was saved"
            assert AuditEvent.objects.count() == events, f"{name}: a refused write was audited"
            if name != "one_mb":
                assert "character" in refusal_message(response).lower(), (
                    name,
                    refusal_message(response),
                )
        else:
            assert response.status_code in (200, 201, 302), (name, refusal_message(response))
            assert target.stored(state) == normalised(value), f"{name}: not stored as typed"
    # The pages that show the text: one value with every kind of stored oddity in it.
    state = target.prepare(world)
    response = target.send(client, state, ODD_TOGETHER)
    assert response.status_code in (200, 201, 302), refusal_message(response)
    assert target.stored(state) == ODD_TOGETHER
    _pages_show(world, target.shown_on(state), ODD_TOGETHER)


def test_markdown_preview_refuses_control_characters_and_renders_the_rest_inert(
    world: World,
) -> None:
    client = world.client("author")
    for name, value in {**VALUES, **MARKDOWN_XSS, **XSS}.items():
        response = client.post("/policies/preview/", {"body_markdown": value})
        assert response.status_code == 200, name
        html = _html(response)
        assert ("alert-danger" in html) == (name in REFUSED), name
        assert injected_markup(html) == [], name


def test_json_documents_with_hostile_strings_are_refused_with_a_message(world: World) -> None:
    """The assumptions and the drivers are JSON typed in a text box: an escaped NUL
    (``\\u0000``), a control character or a lone surrogate inside is refused, never a 500."""
    admin = world.client("admin")
    reviewer = world.client("reviewer")
    case = world.in_review()
    base = json.loads(_assumptions_document())
    versions = AssumptionsVersion.objects.count()
    for raw in ['"\\u0000"', '"gpu\\u0007"', '"\\ud800"', json.dumps(NUL), json.dumps(ONE_MB)]:
        document = json.dumps({**base, "default_gpu": "PLACEHOLDER"}).replace('"PLACEHOLDER"', raw)
        response = admin.post(
            "/usecases/estimates/assumptions/", {"document": document, "comment": "x"}
        )
        assert response.status_code == 200, raw
        assert refusal_message(response), raw
        api = _api_post(
            admin, "/api/v1/usecases/estimate-assumptions/", {"data": json.loads(document)}
        )
        assert api.status_code == 400, raw
        drivers = '{"model": ' + raw + ', "requests_per_day": 10}'
        response = reviewer.post(
            f"/usecases/{case.reference}/estimates/taker/drivers/", {"document": drivers}
        )
        assert response.status_code == 200, raw
        assert refusal_message(response), raw
        api = reviewer.put(
            f"/api/v1/usecases/{case.reference}/estimates/taker/drivers/",
            '{"drivers": ' + drivers + "}",
            content_type="application/json",
        )
        assert api.status_code == 400, (raw, api.content[:300])
    assert AssumptionsVersion.objects.count() == versions


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ('{"title": "\\ud800 lone surrogate"}', "broken character"),
        ('{"title": "nul \\u0000 inside"}', "control character (U+0000)"),
        ('{"title": "ok", "problem": "bell \\u0007"}', '"problem": ["The text contains'),
        ('{"title": {"nested": "\\u0000"}}', '"title.nested": ["The text contains'),
        ('{"title": ["a", "b"]}', "valid string"),
        ('{"title": "ok", "problem": "\\udfff"}', "broken character"),
    ],
)
def test_api_refuses_unstorable_strings_with_a_message(world: World, body: str, says: str) -> None:
    """Lone surrogates would fail the database's encoding, NUL its text type; nothing is saved
    and the message says what to fix (and where, for the characters)."""
    before = (UseCase.objects.count(), AuditEvent.objects.count())
    response = world.client("lead").post("/api/v1/usecases/", body, content_type="application/json")
    assert response.status_code == 400
    assert says in json.dumps(response.json(), ensure_ascii=False)
    assert (UseCase.objects.count(), AuditEvent.objects.count()) == before


def test_more_than_the_request_limit_is_a_400_that_says_so(world: World) -> None:
    """2 MB at most in one request, on the pages and in the API, with a message that says so."""
    too_much = "A" * (2 * 1024 * 1024 + 1)
    before = (UseCase.objects.count(), AuditEvent.objects.count())
    page = world.client("lead").post("/usecases/new/", {"title": "Big", "problem": too_much})
    assert page.status_code == 400
    assert "at most 2 MB" in refusal_message(page)
    api = _api_post(world.client("lead"), "/api/v1/usecases/", {"title": too_much})
    assert api.status_code == 400
    assert "at most 2 MB" in api.json()["detail"]
    assert (UseCase.objects.count(), AuditEvent.objects.count()) == before


# --- Filters, sorts and search boxes ---------------------------------------------------------


@dataclass(frozen=True)
class Query:
    name: str
    who: str
    url: str
    params: Callable[[str], dict[str, str]]
    echoed: bool = False  # the page shows the typed value back (in its search box)


QUERIES = [
    Query("search_page", "employee", "/search/", lambda v: {"q": v}, echoed=True),
    Query("search_api", "employee", "/api/v1/search/", lambda v: {"q": v}),
    Query(
        "usecase_list",
        "reviewer",
        "/usecases/",
        lambda v: {"q": v, "status": v, "department": v, "page": v},
        echoed=True,
    ),
    Query(
        "usecase_list_api",
        "reviewer",
        "/api/v1/usecases/",
        lambda v: {"search": v, "status": v, "department": v, "ordering": v},
    ),
    Query(
        "register_lookup",
        "employee",
        "/tools/",
        lambda v: {"tool": v, "data": v, "kind": v, "status": v, "search": v, "page": v},
    ),
    Query("register_search", "employee", "/tools/", lambda v: {"search": v}, echoed=True),
    Query("register_api", "employee", "/api/v1/register/", lambda v: {"search": v, "kind": v}),
    Query(
        "register_lookup_api",
        "employee",
        "/api/v1/register/lookup/",
        lambda v: {"tool": v, "data": v},
    ),
    Query(
        "portfolio",
        "reviewer",
        "/portfolio/",
        lambda v: {"department": v, "sort": v, "status": v, "quadrant": v, "page": v},
    ),
    Query("portfolio_csv", "reviewer", "/portfolio/export.csv", lambda v: {"department": v}),
    Query("portfolio_xlsx", "reviewer", "/portfolio/export.xlsx", lambda v: {"sort": v}),
    Query("portfolio_summary", "reviewer", "/portfolio/summary/", lambda v: {"department": v}),
    Query(
        "portfolio_api",
        "reviewer",
        "/api/v1/portfolio/",
        lambda v: {"department": v, "sort": v, "archetype": v},
    ),
    Query(
        "decision_log",
        "reviewer",
        "/portfolio/decisions/",
        lambda v: {"actor": v, "decision": v, "reference": v, "since": v, "page": v},
    ),
    Query(
        "decision_log_csv",
        "reviewer",
        "/portfolio/decisions/export.csv",
        lambda v: {"actor": v, "reference": v},
    ),
    Query(
        "audit_log",
        "admin",
        "/audit/",
        lambda v: {"actor": v, "action": v, "object_type": v, "object_id": v, "since": v},
    ),
    Query("policy_diff", "author", "/policies/acceptable-use/diff/", lambda v: {"from": v}),
]


def _body(response: Any) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return bytes(response.content)


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_filters_and_search_answer_200_or_400_never_500(world: World, query: Query) -> None:
    world.policy()
    make_draft(world.cast["lead"], [world.tool], title="Plain case")
    client = world.client(query.who)
    echoed = ("script_tag", "attribute_breakout", "single_quote_breakout", "title_breakout")
    hostile = {**VALUES, **{name: XSS[name] for name in echoed}, "formula": FORMULAS["at"]}
    for name, value in hostile.items():
        response = client.get(query.url, query.params(value))
        body = _body(response)
        assert response.status_code in (200, 302, 400), (name, response.status_code)
        if response.status_code == 400:
            assert body.strip(), f"{name}: a 400 without a message"
        is_html = response.get("Content-Type", "").startswith("text/html")
        if is_html and "<" in value and response.status_code != 302:
            assert value.encode() not in body, f"{name}: echoed unescaped"
        if query.echoed and response.status_code == 200 and name not in REFUSED:
            shown = normalised(value)[:100]
            assert escape(shown).encode() in body or not shown, f"{name}: not echoed as text"


# --- Cross-site scripting: stored everywhere, shown as text on every page -------------------


def seed_every_payload(world: World) -> dict[str, Any]:
    """Every payload in the texts the pages show, put there through the services: one case,
    tool and comment per payload, and one of each kind of text for the rest."""
    lead, reviewer, author, approver = (
        world.cast[k] for k in ("lead", "reviewer", "author", "approver")
    )
    Department.objects.filter(members=lead).update(name=XSS["attribute_breakout"])
    User.objects.filter(pk=lead.pk).update(first_name=XSS["script_tag"])
    tools = [
        add_entry(
            author,
            approver,
            NewRegisterEntry.parse({**_register_form(payload), "slug": f"hostile-{n}"}),
        )
        for n, payload in enumerate(XSS.values())
    ]
    policy = world.policy(title=XSS["title_breakout"])
    policy_services.policy_settings_propose(
        policy=policy,
        by=author,
        data=PolicySettings.parse(
            title=XSS["title_breakout"],
            category=PolicyCategory.ACCEPTABLE_USE,
            summary=XSS["img_onerror"],
            requires_acknowledgement=True,
            audience_everyone=True,
        ),
    )
    bodies = [
        "\n\n".join(MARKDOWN_XSS.values()),
        "\n\n".join([*XSS.values(), "A hostile paragraph."]),
    ]
    for body in bodies:
        version = policy.versions.filter(status="draft").first() or (
            policy_services.policy_version_create_draft(policy=policy, by=author)
        )
        policy_services.policy_version_update(
            version=version,
            by=author,
            data=VersionText.parse(
                body_markdown=body, summary_of_changes=XSS["svg_onload"], is_material=True
            ),
        )
        policy_services.policy_version_submit(version=version, by=author)
        policy_services.policy_version_publish(version=version, by=approver)
    cases = [
        make_draft(lead, [tool], title=payload, problem=payload)
        for tool, payload in zip(tools, XSS.values(), strict=True)
    ]
    case = advance(cases[0], (lead, Status.SUBMITTED), (reviewer, Status.IN_REVIEW))
    case = assess(case, reviewer)
    for payload in XSS.values():
        usecase_services.usecase_comment_add(
            usecase=case, by=lead, data=CommentInput.parse(body=payload)
        )
    usecase_services.usecase_rate(
        usecase=case,
        by=reviewer,
        data=Ratings.of({c.value: (4, list(XSS.values())[n]) for n, c in enumerate(Criterion)}),
    )
    usecase_services.usecase_risk_register_save(
        usecase=case,
        by=reviewer,
        data=RiskRegister.parse(
            rows=[
                dict(
                    risk=risk.value,
                    likelihood=2,
                    severity=2,
                    mitigation=list(XSS.values())[n],
                    owner=reviewer.username,  # a person of the directory, not free text
                    status="open",
                )
                for n, risk in enumerate(NistRisk)
            ]
        ),
    )
    case = advance(case, (reviewer, Status.ON_HOLD), comment=XSS["textarea_breakout"])
    for other in cases[1:6]:
        advance(other, (lead, Status.SUBMITTED))
    return {
        "case": case,
        "draft": cases[-1],
        "policy": Policy.objects.get(pk=policy.pk),
        "tool": tools[0],
    }


def pages_showing_payloads(seeded: dict[str, Any]) -> list[tuple[str, str]]:
    case, policy, tool = seeded["case"], seeded["policy"], seeded["tool"]
    return [
        ("lead", "/"),
        ("reviewer", "/"),
        ("employee", "/"),
        ("lead", "/usecases/"),
        ("reviewer", "/usecases/"),
        ("reviewer", f"/usecases/{case.reference}/"),
        ("reviewer", f"/usecases/{case.reference}/ratings/"),
        ("reviewer", f"/usecases/{case.reference}/risks/"),
        ("lead", f"/usecases/{seeded['draft'].reference}/edit/idea/"),
        ("reviewer", "/review/"),
        ("reviewer", "/portfolio/"),
        ("reviewer", "/portfolio/decisions/"),
        ("reviewer", "/portfolio/summary/"),
        ("reviewer", "/portfolio/compliance/"),
        ("employee", f"/policies/{policy.slug}/"),
        ("employee", "/policies/"),
        ("author", f"/policies/{policy.slug}/history/"),
        ("author", f"/policies/{policy.slug}/diff/?from=1&to=2"),
        ("author", f"/policies/{policy.slug}/settings/"),
        ("employee", "/tools/"),
        ("employee", f"/tools/{tool.slug}/"),
        ("employee", f"/tools/?tool={tool.slug}&data=restricted"),
        ("author", f"/tools/{tool.slug}/edit/"),
        ("employee", "/search/?q=hostile"),
        ("admin", "/audit/"),
        ("author", "/compliance/"),
    ]


def test_stored_payloads_are_shown_as_text_on_every_page(world: World) -> None:
    seeded = seed_every_payload(world)
    marked_up = {name: p for name, p in XSS.items() if any(c in p for c in "<>\"'&")}
    for who, url in pages_showing_payloads(seeded):
        response = world.client(who).get(url)
        assert response.status_code == 200, url
        html = _html(response)
        unescaped = [name for name, payload in marked_up.items() if payload in html]
        assert unescaped == [], f"{url} shows these payloads unescaped: {unescaped}"
        assert injected_markup(html) == [], url
    everywhere = _html(world.client("reviewer").get("/usecases/"))
    assert all(escape(payload) in everywhere for payload in XSS.values())
    assert "{{7*7}}" in everywhere  # templates never evaluate what people typed


# --- Spreadsheet formula injection -----------------------------------------------------------


def _csv_rows(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_body(response).decode())))


def _cells_starting_with_formula(rows: Iterator[Any] | list[Any]) -> list[Any]:
    return [
        cell
        for row in rows
        for cell in row
        if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r")
    ]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.mark.parametrize("formula_name", sorted(FORMULAS), ids=str)
def test_formulas_in_titles_names_and_reasons_are_inert_in_every_export(
    world: World, formula_name: str
) -> None:
    """Stored as typed (a title and a reason lose the surrounding whitespace, so ``\t=1+1``
    is kept as ``=1+1``: still a formula), exported with a leading ``'``."""
    formula = FORMULAS[formula_name]
    lead, reviewer, employee = world.cast["lead"], world.cast["reviewer"], world.cast["employee"]
    Department.objects.filter(members=lead).update(name=formula)
    User.objects.filter(pk=employee.pk).update(first_name=formula, last_name=formula)
    case = make_draft(lead, [world.tool], title=formula)
    case = advance(case, (lead, Status.SUBMITTED), (reviewer, Status.IN_REVIEW))
    case = assess(case, reviewer)
    advance(case, (reviewer, Status.REJECTED), comment=formula)
    title = UseCase.objects.get(pk=case.pk).title
    reason = _last_comment("usecase.rejected", case)
    assert reason is not None
    assert title.startswith(FORMULA_STARTS) and reason.startswith(FORMULA_STARTS)
    policy = world.policy()
    version = policy.versions.get()
    policy_services.policy_version_submit(version=version, by=world.cast["author"])
    policy_services.policy_version_publish(version=version, by=world.cast["approver"])
    client = world.client("reviewer")

    portfolio = _csv_rows(client.get("/portfolio/export.csv"))
    header = portfolio[0]
    (row,) = [r for r in portfolio[1:] if r[0] == case.reference]
    assert formula_is_neutralised(row[header.index("Title")], title)
    assert formula_is_neutralised(row[header.index("Department")], formula)

    decisions = _csv_rows(client.get("/portfolio/decisions/export.csv"))
    header = decisions[0]
    (rejected,) = [r for r in decisions[1:] if r[header.index("To")] == "Rejected"]
    assert formula_is_neutralised(rejected[header.index("Reason")], reason)
    assert formula_is_neutralised(rejected[header.index("Title")], title)

    workbook = openpyxl.load_workbook(io.BytesIO(_body(client.get("/portfolio/export.xlsx"))))
    sheet = workbook.active
    assert sheet is not None
    assert all(cell.data_type != "f" for row_ in sheet.iter_rows() for cell in row_)
    (xlsx_row,) = list(sheet.iter_rows(min_row=2, values_only=True))
    assert formula_is_neutralised(xlsx_row[1], title)
    department = xlsx_row[[c.value for c in sheet[1]].index("Department")]
    # XML reads a carriage return back as a line feed; the cell still starts with the quote.
    assert formula_is_neutralised(department, formula.replace("\r", "\n"))

    owing = _csv_rows(world.client("author").get(f"/compliance/{policy.slug}/owing.csv"))
    header = owing[0]
    (emma,) = [r for r in owing[1:] if r[0] == employee.username]
    assert formula_is_neutralised(emma[header.index("first name")], formula)
    assert formula_is_neutralised(emma[header.index("department")], formula)
    for rows in (portfolio, decisions, owing):
        assert _cells_starting_with_formula(rows[1:]) == []


def test_excel_export_survives_control_characters_saved_before_they_were_refused(
    world: World,
) -> None:
    """Forms and the API refuse control characters now; a name saved earlier (or through the
    admin) must not break the Excel file, which cannot hold them."""
    lead = world.cast["lead"]
    Department.objects.filter(members=lead).update(name="Sales\x07 and\x1b support")
    case = make_draft(lead, [world.tool], title="Bell case")
    UseCase.objects.filter(pk=case.pk).update(title="Bell\x07 case\x0b")
    response = world.client("reviewer").get("/portfolio/export.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(_body(response))).active
    assert sheet is not None
    (row,) = list(sheet.iter_rows(min_row=2, values_only=True))
    assert row[1] == "Bell case"
    assert "Sales and support" in row
