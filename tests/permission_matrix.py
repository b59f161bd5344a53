"""The permission matrix: every URL of the portal, and what each person gets from it.

One row per probe: a URL (by name), a method, the objects it is aimed at (a variant) and the
expected answer for each column of :data:`ROLES`. ``tests/portal/test_permission_matrix.py``
enumerates the URL resolver and fails when a URL has no row here, then runs every cell against
real objects with a real request.

The columns:

- ``anonymous``: nobody signed in.
- ``employee``: no role, in the case's department (Customer Service).
- ``lead``: the business lead who submitted the cases (Customer Service).
- ``dept_lead``: another business lead of Customer Service (owns the cases through the department).
- ``other_lead``: a business lead of Engineering.
- ``reviewer``, ``second_reviewer``: the CIO office (Engineering).
- ``author``: a policy author (Customer Service); ``approver``: a policy approver (Engineering).
- ``admin``: an administrator (Engineering).

Answers: an HTTP status, :data:`LOGIN` (302 to the sign-in page with ``next`` set to the page
asked for), or :data:`HEALTH` (the health check: 200 or 503 for everyone, never a redirect). A
use case someone may not see answers 404, never 403 (DESIGN.md, "Roles"); the API answers 401 to
anonymous callers (token authentication comes first, so the answer says how to authenticate).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from usecases.scoring import Criterion

ROLES = (
    "anonymous",
    "employee",
    "lead",
    "dept_lead",
    "other_lead",
    "reviewer",
    "second_reviewer",
    "author",
    "approver",
    "admin",
)

LOGIN = "login"
HEALTH = "health"
Answer = int | str

# URL namespaces that are not the portal's own pages: Django's administration site (checked
# separately, by test_admin_site_answers_to_the_admin_role_only).
NOT_OURS = ("admin:",)


@dataclass(frozen=True)
class World:
    """The real objects the probes aim at, built once per test module."""

    tool: str  # an approved, priced register entry
    published_policy: str  # version 1 published, version 2 a draft by the author
    draft_number: int
    in_review_policy: str  # version 1 published, version 2 in review (by the author)
    review_number: int
    unpublished_policy: str  # only a draft, never published
    settled_policy: str  # published, no open version
    pending_change: int  # the author's proposed change of the settled policy's title
    draft_case: str  # the lead's complete draft, Customer Service
    draft_version: int
    review_case: str  # the lead's case in review: high risk, one open guardrail finding
    review_version: int
    finding_key: str  # open, no exception asked for
    grant_key: str  # open, an exception requested by the reviewer
    run_id: int  # a finished estimate run of the case in review
    batch_id: int
    rubric_form: dict[str, Any]
    assumptions: dict[str, Any]
    taker_drivers: dict[str, Any]


Build = Callable[[World], Any]


def _nothing(world: World) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Probe:
    name: str  # the URL's name, with its namespace
    method: str
    expect: dict[str, Answer]
    variant: str = ""
    kwargs: Build = _nothing
    query: dict[str, str] = field(default_factory=dict)
    body: Build | None = None
    writes: bool = False  # a successful answer (2xx, or a 302 not to sign in) saves something

    @property
    def id(self) -> str:
        variant = f"[{self.variant}]" if self.variant else ""
        return f"{self.name}{variant}-{self.method}"


def _in_a_month() -> str:
    return (datetime.date.today() + datetime.timedelta(days=30)).isoformat()


def _editor_post(kind: str, stored: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """What the browser posts from an estimates editor (usecases.estimates.editors) showing
    ``stored``, with ``changes``."""
    from usecases.estimates.editors import EditorForm, assumptions_specs, drivers_specs

    stored = {k: v for k, v in stored.items() if k not in ("version", "archetype")}
    if kind == "assumptions":
        form = EditorForm(assumptions_specs(stored), stored)
    else:
        form = EditorForm(drivers_specs(), stored, with_comment=False)
    data = {name: form[name].value() for name in form.fields if not form.fields[name].disabled}
    return {**{k: "" if v is None else v for k, v in data.items()}, **changes}


def row(*answers: Answer) -> dict[str, Answer]:
    """The answers in :data:`ROLES` order."""
    if len(answers) != len(ROLES):
        raise ValueError(f"a row needs {len(ROLES)} answers, got {len(answers)}")
    return dict(zip(ROLES, answers, strict=True))


L, H = LOGIN, HEALTH


def _tool(w: World) -> dict[str, Any]:
    return {"slug": w.tool}


def _change(w: World) -> dict[str, Any]:
    return {"pk": w.pending_change}


def _published(w: World) -> dict[str, Any]:
    return {"slug": w.published_policy}


def _published_v1(w: World) -> dict[str, Any]:
    return {"slug": w.published_policy, "number": 1}


def _draft_version(w: World) -> dict[str, Any]:
    return {"slug": w.published_policy, "number": w.draft_number}


def _in_review_version(w: World) -> dict[str, Any]:
    return {"slug": w.in_review_policy, "number": w.review_number}


def _unpublished(w: World) -> dict[str, Any]:
    return {"slug": w.unpublished_policy}


def _settled(w: World) -> dict[str, Any]:
    return {"slug": w.settled_policy}


def _draft(w: World) -> dict[str, Any]:
    return {"reference": w.draft_case}


def _review(w: World) -> dict[str, Any]:
    return {"reference": w.review_case}


def _review_taker(w: World) -> dict[str, Any]:
    return {"reference": w.review_case, "archetype": "taker"}


def _emma(w: World) -> dict[str, Any]:
    from portal.models import User

    return {"pk": User.objects.get(username="emma").pk}


def _home_department(w: World) -> dict[str, Any]:
    from portal.models import Department

    return {"pk": Department.objects.get(slug="customer-service").pk}


REGISTER_FORM = {
    "name": "Acme Coder",
    "vendor": "Acme",
    "kind": "coding_assistant",
    "status": "approved",
    "max_data_classification": "confidential",
    "training_data_disclosure": "partial",
    "indemnity": "yes",
    "price_per_million_input_tokens": "",
    "price_per_million_output_tokens": "",
    "prices_checked_on": "",
    "conditions_of_use": "Keep the public-code filter on.",
}
REGISTER_ENTRY = {
    "name": "Acme Model",
    "vendor": "Acme",
    "kind": "api_model",
    "status": "approved",
    "max_data_classification": "confidential",
    "price_per_million_input_tokens": "2.50",
    "price_per_million_output_tokens": "10.00",
    "prices_checked_on": "2026-11-01",
}
NEW_POLICY = {
    "title": "Meeting transcripts",
    "category": "other",
    "summary": "",
    "requires_acknowledgement": "on",
    "audience_everyone": "on",
    "body_markdown": "Ask before recording.",
}
VERSION_TEXT = {
    "body_markdown": "# Acceptable use\n\nBe careful; ask when unsure.",
    "summary_of_changes": "Shorter.",
    "is_material": "on",
}
ARCHETYPE_ANSWERS: dict[str, Any] = {
    "model_does_job_as_is": False,
    "needs_company_data": True,
    "must_run_on_company_infrastructure": False,
    "capability_is_differentiator": False,
    "data_volume": "small",
    "budget_ceiling": 500_000.0,
    "skills_in_house": "some",
}
ARCHETYPE_FORM = {
    **{
        key: ("yes" if value is True else "no" if value is False else value)
        for key, value in ARCHETYPE_ANSWERS.items()
    },
    "budget_ceiling": "500000",  # whole dollars on the page
}


def _policy_pk(slug: str) -> str:
    from policies.models import Policy

    return str(Policy.objects.get(slug=slug).pk)


def _risk_register_form(w: World) -> dict[str, Any]:
    from usecases.risk import NistRisk

    form: dict[str, Any] = {
        "risk-TOTAL_FORMS": str(len(NistRisk)),
        "risk-INITIAL_FORMS": str(len(NistRisk)),
        "risk-MIN_NUM_FORMS": "0",
        "risk-MAX_NUM_FORMS": str(len(NistRisk)),
    }
    for n, risk in enumerate(NistRisk):
        form[f"risk-{n}-risk"] = risk.value
        form[f"risk-{n}-status"] = "open"
        form[f"risk-{n}-likelihood"] = "3" if n == 0 else ""
        form[f"risk-{n}-severity"] = "2" if n == 0 else ""
    return form


# The matrix. The answers of row(), in order: anonymous, employee, lead, dept_lead, other_lead,
# reviewer, second_reviewer, author, approver, admin.
PROBES: tuple[Probe, ...] = (
    # --- Shared pages ---------------------------------------------------------------------------
    Probe("home", "GET", row(L, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    Probe("healthz", "GET", row(H, H, H, H, H, H, H, H, H, H)),
    Probe("audit-log", "GET", row(L, 403, 403, 403, 403, 403, 403, 403, 403, 200)),
    Probe("audit-people", "GET", row(L, 403, 403, 403, 403, 403, 403, 403, 403, 200)),
    Probe("login", "GET", row(200, 302, 302, 302, 302, 302, 302, 302, 302, 302)),
    Probe("login", "POST", row(200, 302, 302, 302, 302, 302, 302, 302, 302, 302), body=_nothing),
    Probe("login", "PUT", row(200, 302, 302, 302, 302, 302, 302, 302, 302, 302), body=_nothing),
    Probe("logout", "POST", row(302, 302, 302, 302, 302, 302, 302, 302, 302, 302), body=_nothing),
    # Single sign-on is not configured here: its pages are absent (tests/portal/test_sso.py).
    Probe("oidc_authentication_init", "GET", row(*[404] * 10)),
    Probe("oidc_authentication_callback", "GET", row(*[404] * 10)),
    Probe(
        "search", "GET", row(L, 200, 200, 200, 200, 200, 200, 200, 200, 200), query={"q": "careful"}
    ),
    # --- The tools register ---------------------------------------------------------------------
    Probe("register:lookup", "GET", row(L, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    Probe("register:create", "GET", row(L, 403, 403, 403, 403, 403, 403, 200, 403, 200)),
    Probe(
        "register:create",
        "POST",
        row(L, 403, 403, 403, 403, 403, 403, 302, 403, 302),
        body=lambda w: REGISTER_FORM,
        writes=True,
    ),
    Probe(
        "register:detail", "GET", row(L, 200, 200, 200, 200, 200, 200, 200, 200, 200), kwargs=_tool
    ),
    Probe(
        "register:edit", "GET", row(L, 403, 403, 403, 403, 403, 403, 200, 403, 200), kwargs=_tool
    ),
    Probe(
        "register:edit",
        "POST",
        row(L, 403, 403, 403, 403, 403, 403, 302, 403, 302),
        kwargs=_tool,
        body=lambda w: {**REGISTER_FORM, "name": "Approved Model", "kind": "api_model"},
        writes=True,
    ),
    # --- Policies -------------------------------------------------------------------------------
    Probe("policies:list", "GET", row(L, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    Probe("policies:new", "GET", row(L, 403, 403, 403, 403, 403, 403, 200, 403, 200)),
    Probe(
        "policies:new",
        "POST",
        row(L, 403, 403, 403, 403, 403, 403, 302, 403, 302),
        body=lambda w: NEW_POLICY,
        writes=True,
    ),
    Probe(
        "policies:preview",
        "POST",
        row(L, 403, 403, 403, 403, 403, 403, 200, 403, 200),
        body=lambda w: {"body_markdown": "# Hello"},
    ),
    Probe(
        "policies:detail",
        "GET",
        row(L, 200, 200, 200, 200, 200, 200, 200, 200, 200),
        variant="published",
        kwargs=_published,
    ),
    Probe(
        "policies:detail",
        "GET",
        row(L, 404, 404, 404, 404, 404, 404, 200, 200, 200),
        variant="never-published",
        kwargs=_unpublished,
    ),
    Probe(
        "policies:settings",
        "GET",
        row(L, 403, 403, 403, 403, 403, 403, 200, 403, 200),
        kwargs=_published,
    ),
    Probe(
        "policies:settings",
        "POST",
        row(L, 403, 403, 403, 403, 403, 403, 302, 403, 302),
        kwargs=_published,
        body=lambda w: {
            "title": "Acceptable use of AI",
            "category": "acceptable_use",
            "requires_acknowledgement": "on",
            "audience_everyone": "on",
        },
        writes=True,
    ),
    # Changes waiting for a second person: an approver other than the proposer (the author)
    # approves or rejects; the proposer withdraws.
    Probe(
        "policies:change-approve",
        "POST",
        row(L, 403, 403, 403, 403, 403, 403, 403, 302, 302),
        kwargs=_change,
        body=_nothing,
        writes=True,
    ),
    Probe(
        "policies:change-reject",
        "POST",
        row(L, 403, 403, 403, 403, 403, 403, 403, 302, 302),
        kwargs=_change,
        body=lambda w: {"reason": "Keep the title readers know."},
        writes=True,
    ),
    Probe(
        "policies:change-withdraw",
        "POST",
        row(L, 403, 403, 403, 403, 403, 403, 302, 403, 403),
        kwargs=_change,
        body=_nothing,
        writes=True,
    ),
    Probe(
        "policies:history",
        "GET",
        row(L, 200, 200, 200, 200, 200, 200, 200, 200, 200),
        kwargs=_published,
    ),
    Probe(
        "policies:diff",
        "GET",
        row(L, 200, 200, 200, 200, 200, 200, 200, 200, 200),
        variant="published",
        kwargs=_published,
    ),
    # Asking for the draft's diff: people who may not read drafts are sent back to the history.
    Probe(
        "policies:diff",
        "GET",
        row(L, 302, 302, 302, 302, 302, 302, 200, 200, 200),
        variant="with-draft",
        kwargs=_published,
        query={"from": "1", "to": "2"},
    ),
    Probe(
        "policies:acknowledge",
        "POST",
        row(L, 302, 302, 302, 302, 302, 302, 302, 302, 302),
        variant="published",
        kwargs=_published,
        body=_nothing,
        writes=True,
    ),
    Probe(
        "policies:acknowledge",
        "POST",
        row(L, 404, 404, 404, 404, 404, 404, 403, 403, 403),
        variant="never-published",
        kwargs=_unpublished,
        body=_nothing,
    ),
    Probe(
        "policies:version-new",
        "POST",
        row(L, 403, 403, 403, 403, 403, 403, 302, 403, 302),
        kwargs=_settled,
        body=_nothing,
        writes=True,
    ),
    Probe(
        "policies:version",
        "GET",
        row(L, 200, 200, 200, 200, 200, 200, 200, 200, 200),
        variant="published",
        kwargs=_published_v1,
    ),
    Probe(
        "policies:version",
        "GET",
        row(L, 404, 404, 404, 404, 404, 404, 200, 200, 200),
        variant="draft",
        kwargs=_draft_version,
    ),
    Probe(
        "policies:version-edit",
        "GET",
        row(L, 403, 403, 403, 403, 403, 403, 200, 403, 200),
        kwargs=_draft_version,
    ),
    Probe(
        "policies:version-edit",
        "POST",
        row(L, 403, 403, 403, 403, 403, 403, 302, 403, 302),
        kwargs=_draft_version,
        body=lambda w: VERSION_TEXT,
        writes=True,
    ),
    Probe(
        "policies:version-submit",
        "POST",
        row(L, 403, 403, 403, 403, 403, 403, 302, 403, 302),
        kwargs=_draft_version,
        body=_nothing,
        writes=True,
    ),
    # Four eyes: the author may not publish; the approver and an admin (not the author) may.
    Probe(
        "policies:version-publish",
        "POST",
        row(L, 403, 403, 403, 403, 403, 403, 403, 302, 302),
        kwargs=_in_review_version,
        body=_nothing,
        writes=True,
    ),
    Probe(
        "policies:version-return",
        "POST",
        row(L, 403, 403, 403, 403, 403, 403, 403, 302, 302),
        kwargs=_in_review_version,
        body=lambda w: {"reason": "Add an example."},
        writes=True,
    ),
    Probe(
        "policies:version-withdraw",
        "POST",
        row(L, 403, 403, 403, 403, 403, 403, 302, 403, 403),
        kwargs=_in_review_version,
        body=_nothing,
        writes=True,
    ),
    # --- Compliance (CIO office, policy authors, admins) ----------------------------------------
    Probe("compliance:overview", "GET", row(L, 403, 403, 403, 403, 200, 200, 200, 403, 200)),
    Probe(
        "compliance:detail",
        "GET",
        row(L, 403, 403, 403, 403, 200, 200, 200, 403, 200),
        kwargs=_published,
    ),
    Probe(
        "compliance:owing-csv",
        "GET",
        row(L, 403, 403, 403, 403, 200, 200, 200, 403, 200),
        kwargs=_published,
    ),
    # --- Use cases ------------------------------------------------------------------------------
    Probe("usecases:list", "GET", row(L, 403, 200, 200, 200, 200, 200, 403, 403, 200)),
    Probe("usecases:new", "GET", row(L, 403, 200, 200, 200, 403, 403, 403, 403, 403)),
    Probe(
        "usecases:new",
        "POST",
        row(L, 403, 302, 302, 302, 403, 403, 403, 403, 403),
        body=lambda w: {"title": "Summarise tickets", "action": "save"},
        writes=True,
    ),
    Probe("usecases:rubric", "GET", row(L, 403, 403, 403, 403, 403, 403, 403, 403, 200)),
    # The risk register's owner picker: the reviewers who keep the register.
    Probe("usecases:risk-owners", "GET", row(L, 403, 403, 403, 403, 200, 200, 403, 403, 403)),
    # Which policy each guardrail rule comes from: the administrators'.
    Probe(
        "usecases:guardrail-policies", "GET", row(L, 403, 403, 403, 403, 403, 403, 403, 403, 200)
    ),
    Probe(
        "usecases:guardrail-policies",
        "POST",
        row(L, 403, 403, 403, 403, 403, 403, 403, 403, 302),
        body=lambda w: {"tool_not_approved": _policy_pk(w.published_policy)},
        writes=True,
    ),
    Probe(
        "usecases:rubric",
        "POST",
        row(L, 403, 403, 403, 403, 403, 403, 403, 403, 302),
        body=lambda w: {**w.rubric_form, "value_share": 0.6, "comment": "Favour value."},
        writes=True,
    ),
    # A case: its submitter, the department's leads and the CIO office; 404 for anyone else.
    # Administrators see every case too (portal/roles.py: view_usecase), which DESIGN.md's
    # "and to nobody else" does not list: a decision of the code, recorded here as it stands.
    Probe(
        "usecases:detail",
        "GET",
        row(L, 404, 200, 200, 404, 200, 200, 404, 404, 200),
        variant="draft",
        kwargs=_draft,
    ),
    Probe(
        "usecases:detail",
        "GET",
        row(L, 404, 200, 200, 404, 200, 200, 404, 404, 200),
        variant="in-review",
        kwargs=_review,
    ),
    Probe(
        "usecases:edit",
        "GET",
        row(L, 404, 200, 200, 404, 403, 403, 404, 404, 403),
        kwargs=lambda w: {"reference": w.draft_case, "step": "idea"},
    ),
    Probe(
        "usecases:edit",
        "POST",
        row(L, 404, 302, 302, 404, 403, 403, 404, 404, 403),
        kwargs=lambda w: {"reference": w.draft_case, "step": "idea"},
        body=lambda w: {
            "title": "Draft answers to customer emails (pilot)",
            "problem": "Agents answer 1,200 emails a day.",
            "proposed_solution": "Draft replies from the knowledge base.",
            "value_lever": "productivity",
            "business_function": "customer_service",
            "action": "save",
        },
        writes=True,
    ),
    # Decisions are the CIO office's; withdrawing is the owners'.
    Probe(
        "usecases:transition",
        "POST",
        row(L, 404, 403, 403, 404, 302, 302, 404, 404, 403),
        variant="hold",
        kwargs=_review,
        body=lambda w: {
            "to": "on_hold",
            "comment": "Waiting for legal advice.",
            "expected_version": w.review_version,
        },
        writes=True,
    ),
    Probe(
        "usecases:transition",
        "POST",
        row(L, 404, 302, 302, 404, 403, 403, 404, 404, 403),
        variant="withdraw",
        kwargs=_draft,
        body=lambda w: {"to": "withdrawn", "comment": "", "expected_version": w.draft_version},
        writes=True,
    ),
    Probe(
        "usecases:comment",
        "POST",
        row(L, 404, 302, 302, 404, 302, 302, 404, 404, 403),
        kwargs=_review,
        body=lambda w: {"body": "Is the data anonymised first?"},
        writes=True,
    ),
    Probe(
        "usecases:exception",
        "POST",
        row(L, 404, 403, 403, 404, 302, 302, 404, 404, 403),
        kwargs=_review,
        body=lambda w: {
            "finding_key": w.finding_key,
            "reason": "Pilot on anonymised data only.",
            "conditions": "One team, anonymised records, during the pilot.",
            "expires_on": _in_a_month(),
        },
        writes=True,
    ),
    Probe(
        "usecases:exception-grant",
        "POST",
        row(L, 404, 403, 403, 404, 403, 302, 404, 404, 302),
        kwargs=_review,
        body=lambda w: {"finding_key": w.grant_key},
        writes=True,
    ),
    Probe(
        "usecases:tier-override",
        "POST",
        row(L, 404, 403, 403, 404, 302, 302, 404, 404, 403),
        kwargs=_review,
        body=lambda w: {"tier": "prohibited", "reason": "It scores applicants' personalities."},
        writes=True,
    ),
    Probe(
        "usecases:tier-agree",
        "POST",
        row(L, 404, 403, 403, 404, 403, 302, 404, 404, 403),
        kwargs=_review,
        body=lambda w: {"comment": "Agreed: drafts only."},
        writes=True,
    ),
    Probe(
        "usecases:sign-off",
        "POST",
        row(L, 404, 403, 403, 404, 302, 302, 404, 404, 403),
        kwargs=_review,
        body=lambda w: {"comment": "Read the impact assessment."},
        writes=True,
    ),
    Probe(
        "usecases:risk",
        "GET",
        row(L, 404, 200, 200, 404, 200, 200, 404, 404, 403),
        kwargs=_draft,
    ),
    Probe(
        "usecases:risk",
        "POST",
        row(L, 404, 302, 302, 404, 302, 302, 404, 404, 403),
        kwargs=_draft,
        body=lambda w: {"transparency_duties": ["chatbot"], "expected_version": w.draft_version},
        writes=True,
    ),
    Probe(
        "usecases:risks",
        "GET",
        row(L, 404, 403, 403, 404, 200, 200, 404, 404, 403),
        kwargs=_review,
    ),
    Probe(
        "usecases:risks",
        "POST",
        row(L, 404, 403, 403, 404, 302, 302, 404, 404, 403),
        kwargs=_review,
        body=_risk_register_form,
        writes=True,
    ),
    Probe(
        "usecases:ratings",
        "GET",
        row(L, 404, 403, 403, 404, 200, 200, 404, 404, 403),
        kwargs=_review,
    ),
    Probe(
        "usecases:ratings",
        "POST",
        row(L, 404, 403, 403, 404, 302, 302, 404, 404, 403),
        kwargs=_review,
        body=lambda w: {"expected_version": w.review_version, **{c.value: "4" for c in Criterion}},
        writes=True,
    ),
    Probe("review:queue", "GET", row(L, 403, 403, 403, 403, 200, 200, 403, 403, 403)),
    # --- Archetypes and estimates ---------------------------------------------------------------
    Probe(
        "usecases:estimate-assumptions",
        "GET",
        row(L, 403, 403, 403, 403, 403, 403, 403, 403, 200),
    ),
    Probe(
        "usecases:estimate-assumptions",
        "POST",
        row(L, 403, 403, 403, 403, 403, 403, 403, 403, 302),
        body=lambda w: _editor_post(
            "assumptions", w.assumptions, contingency_percent="25", comment="Safer"
        ),
        writes=True,
    ),
    Probe(  # the JSON below the editor, for power users
        "usecases:estimate-assumptions",
        "POST",
        row(L, 403, 403, 403, 403, 403, 403, 403, 403, 302),
        variant="json",
        body=lambda w: {
            "document": json.dumps({**w.assumptions, "contingency_percent": 25}),
            "comment": "Safer",
        },
        writes=True,
    ),
    # The admin who edits the assumptions follows the re-estimation they start.
    Probe(
        "usecases:estimate-batches",
        "GET",
        row(L, 403, 403, 403, 403, 200, 200, 403, 403, 200),
    ),
    Probe(
        "usecases:estimate-batch",
        "GET",
        row(L, 403, 403, 403, 403, 200, 200, 403, 403, 200),
        kwargs=lambda w: {"batch_id": w.batch_id},
    ),
    Probe(
        "usecases:archetype",
        "GET",
        row(L, 404, 200, 200, 404, 200, 200, 404, 404, 403),
        kwargs=_review,
    ),
    Probe(
        "usecases:archetype",
        "POST",
        row(L, 404, 302, 302, 404, 302, 302, 404, 404, 403),
        kwargs=_review,
        body=lambda w: {**ARCHETYPE_FORM, "model_does_job_as_is": "yes"},
        writes=True,
    ),
    Probe(
        "usecases:archetype-choose",
        "POST",
        row(L, 404, 403, 403, 404, 302, 302, 404, 404, 403),
        kwargs=_review,
        body=lambda w: {"archetype": "shaper", "justification": ""},
        writes=True,
    ),
    Probe(
        "usecases:estimates",
        "GET",
        row(L, 404, 200, 200, 404, 200, 200, 404, 404, 200),
        kwargs=_review,
    ),
    Probe(
        "usecases:estimate-run",
        "POST",
        row(L, 404, 403, 403, 404, 302, 302, 404, 404, 403),
        kwargs=_review_taker,
        body=_nothing,
        writes=True,
    ),
    Probe(
        "usecases:estimate-drivers",
        "GET",
        row(L, 404, 403, 403, 404, 200, 200, 404, 404, 403),
        kwargs=_review_taker,
    ),
    Probe(
        "usecases:estimate-drivers",
        "POST",
        row(L, 404, 403, 403, 404, 302, 302, 404, 404, 403),
        kwargs=_review_taker,
        body=lambda w: _editor_post("drivers", w.taker_drivers),
        writes=True,
    ),
    Probe(  # the JSON below the editor, for power users
        "usecases:estimate-drivers",
        "POST",
        row(L, 404, 403, 403, 404, 302, 302, 404, 404, 403),
        variant="json",
        kwargs=_review_taker,
        body=lambda w: {"document": json.dumps(w.taker_drivers), "comment": ""},
        writes=True,
    ),
    # --- The portfolio (CIO office and admins; a report, so 403 rather than 404) ----------------
    Probe("portfolio:ranked", "GET", row(L, 403, 403, 403, 403, 200, 200, 403, 403, 200)),
    Probe("portfolio:export-csv", "GET", row(L, 403, 403, 403, 403, 200, 200, 403, 403, 200)),
    Probe("portfolio:export-xlsx", "GET", row(L, 403, 403, 403, 403, 200, 200, 403, 403, 200)),
    Probe("portfolio:decisions", "GET", row(L, 403, 403, 403, 403, 200, 200, 403, 403, 200)),
    Probe("portfolio:decisions-csv", "GET", row(L, 403, 403, 403, 403, 200, 200, 403, 403, 200)),
    Probe("portfolio:compliance", "GET", row(L, 403, 403, 403, 403, 200, 200, 403, 403, 200)),
    Probe("portfolio:summary", "GET", row(L, 403, 403, 403, 403, 200, 200, 403, 403, 200)),
    # --- People pages (administrators) and API tokens (everyone their own) ---------------------
    Probe("people:list", "GET", row(L, 403, 403, 403, 403, 403, 403, 403, 403, 200)),
    Probe(
        "people:detail", "GET", row(L, 403, 403, 403, 403, 403, 403, 403, 403, 200), kwargs=_emma
    ),
    # An empty roles form: emma keeps no role (she has none), so nothing is written.
    Probe(
        "people:detail",
        "POST",
        row(L, 403, 403, 403, 403, 403, 403, 403, 403, 302),
        kwargs=_emma,
        body=_nothing,
    ),
    Probe(
        "people:unlock",
        "POST",
        row(L, 403, 403, 403, 403, 403, 403, 403, 403, 302),
        kwargs=_emma,
        body=_nothing,
    ),
    Probe("people:departments", "GET", row(L, 403, 403, 403, 403, 403, 403, 403, 403, 200)),
    Probe(
        "people:departments",
        "POST",
        row(L, 403, 403, 403, 403, 403, 403, 403, 403, 200),  # no name: the form again
        body=_nothing,
    ),
    Probe(
        "people:department",
        "GET",
        row(L, 403, 403, 403, 403, 403, 403, 403, 403, 200),
        kwargs=_home_department,
    ),
    Probe(
        "people:department",
        "POST",
        row(L, 403, 403, 403, 403, 403, 403, 403, 403, 200),
        kwargs=_home_department,
        body=_nothing,
    ),
    Probe("people:groups", "GET", row(L, 403, 403, 403, 403, 403, 403, 403, 403, 200)),
    Probe(
        "people:groups",
        "POST",
        row(L, 403, 403, 403, 403, 403, 403, 403, 403, 404),  # no such group
        body=_nothing,
    ),
    Probe("people:import-upload", "GET", row(L, 403, 403, 403, 403, 403, 403, 403, 403, 200)),
    Probe(
        "people:import-upload",
        "POST",
        row(L, 403, 403, 403, 403, 403, 403, 403, 403, 200),  # no file: the form again
        body=_nothing,
    ),
    Probe(
        "people:import",
        "GET",
        row(L, 403, 403, 403, 403, 403, 403, 403, 403, 404),
        kwargs=lambda w: {"pk": 987654},
    ),
    Probe(
        "people:import",
        "POST",
        row(L, 403, 403, 403, 403, 403, 403, 403, 403, 404),
        kwargs=lambda w: {"pk": 987654},
        body=_nothing,
    ),
    Probe("people:my-tokens", "GET", row(L, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    Probe(
        "people:my-tokens",
        "POST",
        row(L, 200, 200, 200, 200, 200, 200, 200, 200, 200),  # no name: the form again
        body=_nothing,
    ),
    Probe(
        "people:my-tokens",
        "POST",
        row(L, 200, 200, 200, 200, 200, 200, 200, 200, 200),
        variant="named",
        body=lambda w: {"name": "matrix"},
        writes=True,
    ),
    Probe("people:scim-tokens", "GET", row(L, 403, 403, 403, 403, 403, 403, 403, 403, 200)),
    Probe(
        "people:scim-tokens",
        "POST",
        row(L, 403, 403, 403, 403, 403, 403, 403, 403, 200),
        body=lambda w: {"name": "matrix"},
        writes=True,
    ),
    Probe(
        "people:token-revoke",
        "POST",
        row(L, 404, 404, 404, 404, 404, 404, 404, 404, 404),
        kwargs=lambda w: {"pk": 987654},
        body=_nothing,
    ),
    # --- SCIM: only a SCIM token opens it; a signed-in person, admin or not, gets 401 ----------
    # (tests/portal/test_scim.py checks what a SCIM token gets.)
    *(
        Probe(name, method, row(*[401] * 10), kwargs=kwargs, body=body)
        for name, kwargs in (
            ("scim:config", _nothing),
            ("scim:resource-types", _nothing),
            ("scim:resource-type", lambda w: {"key": "User"}),
            ("scim:schemas", _nothing),
            ("scim:schema", lambda w: {"key": "urn:ietf:params:scim:schemas:core:2.0:User"}),
            ("scim:users", _nothing),
            ("scim:user", lambda w: {"key": "1"}),
            ("scim:groups", _nothing),
            ("scim:group", lambda w: {"key": "1"}),
            ("scim:search", _nothing),
            ("scim:users-search", _nothing),
            ("scim:groups-search", _nothing),
            ("scim:unknown", lambda w: {"rest": "Nothing"}),
        )
        for method, body in (("GET", None), ("POST", _nothing))
    ),
    # --- API: the caller, the register ----------------------------------------------------------
    Probe("api-me", "GET", row(401, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    # The schema and its docs describe the API, not its data: readable without signing in
    # (drf-spectacular's default; schemathesis in test_api_fuzz.py reads it anonymously).
    Probe("api-schema", "GET", row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    Probe("api-docs", "GET", row(200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    Probe("api-register-list", "GET", row(401, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    Probe(
        "api-register-list",
        "POST",
        row(401, 403, 403, 403, 403, 403, 403, 201, 403, 201),
        body=lambda w: REGISTER_ENTRY,
        writes=True,
    ),
    Probe(
        "api-register-lookup",
        "GET",
        row(401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
        query={"tool": "approved-model", "data": "internal"},
    ),
    Probe(
        "api-register-detail",
        "GET",
        row(401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
        kwargs=_tool,
    ),
    Probe(
        "api-register-detail",
        "PATCH",
        row(401, 403, 403, 403, 403, 403, 403, 202, 403, 202),  # the status waits: 202
        kwargs=_tool,
        body=lambda w: {"status": "restricted"},
        writes=True,
    ),
    Probe(
        "api-register-detail",
        "PUT",
        row(401, 403, 403, 403, 403, 403, 403, 202, 403, 202),  # a classification change: 202
        kwargs=_tool,
        body=lambda w: {
            "name": "Approved Model",
            "kind": "api_model",
            "status": "approved",
            "max_data_classification": "internal",
        },
        writes=True,
    ),
    # --- API: use cases -------------------------------------------------------------------------
    Probe("api-usecase-list", "GET", row(401, 403, 200, 200, 200, 200, 200, 403, 403, 200)),
    Probe(
        "api-usecase-list",
        "POST",
        row(401, 403, 201, 201, 201, 403, 403, 403, 403, 403),
        body=lambda w: {"title": "Summarise tickets"},
        writes=True,
    ),
    Probe(
        "api-usecase-detail",
        "GET",
        row(401, 404, 200, 200, 404, 200, 200, 404, 404, 200),
        kwargs=_review,
    ),
    Probe(
        "api-usecase-detail",
        "PATCH",
        row(401, 404, 200, 200, 404, 403, 403, 404, 404, 403),
        kwargs=_draft,
        body=lambda w: {"title": "Draft answers to customer emails (pilot)"},
        writes=True,
    ),
    Probe(
        "api-usecase-submit",
        "POST",
        row(401, 404, 200, 200, 404, 403, 403, 404, 404, 403),
        kwargs=_draft,
        body=_nothing,
        writes=True,
    ),
    Probe(
        "api-usecase-transition",
        "POST",
        row(401, 404, 403, 403, 404, 200, 200, 404, 404, 403),
        kwargs=_review,
        body=lambda w: {
            "to": "on_hold",
            "comment": "Waiting for legal advice.",
            "expected_version": w.review_version,
        },
        writes=True,
    ),
    Probe(
        "api-usecase-comments",
        "GET",
        row(401, 404, 200, 200, 404, 200, 200, 404, 404, 200),
        kwargs=_review,
    ),
    Probe(
        "api-usecase-comments",
        "POST",
        row(401, 404, 201, 201, 404, 201, 201, 404, 404, 403),
        kwargs=_review,
        body=lambda w: {"body": "Is the data anonymised first?"},
        writes=True,
    ),
    Probe(
        "api-usecase-risk-questionnaire",
        "GET",
        row(401, 404, 200, 200, 404, 200, 200, 404, 404, 200),
        kwargs=_review,
    ),
    Probe(
        "api-usecase-risk-questionnaire",
        "PUT",
        row(401, 404, 200, 200, 404, 200, 200, 404, 404, 403),
        kwargs=_draft,
        body=lambda w: {"transparency_duties": ["chatbot"]},
        writes=True,
    ),
    Probe(
        "api-usecase-risk-register",
        "GET",
        row(401, 404, 200, 200, 404, 200, 200, 404, 404, 200),
        kwargs=_review,
    ),
    Probe(
        "api-usecase-risk-register",
        "PUT",
        row(401, 404, 403, 403, 404, 200, 200, 404, 404, 403),
        kwargs=_review,
        body=lambda w: [{"risk": "confabulation", "likelihood": 3, "severity": 2}],
        writes=True,
    ),
    Probe(
        "api-usecase-ratings",
        "GET",
        row(401, 404, 200, 200, 404, 200, 200, 404, 404, 200),
        kwargs=_review,
    ),
    Probe(
        "api-usecase-ratings",
        "PUT",
        row(401, 404, 403, 403, 404, 200, 200, 404, 404, 403),
        kwargs=_review,
        body=lambda w: [{"criterion": "reach", "score": 4}],
        writes=True,
    ),
    Probe(
        "api-usecase-scores",
        "GET",
        row(401, 404, 200, 200, 404, 200, 200, 404, 404, 200),
        kwargs=_review,
    ),
    Probe(
        "api-usecase-findings",
        "GET",
        row(401, 404, 200, 200, 404, 200, 200, 404, 404, 200),
        kwargs=_review,
    ),
    Probe(
        "api-usecase-exceptions",
        "POST",
        row(401, 404, 403, 403, 404, 201, 201, 404, 404, 403),
        kwargs=_review,
        body=lambda w: {
            "finding_key": w.finding_key,
            "reason": "Pilot on anonymised data only.",
            "conditions": "One team, anonymised records, during the pilot.",
            "expires_on": _in_a_month(),
        },
        writes=True,
    ),
    Probe(
        "api-usecase-exception-grant",
        "POST",
        row(401, 404, 403, 403, 404, 403, 200, 404, 404, 200),
        kwargs=_review,
        body=lambda w: {"finding_key": w.grant_key},
        writes=True,
    ),
    Probe(
        "api-usecase-tier-override",
        "POST",
        row(401, 404, 403, 403, 404, 200, 200, 404, 404, 403),
        kwargs=_review,
        body=lambda w: {"tier": "prohibited", "reason": "It scores applicants' personalities."},
        writes=True,
    ),
    Probe(
        "api-usecase-tier-agree",
        "POST",
        row(401, 404, 403, 403, 404, 403, 200, 404, 404, 403),
        kwargs=_review,
        body=lambda w: {"comment": "Agreed: drafts only."},
        writes=True,
    ),
    Probe(
        "api-usecase-sign-off",
        "POST",
        row(401, 404, 403, 403, 404, 201, 201, 404, 404, 403),
        kwargs=_review,
        body=lambda w: {"comment": "Read the impact assessment."},
        writes=True,
    ),
    # --- API: archetypes and estimates ----------------------------------------------------------
    Probe(
        "api-estimate-assumptions",
        "GET",
        row(401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    Probe(
        "api-estimate-assumptions",
        "POST",
        row(401, 403, 403, 403, 403, 403, 403, 403, 403, 201),
        body=lambda w: {"data": {**w.assumptions, "contingency_percent": 25}, "comment": "Safer"},
        writes=True,
    ),
    Probe(
        "api-estimate-batch",
        "GET",
        row(401, 403, 403, 403, 403, 200, 200, 403, 403, 200),
        kwargs=lambda w: {"batch_id": w.batch_id},
    ),
    Probe(
        "api-usecase-archetype",
        "GET",
        row(401, 404, 200, 200, 404, 200, 200, 404, 404, 200),
        kwargs=_review,
    ),
    Probe(
        "api-usecase-archetype",
        "PUT",
        row(401, 404, 200, 200, 404, 200, 200, 404, 404, 403),
        kwargs=_review,
        body=lambda w: {**ARCHETYPE_ANSWERS, "model_does_job_as_is": True},
        writes=True,
    ),
    Probe(
        "api-usecase-archetype-decision",
        "POST",
        row(401, 404, 403, 403, 404, 200, 200, 404, 404, 403),
        kwargs=_review,
        body=lambda w: {"archetype": "shaper"},
        writes=True,
    ),
    Probe(
        "api-usecase-estimates",
        "GET",
        row(401, 404, 200, 200, 404, 200, 200, 404, 404, 200),
        kwargs=_review,
    ),
    Probe(
        "api-usecase-estimates",
        "POST",
        row(401, 404, 403, 403, 404, 202, 202, 404, 404, 403),
        kwargs=_review,
        body=lambda w: {"archetype": "taker"},
        writes=True,
    ),
    Probe(
        "api-usecase-estimate-run",
        "GET",
        row(401, 404, 200, 200, 404, 200, 200, 404, 404, 200),
        kwargs=lambda w: {"reference": w.review_case, "run_id": w.run_id},
    ),
    Probe(
        "api-usecase-estimate-drivers",
        "GET",
        row(401, 404, 200, 200, 404, 200, 200, 404, 404, 200),
        kwargs=_review_taker,
    ),
    Probe(
        "api-usecase-estimate-drivers",
        "PUT",
        row(401, 404, 403, 403, 404, 202, 202, 404, 404, 403),
        kwargs=_review_taker,
        body=lambda w: {"drivers": w.taker_drivers},
        writes=True,
    ),
    # --- API: the portfolio ---------------------------------------------------------------------
    Probe("api-portfolio", "GET", row(401, 403, 403, 403, 403, 200, 200, 403, 403, 200)),
    Probe(
        "api-portfolio-compliance",
        "GET",
        row(401, 403, 403, 403, 403, 200, 200, 403, 403, 200),
    ),
    # --- API: policies --------------------------------------------------------------------------
    Probe("api-policies", "GET", row(401, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    Probe(
        "api-policies",
        "POST",
        row(401, 403, 403, 403, 403, 403, 403, 201, 403, 201),
        body=lambda w: {"title": "Transcripts", "category": "other", "body_markdown": "Ask."},
        writes=True,
    ),
    Probe(
        "api-policy",
        "GET",
        row(401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
        variant="published",
        kwargs=_published,
    ),
    Probe(
        "api-policy",
        "GET",
        row(401, 404, 404, 404, 404, 404, 404, 200, 200, 200),
        variant="never-published",
        kwargs=_unpublished,
    ),
    Probe(
        "api-versions",
        "GET",
        row(401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
        kwargs=_published,
    ),
    Probe(
        "api-versions",
        "POST",
        row(401, 403, 403, 403, 403, 403, 403, 201, 403, 201),
        kwargs=_settled,
        body=_nothing,
        writes=True,
    ),
    Probe(
        "api-version",
        "GET",
        row(401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
        variant="published",
        kwargs=_published_v1,
    ),
    Probe(
        "api-version",
        "GET",
        row(401, 404, 404, 404, 404, 404, 404, 200, 200, 200),
        variant="draft",
        kwargs=_draft_version,
    ),
    Probe(
        "api-version",
        "PUT",
        row(401, 403, 403, 403, 403, 403, 403, 200, 403, 200),
        variant="draft",
        kwargs=_draft_version,
        body=lambda w: {**VERSION_TEXT, "is_material": True},
        writes=True,
    ),
    # People who may not read drafts do not learn that one exists (404).
    Probe(
        "api-version-submit",
        "POST",
        row(401, 404, 404, 404, 404, 404, 404, 200, 403, 200),
        kwargs=_draft_version,
        body=_nothing,
        writes=True,
    ),
    Probe(
        "api-version-publish",
        "POST",
        row(401, 404, 404, 404, 404, 404, 404, 403, 200, 200),
        kwargs=_in_review_version,
        body=_nothing,
        writes=True,
    ),
    Probe(
        "api-version-return",
        "POST",
        row(401, 404, 404, 404, 404, 404, 404, 403, 200, 200),
        kwargs=_in_review_version,
        body=lambda w: {"reason": "Add an example."},
        writes=True,
    ),
    Probe(
        "api-version-withdraw",
        "POST",
        row(401, 404, 404, 404, 404, 404, 404, 200, 403, 403),
        kwargs=_in_review_version,
        body=_nothing,
        writes=True,
    ),
    Probe(
        "api-pending-changes",
        "GET",
        row(401, 403, 403, 403, 403, 403, 403, 200, 200, 200),
    ),
    Probe(
        "api-pending-change",
        "GET",
        row(401, 403, 403, 403, 403, 403, 403, 200, 200, 200),
        kwargs=_change,
    ),
    Probe(
        "api-pending-change-approve",
        "POST",
        row(401, 403, 403, 403, 403, 403, 403, 403, 200, 200),
        kwargs=_change,
        body=_nothing,
        writes=True,
    ),
    Probe(
        "api-pending-change-reject",
        "POST",
        row(401, 403, 403, 403, 403, 403, 403, 403, 200, 200),
        kwargs=_change,
        body=lambda w: {"reason": "Keep the title readers know."},
        writes=True,
    ),
    Probe(
        "api-pending-change-withdraw",
        "POST",
        row(401, 403, 403, 403, 403, 403, 403, 200, 403, 403),
        kwargs=_change,
        body=_nothing,
        writes=True,
    ),
    Probe(
        "api-ack",
        "POST",
        row(401, 201, 201, 201, 201, 201, 201, 201, 201, 201),
        kwargs=_published,
        body=_nothing,
        writes=True,
    ),
    Probe(
        "api-compliance",
        "GET",
        row(401, 403, 403, 403, 403, 200, 200, 200, 403, 200),
        kwargs=_published,
    ),
    Probe("api-owed", "GET", row(401, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    Probe(
        "api-search",
        "GET",
        row(401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
        query={"q": "careful"},
    ),
)
