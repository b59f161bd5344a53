"""The permission matrix: every URL of the portal, for anonymous and every role, on real objects.

The URLs come from the URL resolver itself, so a new URL without a row in
``tests/permission_matrix.py`` fails ``test_every_url_has_a_row``. Each cell (probe, role) is
one request with the Django test client on a shared world of real objects, built once for the
module; every test runs in a savepoint that is rolled back, so a write in one cell never leaks
into the next. A cell checks the exact answer, and that the database changed exactly when the
person was allowed to write: a refused request (403/404, or sent to sign in) leaves every table
of the portal as it was. Nothing is decided by what the pages show or hide.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.shortcuts import resolve_url
from django.test import Client
from django.test.client import ClientHandler
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from policies import services as policy_services
from policies.inputs import NewPolicy, PolicySettings, VersionText
from policies.models import Acknowledgement, PolicyCategory
from portal.models import User
from portal.roles import Role
from tests.factories import make_department
from tests.permission_matrix import HEALTH, LOGIN, NOT_OURS, PROBES, ROLES, Answer, Probe, World
from tests.policies.conftest import publish_new_version
from tests.services import missing_service
from tests.usecases.conftest import advance, an_exception, assess, make_draft
from tests.usecases.estimates_portal.helpers import priced_tool, submitted_case
from usecases import services as usecase_services
from usecases.estimates import services as estimate_services
from usecases.estimates.models import EstimateBatch, EstimateRun
from usecases.forms import RubricForm
from usecases.inputs import AssumptionsChange, TierOverrideInput
from usecases.models import Comment, Status, UseCase
from usecases.selectors import findings_for, latest_rubric, with_guardrail_inputs

if TYPE_CHECKING:  # the test client's response (the stubs' name; no such class at run time)
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

# --- The URLs, from the resolver --------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # namespace:name, or the route itself when the pattern has no name
    route: str
    callback: Any


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}{pattern.namespace}:"
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            name = f"{namespace}{pattern.name}" if pattern.name else f"{namespace}{route}"
            yield Route(name=name, route=route, callback=pattern.callback)


def portal_routes() -> list[Route]:
    """Every URL pattern the portal answers, but those of :data:`NOT_OURS`."""
    return [
        route for route in _walk(get_resolver().url_patterns) if not route.name.startswith(NOT_OURS)
    ]


def _view_methods(callback: Any) -> set[str]:
    """The HTTP methods a class-based view (Django's or DRF's) handles; empty for functions."""
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is None:
        return set()
    return {
        method.upper()
        for method in ("get", "post", "put", "patch", "delete")
        if method in view_class.http_method_names and hasattr(view_class, method)
    }


def test_every_url_has_a_row() -> None:
    enumerated = {route.name for route in portal_routes()}
    in_table = {probe.name for probe in PROBES}
    missing = sorted(enumerated - in_table)
    extra = sorted(in_table - enumerated)
    assert not missing, f"URLs without a row in tests/permission_matrix.py: {missing}"
    assert not extra, f"rows for URLs the portal does not have: {extra}"


def test_every_method_of_a_class_based_view_is_probed() -> None:
    probed: dict[str, set[str]] = {}
    for probe in PROBES:
        probed.setdefault(probe.name, set()).add(probe.method)
    unprobed = {
        route.name: sorted(_view_methods(route.callback) - probed.get(route.name, set()))
        for route in portal_routes()
    }
    unprobed = {name: methods for name, methods in unprobed.items() if methods}
    assert not unprobed, f"methods that no row tries: {unprobed}"


def test_every_row_is_unique_and_complete() -> None:
    ids = [probe.id for probe in PROBES]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    for probe in PROBES:
        assert tuple(probe.expect) == ROLES, probe.id
        assert probe.method == "GET" or probe.body is not None, f"{probe.id}: give a body"


# --- The world --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Matrix:
    world: World
    people: dict[str, User]
    sessions: dict[str, str]  # role → session key, signed in once for the module
    # One handler for all clients: each new handler would load the middleware again, and
    # WhiteNoise's reads the static files folder (a third of a cell's time).
    handler: ClientHandler = field(default_factory=lambda: ClientHandler(enforce_csrf_checks=False))

    def client(self, role: str, *, enforce_csrf_checks: bool = False) -> Client:
        client = Client(enforce_csrf_checks=enforce_csrf_checks)
        if not enforce_csrf_checks:
            client.handler = self.handler
        if role != "anonymous":
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[role]
        return client


PEOPLE = {
    "employee": ("emma", "home", []),
    "lead": ("leo", "home", [Role.BUSINESS_LEAD]),
    "dept_lead": ("dana", "home", [Role.BUSINESS_LEAD]),
    "other_lead": ("lina", "elsewhere", [Role.BUSINESS_LEAD]),
    "reviewer": ("rita", "elsewhere", [Role.REVIEWER]),
    "second_reviewer": ("ravi", "elsewhere", [Role.REVIEWER]),
    "author": ("paul", "home", [Role.POLICY_AUTHOR]),
    "approver": ("ada", "elsewhere", [Role.POLICY_APPROVER]),
    "admin": ("alex", "elsewhere", [Role.ADMIN]),
}


def _people() -> dict[str, User]:
    departments = {
        "home": make_department(name="Customer Service", slug="customer-service"),
        "elsewhere": make_department(name="Engineering", slug="engineering"),
    }
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in Role.values}
    people = {}
    for role, (username, department, roles) in PEOPLE.items():
        # Signed in with force_login: no password to hash (PBKDF2 would cost seconds).
        user = User(
            username=username,
            email=f"{username}@example.com",
            department=departments[department],
            is_staff=Role.ADMIN in roles,
        )
        user.set_unusable_password()
        user.save()
        user.groups.set([groups[name] for name in roles])
        people[role] = user
    return people


def _policies(author: User, approver: User) -> dict[str, Any]:
    text = "# Acceptable use\n\nBe careful with customer data."
    accepted = policy_services.policy_create(
        by=author,
        data=NewPolicy.parse(
            title="Acceptable use", category=PolicyCategory.ACCEPTABLE_USE, body_markdown=text
        ),
    )
    publish_new_version(accepted, author, approver, text)
    draft = policy_services.policy_version_create_draft(policy=accepted, by=author)
    policy_services.policy_version_update(
        version=draft,
        by=author,
        data=VersionText.parse(
            body_markdown=text + "\n\nAsk when unsure.",
            summary_of_changes="Ask when unsure.",
            is_material=True,
        ),
    )
    privacy = policy_services.policy_create(
        by=author,
        data=NewPolicy.parse(
            title="Data privacy", category=PolicyCategory.DATA_PRIVACY, body_markdown="No."
        ),
    )
    publish_new_version(privacy, author, approver, "# Data privacy\n\nNo personal data.")
    in_review = policy_services.policy_version_create_draft(policy=privacy, by=author)
    policy_services.policy_version_update(
        version=in_review,
        by=author,
        data=VersionText.parse(
            body_markdown="# Data privacy\n\nNo personal data, ever.",
            summary_of_changes="Stricter.",
            is_material=True,
        ),
    )
    policy_services.policy_version_submit(version=in_review, by=author)
    unpublished = policy_services.policy_create(
        by=author,
        data=NewPolicy.parse(
            title="Intellectual property",
            category=PolicyCategory.INTELLECTUAL_PROPERTY,
            body_markdown="Draft.",
        ),
    )
    settled = policy_services.policy_create(
        by=author,
        data=NewPolicy.parse(
            title="Security", category=PolicyCategory.SECURITY, body_markdown="Lock it."
        ),
    )
    publish_new_version(settled, author, approver, "# Security\n\nLock your screen.")
    proposed = policy_services.policy_settings_propose(
        by=author,
        policy=settled,
        data=PolicySettings.parse(title="Security at work", category=PolicyCategory.SECURITY),
    ).pending
    assert proposed is not None
    return {
        "published_policy": accepted.slug,
        "draft_number": draft.number,
        "in_review_policy": privacy.slug,
        "review_number": in_review.number,
        "unpublished_policy": unpublished.slug,
        "settled_policy": settled.slug,
        "pending_change": proposed.pk,
    }


def _cases(people: dict[str, User]) -> dict[str, Any]:
    lead, reviewer, admin = people["lead"], people["reviewer"], people["admin"]
    tool = priced_tool("approved-model")
    draft = make_draft(lead, [tool])
    # Personal data, fully automated: one open guardrail finding; employment: high risk.
    case = submitted_case(
        lead,
        tool,
        title="Screen job applications",
        data_categories=["personal"],
        human_oversight="fully_automated",
        data_classification="restricted",
    )
    case = advance(case, (reviewer, Status.IN_REVIEW))
    case = assess(case, reviewer, high_risk_areas=["employment"])
    full = with_guardrail_inputs(UseCase.objects.filter(pk=case.pk)).get()
    open_findings = [state.finding.key for state in findings_for(full) if state.is_open]
    assert len(open_findings) == 2, "the case in review needs two open guardrail findings"
    # The second has an exception the reviewer requested, for another to grant.
    an_exception(case, open_findings[1], reviewer, None)
    # The reviewer proposes lowering the tier (high → limited), for another to agree to.
    usecase_services.usecase_tier_override(
        usecase=UseCase.objects.get(pk=case.pk),
        by=reviewer,
        data=TierOverrideInput.parse(tier="limited", reason="Only drafts; people decide."),
    )
    # What a worker would have done: two estimates done, one failed (so a re-run makes a new one).
    runs = {run.archetype: run for run in EstimateRun.objects.filter(usecase=case, is_current=True)}
    assert estimate_services.estimate_run_execute(runs["shaper"].pk) == "done"
    assert estimate_services.estimate_run_execute(runs["maker"].pk) == "done"
    estimate_services.estimate_runs_fail_stale_retries(runs["taker"].pk, "The worker gave up.")
    current = estimate_services.assumptions_current().data
    estimate_services.assumptions_publish(
        by=admin,
        data=AssumptionsChange.parse(
            data={k: v for k, v in current.items() if k != "version"}, comment="Checked."
        ),
    )
    batch = EstimateBatch.objects.order_by("-id").first()
    assert batch is not None
    assumptions = estimate_services.assumptions_current().data
    return {
        "tool": tool.slug,
        "draft_case": draft.reference,
        "draft_version": UseCase.objects.get(pk=draft.pk).version,
        "review_case": case.reference,
        "review_version": UseCase.objects.get(pk=case.pk).version,
        "finding_key": open_findings[0],
        "grant_key": open_findings[1],
        "run_id": runs["shaper"].pk,
        "batch_id": batch.pk,
        "rubric_form": RubricForm.initial_from(latest_rubric()[1]),
        "assumptions": {k: v for k, v in assumptions.items() if k != "version"},
        "taker_drivers": estimate_services.drivers_for(case, "taker"),
    }


@pytest.fixture(scope="module")
def matrix(django_db_setup: None, django_db_blocker: Any) -> Iterator[Matrix]:
    """One world for the module, in a transaction rolled back at the end; each test runs in a
    savepoint inside it (pytest-django's ``db``), so the cells cannot disturb each other."""
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            missing_service("the permission matrix compares tables with PostgreSQL's md5()")
        with transaction.atomic():
            people = _people()
            world = World(**_policies(people["author"], people["approver"]), **_cases(people))
            sessions = {}
            for role, person in people.items():
                client = Client()
                client.force_login(person)
                sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
            yield Matrix(world=world, people=people, sessions=sessions)
            transaction.set_rollback(True)


# --- One cell ---------------------------------------------------------------------------------


def _fingerprint_query() -> str:
    """One query: an md5 of every row of every table of the portal's apps (and roles, tokens).

    ``last_login`` is left out: signing a person in is not what the cell is about."""
    quote = connection.ops.quote_name
    selects = []
    for label in ("portal", "policies", "usecases", "auth"):
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            columns = ", ".join(
                quote(str(f.column))
                for f in model._meta.concrete_fields
                if f.column != "last_login"
            )
            table = model._meta.db_table
            selects.append(
                f"SELECT '{table}', md5(coalesce(string_agg(ROW({columns})::text, '|' "  # noqa: S608
                f"ORDER BY ROW({columns})::text), '')) FROM {quote(table)}"
            )
    return " UNION ALL ".join(selects)


def fingerprint() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(_fingerprint_query())
        return dict(cursor.fetchall())


def _url(probe: Probe, world: World) -> str:
    url = reverse(probe.name, kwargs=probe.kwargs(world))
    return f"{url}?{urlencode(probe.query)}" if probe.query else url


def _send(client: Client, probe: Probe, url: str, world: World) -> Response:
    body = probe.body(world) if probe.body is not None else None
    send = getattr(client, probe.method.lower())
    if url.startswith("/api/"):
        response: Response = send(url, body, content_type="application/json")
    elif probe.method == "POST":
        response = client.post(url, body)
    else:
        form = urlencode(body or {})
        response = send(url, form, content_type="application/x-www-form-urlencoded")
    return response


def _is_sent_to_sign_in(response: Response, url: str) -> bool:
    if response.status_code != 302:
        return False
    location = urlsplit(response["Location"])
    return location.path == resolve_url(settings.LOGIN_URL) and parse_qs(location.query).get(
        "next"
    ) == [url]


def _what_came_back(response: Response) -> str:
    if response.status_code in (301, 302):
        return f"{response.status_code} to {response['Location']}"
    content = response.getvalue()
    return f"{response.status_code}: {content[:300]!r}"


def _is_success(answer: Answer) -> bool:
    return isinstance(answer, int) and 200 <= answer < 400


def check_answer(response: Response, expected: Answer, url: str, cell: str) -> None:
    got = _what_came_back(response)
    if expected == LOGIN:
        assert _is_sent_to_sign_in(response, url), f"{cell}: expected sign-in, got {got}"
    elif expected == HEALTH:
        assert response.status_code in (200, 503), f"{cell}: got {got}"
        assert "checks" in response.json(), f"{cell}: got {got}"
    else:
        assert response.status_code == expected, f"{cell}: expected {expected}, got {got}"
        # A "302" that is really "sign in first" would hide a refusal.
        assert not _is_sent_to_sign_in(response, url), f"{cell}: sent to sign in"
        if url.startswith("/api/") and response.status_code >= 400:
            assert response.json()["detail"], f"{cell}: an API error names its reason"


CELLS = [pytest.param(probe, role, id=f"{probe.id}-{role}") for probe in PROBES for role in ROLES]


@pytest.mark.parametrize(("probe", "role"), CELLS)
def test_cell(matrix: Matrix, probe: Probe, role: str) -> None:
    client = matrix.client(role)
    url = _url(probe, matrix.world)
    cell = f"{role} {probe.method} {url}"
    if probe.method == "GET":
        check_answer(client.get(url), probe.expect[role], url, cell)
        return
    before = fingerprint()
    response = _send(client, probe, url, matrix.world)
    check_answer(response, probe.expect[role], url, cell)
    after = fingerprint()
    changed = sorted(table for table, digest in after.items() if before[table] != digest)
    if probe.writes and _is_success(probe.expect[role]):
        assert changed, f"{cell}: allowed, yet nothing was saved"
    else:
        assert not changed, f"{cell}: refused or read-only, yet these tables changed: {changed}"


# --- Lists: what a page shows must be what the person may open --------------------------------

WORK_WITH_CASES = {"lead", "dept_lead", "other_lead", "reviewer", "second_reviewer", "admin"}
SEE_THE_CASES = {"lead", "dept_lead", "reviewer", "second_reviewer", "admin"}
READ_DRAFTS = {"author", "approver", "admin"}


@pytest.mark.parametrize("role", ROLES[1:])
def test_lists_hold_only_what_each_person_may_see(matrix: Matrix, role: str) -> None:
    world, client = matrix.world, matrix.client(role)
    cases = {world.draft_case, world.review_case}
    if role in WORK_WITH_CASES:
        page = client.get(reverse("usecases:list")).content.decode()
        listed = {case["reference"] for case in client.get("/api/v1/usecases/").json()["results"]}
        expected = cases if role in SEE_THE_CASES else set()
        assert {ref for ref in cases if f"/usecases/{ref}/" in page} == expected
        assert listed == expected

    never_published = world.unpublished_policy
    page = client.get(reverse("policies:list")).content.decode()
    slugs = {policy["slug"] for policy in client.get("/api/v1/policies/").json()}
    assert (f'href="/policies/{never_published}/"' in page) == (role in READ_DRAFTS)
    assert (never_published in slugs) == (role in READ_DRAFTS)
    assert world.published_policy in slugs
    versions = client.get(f"/api/v1/policies/{world.published_policy}/versions/").json()
    expected_numbers = {1, world.draft_number} if role in READ_DRAFTS else {1}
    assert {version["number"] for version in versions} == expected_numbers

    # Search reads published text only: the draft's new sentence is found by nobody.
    found = client.get("/api/v1/search/", {"q": "careful"}).json()
    assert f"/policies/{world.published_policy}/" in {hit["url"] for hit in found}
    assert client.get("/api/v1/search/", {"q": "unsure"}).json() == []


# --- CSRF and the administration site ---------------------------------------------------------


def test_csrf_is_enforced_on_a_page_form_and_a_session_api_write(matrix: Matrix) -> None:
    world, people = matrix.world, matrix.people
    page = matrix.client("employee", enforce_csrf_checks=True)
    acknowledge = reverse("policies:acknowledge", kwargs={"slug": world.published_policy})
    assert page.post(acknowledge).status_code == 403
    assert not Acknowledgement.objects.filter(user=people["employee"]).exists()

    api = matrix.client("lead", enforce_csrf_checks=True)
    comments = reverse("api-usecase-comments", kwargs={"reference": world.review_case})
    response = api.post(comments, {"body": "Hello"}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not Comment.objects.filter(usecase__reference=world.review_case).exists()

    # The same requests with the token go through: the 403s above were the CSRF check.
    page.get(reverse("policies:detail", kwargs={"slug": world.published_policy}))
    token = page.cookies[settings.CSRF_COOKIE_NAME].value
    assert page.post(acknowledge, {"csrfmiddlewaretoken": token}).status_code == 302
    assert Acknowledgement.objects.filter(user=people["employee"]).exists()


ADMIN_PAGES = [
    "admin:index",
    "admin:portal_user_changelist",
    "admin:portal_department_changelist",
    "admin:auth_group_changelist",
    "admin:portal_auditevent_changelist",
]


@pytest.mark.parametrize("role", ROLES)
def test_admin_site_answers_to_the_admin_role_only(matrix: Matrix, role: str) -> None:
    client = matrix.client(role)
    for name in ADMIN_PAGES:
        url = reverse(name)
        response = client.get(url)
        if role == "admin":
            assert response.status_code == 200, f"{role} {url}: {response.status_code}"
        else:
            assert response.status_code == 302, f"{role} {url}: {response.status_code}"
            location = urlsplit(response["Location"])
            assert location.path == reverse("admin:login"), f"{role} {url}: {location}"
    # The audit log is append-only, in the administration site too.
    add_event = client.get(reverse("admin:portal_auditevent_add"))
    assert add_event.status_code == (403 if role == "admin" else 302)
