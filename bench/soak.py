"""Load without loss: the full stack under a mixed load, then proof that nothing was lost.

``bin/soak`` runs it (``python -m bench.soak``): a fresh database with the demo company and a few
hundred more people, gunicorn started with ``bin/web``, a Celery worker (``bin/worker``) and beat
(``bin/beat``), all on a database and a Redis database of their own; then virtual people in this
second process, over loopback, for five minutes:

- employees sign in through the login form, read the home page, policies, the tools register and
  lookup and search, and acknowledge the policy versions they owe;
- business leads propose use cases through the intake pages step by step and submit them (a
  share of them through the API with a token, as scripts would);
- reviewers take cases from the review queue, start the review and decide: approve (after the
  EU AI Act questionnaire and an exception for each open guardrail finding), reject or put on
  hold with a reason.

Every write the portal confirmed (its redirect and success message, or a 2xx from the API) is
recorded with the ``X-Request-ID`` it was sent with; the portal stores that id on the write's
audit event. Once the load has stopped and the worker has drained its queues, the database is
checked: each confirmed write is there exactly once with the contents that were sent, nothing
was written that was not confirmed, every submitted case has its three estimates done, and every
submission and decision has its email. Any error (a 5xx, a connection error, a 4xx, a refusal or
a form error where none was expected) or any loss fails the run.

Reviewers split the queue between them (by case number), so no two of them decide the same case
at once: a refusal would then be an error, not the race the optimistic checks are for (those are
tested in ``tests/usecases/test_races.py``).
"""

from __future__ import annotations

import argparse
import email
import email.policy
import html
import http.client
import json
import os
import platform
import random
import re
import secrets
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_soak"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
DEFAULT_RESULTS = ROOT / "bench" / "results" / "soak-latest.json"
SOAK_PASSWORD = "soak-password-2026"  # noqa: S105 - throwaway accounts in a throwaway database
REQUEST_TIMEOUT = 60.0
# The soak must measure the portal, not its rate limit: every process of the stack it starts
# gets these API limits (documented in the README).
UNTHROTTLED = "1000000/minute"

# --- What is recorded -------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    kind: str
    status: int  # 0: no answer (connection error)
    ms: float


@dataclass(frozen=True)
class Write:
    """A write the portal confirmed; ``kind`` is the audit action it must have left behind."""

    kind: str
    request_id: str
    actor: str
    target: str  # the case reference, or the policy slug
    via: str  # "page" or "api"
    details: dict[str, Any]
    seq: int  # the order the writes to one case happened in, per virtual person


class Recorder:
    """Everything the virtual people saw, shared by their threads."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        self._lock = threading.Lock()
        self._counter = 0
        self.samples: list[Sample] = []
        self.writes: list[Write] = []
        self.errors: Counter[str] = Counter()
        self.error_samples: dict[str, list[str]] = defaultdict(list)
        self.notes: Counter[str] = Counter()

    def request_id(self) -> str:
        with self._lock:
            self._counter += 1
            return f"soak-{self.run_id}-{self._counter:07d}"

    @property
    def request_id_prefix(self) -> str:
        return f"soak-{self.run_id}-"

    def sample(self, kind: str, status: int, ms: float) -> None:
        with self._lock:
            self.samples.append(Sample(kind, status, ms))

    def error(self, kind: str, detail: str) -> None:
        with self._lock:
            self.errors[kind] += 1
            if len(self.error_samples[kind]) < 8:
                self.error_samples[kind].append(detail[:600])

    def note(self, what: str) -> None:
        with self._lock:
            self.notes[what] += 1

    def write(self, write: Write) -> None:
        with self._lock:
            self.writes.append(write)


class FlowBroken(Exception):
    """The page did not answer as a person would expect; already recorded as an error."""


class Stopped(Exception):
    """The load is over: the virtual person stops before its next step."""


# --- A browser ----------------------------------------------------------------------------------

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ALERT = re.compile(
    r'<div class="alert alert-(\w+) alert-dismissible[^"]*" role="alert">\s*(.*?)\s*<button', re.S
)
FIELD_ERROR = re.compile(r'<div class="invalid-feedback[^"]*">(.*?)</div>', re.S)
STALE_CONNECTION = (
    http.client.RemoteDisconnected,
    ConnectionResetError,
    BrokenPipeError,
    ConnectionAbortedError,
)


@dataclass(frozen=True)
class Page:
    method: str
    path: str
    status: int
    headers: dict[str, str]
    text: str
    request_id: str

    @property
    def location(self) -> str:
        return self.headers.get("location", "").split("#", 1)[0]

    def messages(self) -> list[tuple[str, str]]:
        """The flash messages shown: (level, text), level ``success``, ``danger``, ``info``..."""
        return [(level, html.unescape(text)) for level, text in ALERT.findall(self.text)]

    def json(self) -> Any:
        return json.loads(self.text)

    def describe(self) -> str:
        return f"{self.method} {self.path} -> {self.status} (request id {self.request_id})"


class Browser:
    """One person's browser: a keep-alive connection, cookies, the form's CSRF token, an
    ``X-Request-ID`` on every request; or a script's client with an API token."""

    def __init__(self, base_url: str, recorder: Recorder, token: str | None = None) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.recorder = recorder
        self.token = token
        self.cookies: dict[str, str] = {}
        self.csrf_token = ""
        self.last_path = "/"
        self._connection: http.client.HTTPConnection | None = None
        self._last_answer = 0.0  # when the connection last answered (monotonic)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _open(self) -> tuple[http.client.HTTPConnection, bool]:
        """The kept-alive connection if the server has not closed it (as urllib3 checks before
        reuse), else a new one; and whether it is reused."""
        connection = self._connection
        if connection is not None and connection.sock is not None:
            readable, _, _ = select.select([connection.sock], [], [], 0)
            if not readable:
                return connection, True
        self.close()
        self._connection = http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT)
        return self._connection, False

    def _send(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], list[str], bytes]:
        for attempt in (1, 2):
            connection, reused = self._open()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
            except STALE_CONNECTION:
                self.close()
                # A kept-alive connection the server closed just as it was reused (gunicorn
                # recycles workers): the request never reached Django, so, like a browser, send
                # it again once on a new connection. Its request id stays the same, so a write
                # that did land twice would show up as a duplicate in the checks.
                if reused and attempt == 1:
                    idle = time.monotonic() - self._last_answer
                    self.recorder.note(
                        f"{method} sent again: the server closed the kept-alive connection as "
                        f"it was reused, idle {int(idle)}-{int(idle) + 1} s"
                    )
                    continue
                raise
            except Exception:
                self.close()
                raise
            self._last_answer = time.monotonic()
            if response.will_close:
                self.close()
            cookies = response.headers.get_all("Set-Cookie") or []
            headers_out = {name.lower(): value for name, value in response.getheaders()}
            return response.status, headers_out, cookies, data
        raise AssertionError("unreachable")

    def _keep_cookies(self, set_cookies: list[str]) -> None:
        for header in set_cookies:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0].strip().strip('"')
            lowered = header.lower()
            if not value or "max-age=0" in lowered or "expires=thu, 01 jan 1970" in lowered:
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value

    def call(
        self,
        method: str,
        path: str,
        *,
        kind: str,
        expect: Sequence[int] = (200,),
        form: Sequence[tuple[str, str]] | None = None,
        json_body: Any = None,
        htmx_target: str | None = None,
    ) -> Page:
        """One request; anything but an expected status is recorded as an error (FlowBroken)."""
        request_id = self.recorder.request_id()
        headers = {
            "User-Agent": "portal-soak/1",
            "Accept": "application/json" if self.token else "text/html,application/xhtml+xml",
            "X-Request-ID": request_id,
        }
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        elif self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body: bytes | None = None
        if form is not None:
            body = urlencode([*form, ("csrfmiddlewaretoken", self.csrf_token)]).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        if method == "POST" and not self.token:
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + self.last_path
        if htmx_target:
            headers.update({"HX-Request": "true", "HX-Target": htmx_target})
            headers["HX-Current-URL"] = self.origin + self.last_path
        started = time.perf_counter()
        try:
            status, response_headers, set_cookies, data = self._send(method, path, body, headers)
        except Exception as error:
            ms = (time.perf_counter() - started) * 1000
            self.recorder.sample(kind, 0, ms)
            self.recorder.error(
                "connection error",
                f"{method} {path} (request id {request_id}): {type(error).__name__}: {error}",
            )
            raise FlowBroken from error
        ms = (time.perf_counter() - started) * 1000
        self.recorder.sample(kind, status, ms)
        self._keep_cookies(set_cookies)
        text = data.decode("utf-8", errors="replace")
        page = Page(method, path, status, response_headers, text, request_id)
        if status not in expect:
            self._unexpected(page)
        if method == "GET" and not htmx_target and status == 200:
            self.last_path = path
            token = CSRF_INPUT.search(text)
            if token:
                self.csrf_token = token.group(1)
        return page

    def _unexpected(self, page: Page) -> NoReturn:
        if page.status >= 500:
            kind = "HTTP 5xx"
        elif page.status >= 400:
            kind = "HTTP 4xx"
        elif page.method == "POST" and page.status == 200:
            kind = "form refused"
        else:
            kind = "unexpected status"
        errors = [html.unescape(e).strip() for e in FIELD_ERROR.findall(page.text)]
        alerts = [text for _, text in page.messages()]
        detail = " | ".join([*alerts, *errors]) or page.text[:300]
        self.recorder.error(kind, f"{page.describe()}: {detail}")
        raise FlowBroken

    def get(self, path: str, kind: str, htmx_target: str | None = None) -> Page:
        return self.call("GET", path, kind=kind, htmx_target=htmx_target)

    def post(self, path: str, kind: str, fields: Sequence[tuple[str, str]] = ()) -> Page:
        """Submit a form of the last page read; the portal answers with a redirect."""
        return self.call("POST", path, kind=kind, form=fields, expect=(302,))

    def follow(self, page: Page, kind: str) -> Page:
        if not page.location.startswith("/"):
            self.flow_error("unexpected page", page, f"redirect to {page.location!r}")
        return self.get(page.location, kind)

    def confirmed(self, page: Page, expected: str, after: Page) -> None:
        """The page followed after a write shows its success message, and no error."""
        shown = page.messages()
        refusals = [text for level, text in shown if level == "danger"]
        if refusals:
            self.flow_error("refused", after, " | ".join(refusals))
        if not any(expected in text for level, text in shown if level in {"success", "info"}):
            self.flow_error(
                "unexpected page", after, f"no message {expected!r} (shown: {shown or 'none'})"
            )

    def flow_error(self, kind: str, page: Page, detail: str) -> NoReturn:
        self.recorder.error(kind, f"{page.describe()}: {detail}")
        raise FlowBroken


# --- The people -------------------------------------------------------------------------------


@dataclass
class Population:
    password: str
    employees: list[str]
    leads: list[tuple[str, str, str]]  # username, department slug, API token
    reviewers: list[str]

    def __post_init__(self) -> None:
        self._next_employee = 0
        self._lock = threading.Lock()

    def next_employee(self) -> str:
        """Employees sign in one after another; once all have, they come back (owing nothing)."""
        with self._lock:
            username = self.employees[self._next_employee % len(self.employees)]
            self._next_employee += 1
            return username


def seed_population(
    *,
    employees: int,
    leads_per_department: int,
    reviewers: int,
    demo_use_cases: bool,
    backlog: int = 0,
) -> Population:
    """The demo company (``seed_demo``; without its use cases if ``demo_use_cases`` is off) and
    more people through the ORM: employees across the departments, leads in every department
    (each with an API token), reviewers. One password hash for all: hashing is slow on purpose.
    ``backlog`` cases are submitted through the services first, so reviewers start with work."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from policies.demo import seed_policies
    from policies.register.demo import seed_register
    from policies.search import seed_search_index
    from portal.demo import seed_all, seed_people
    from portal.models import BearerToken, Department, User
    from portal.roles import Role
    from portal.tokens import token_create
    from usecases import services
    from usecases.inputs import NewIntake

    if demo_use_cases:
        seed_all()
    else:
        for step in (seed_people, seed_policies, seed_register, seed_search_index):
            step()
    departments = list(Department.objects.order_by("slug"))
    password = make_password(SOAK_PASSWORD)

    def people(prefix: str, count: int, department_of: Callable[[int], Department]) -> list[User]:
        return User.objects.bulk_create(
            [
                User(
                    username=f"{prefix}{n:04d}",
                    first_name=prefix.strip("-").title(),
                    last_name=f"No. {n}",
                    email=f"{prefix}{n:04d}@example.com",
                    department=department_of(n),
                    password=password,
                )
                for n in range(1, count + 1)
            ]
        )

    staff = people("soak-employee-", employees, lambda n: departments[n % len(departments)])
    lead_count = leads_per_department * len(departments)
    leads = people("soak-lead-", lead_count, lambda n: departments[(n - 1) % len(departments)])
    cio = Department.objects.filter(slug="it-operations").first() or departments[0]
    checkers = people("soak-reviewer-", reviewers, lambda n: cio)
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in Role.values}
    membership = User.groups.through
    membership.objects.bulk_create(
        [membership(user_id=u.pk, group_id=groups[Role.BUSINESS_LEAD].pk) for u in leads]
        + [membership(user_id=u.pk, group_id=groups[Role.REVIEWER].pk) for u in checkers]
    )
    tokens = {
        u.pk: token_create(kind=BearerToken.Kind.PERSONAL, name="soak", by=None, owner=u)[1]
        for u in leads
    }
    rng = random.Random(backlog)
    for n in range(backlog):
        lead = User.objects.get(pk=leads[n % len(leads)].pk)
        proposal = Proposal.invent(rng, f"{rng.choice(TITLES)} (backlog #{n + 1})")
        draft = services.usecase_create_draft(
            by=lead, data=NewIntake.parse({**proposal.idea, **proposal.value, **proposal.data})
        )
        services.usecase_submit(usecase=draft, by=lead)
    by_pk = {d.pk: d.slug for d in departments}
    return Population(
        password=SOAK_PASSWORD,
        employees=[u.username for u in staff],
        leads=[(u.username, by_pk[u.department_id or 0], tokens[u.pk]) for u in leads],
        reviewers=[u.username for u in checkers],
    )


# --- What the virtual people do -----------------------------------------------------------------

TITLES = [
    "Draft answers to customer emails",
    "Summarise supplier contracts",
    "Meeting notes and action items",
    "Translate product documentation",
    "First-line IT helpdesk assistant",
    "Code review suggestions",
    "Personalised marketing copy",
    "Invoice anomaly explanations",
    "Onboarding questions chatbot",
    "Tender response drafting",
    "Classify incoming complaints",
    "Search across engineering wikis",
]
PROBLEMS = [
    "Agents spend a third of their day writing near-identical replies by hand.",
    "Reading long contracts before renewals takes legal two days per supplier.",
    "Nobody writes minutes, so decisions get lost between meetings.",
    "Customers in five countries wait weeks for translated manuals.",
]
SOLUTIONS = [
    "The assistant drafts a reply; the agent checks, edits and sends it.",
    "The model summarises each contract and flags unusual clauses for a lawyer.",
    "The tool writes minutes from the transcript; the chair approves them.",
    "A model translates; a native speaker reviews before publishing.",
]
REASONS = {
    "rejected": [
        "Overlaps with the CRM vendor's own assistant, which we already license.",
        "The benefit does not justify the data risk for this department.",
    ],
    "on_hold": [
        "Waiting for the data protection impact assessment before we decide.",
        "Revisit after the pilot of the shared assistant ends next quarter.",
    ],
}
EXCEPTION_REASON = "Accepted for a time-boxed pilot with a named owner; review at three months."
EXCEPTION_CONDITIONS = "One team, the data named in the intake, until the pilot review."
NOT_READY_REASON = "Not ready for approval yet: the ratings, archetype and estimate come first."
SEARCH_WORDS = ["customer data", "confidential", "prompt injection", "translation", "copilot"]
CLASSIFICATIONS = ["public", "internal", "confidential", "restricted"]
CHOICES = {
    "value_lever": ["productivity", "growth", "new_business_model"],
    "business_function": ["customer_service", "marketing_sales", "software_engineering", "legal"],
    "data_classification": CLASSIFICATIONS,
    "human_oversight": ["every_output", "spot_checks", "fully_automated"],
}
DATA_CATEGORIES = ["personal", "customer", "employee", "source_code", "financial", "health"]
AUDIENCES = ["internal", "customers", "public"]
TOOL_LINK = re.compile(r'href="/tools/([a-z0-9-]+)/"')
TOOL_CHECKBOX = re.compile(r'name="preferred_tools" value="(\d+)"')
POLICY_LINK = re.compile(r'href="/policies/([a-z0-9-]+)/"')
OWED_LINK = re.compile(r'href="/policies/([a-z0-9-]+)/">Read and acknowledge')
ACK_VERSION = re.compile(r"I have read version (\d+) of")
INTAKE_STEP = re.compile(r"^/usecases/(UC-\d+)/edit/([a-z]+)/$")
TRANSITION = re.compile(
    r'name="to" value="(\w+)"[^>]*><input type="hidden" name="expected_version" value="(\d+)"'
)
EXPECTED_VERSION = re.compile(r'name="expected_version" value="(\d+)"')
FINDING_KEY = re.compile(r'name="finding_key" value="([^"]+)"')
QUEUE_ROW = re.compile(
    r'<tr data-testid="queue-row">.*?href="/usecases/(UC-\d+)/".*?data-testid="status">([^<]+)<',
    re.S,
)


STATUS_WORDS = {
    "submitted": "submitted",
    "in_review": "in review",
    "approved": "approved",
    "rejected": "rejected",
    "on_hold": "on hold",
}


def case_number(reference: str) -> int:
    return int(reference.removeprefix("UC-"))


class VirtualPerson:
    """One person in a thread: sessions one after another until the load stops."""

    def __init__(
        self,
        index: int,
        crowd: int,
        base_url: str,
        population: Population,
        recorder: Recorder,
        stop: threading.Event,
        *,
        think: float,
        seed: int,
    ) -> None:
        self.index = index  # among the people doing the same job
        self.crowd = crowd  # how many do that job
        self.base_url = base_url
        self.population = population
        self.recorder = recorder
        self.stop = stop
        self.think_scale = think
        self.rng = random.Random(seed)
        self.seq = 0
        self.sessions = 0

    def think(self, low: float, high: float) -> None:
        if self.stop.wait(self.rng.uniform(low, high) * self.think_scale):
            raise Stopped

    def step(self) -> None:
        if self.stop.is_set():
            raise Stopped

    def record(
        self, kind: str, page: Page, actor: str, target: str, via: str, **details: Any
    ) -> None:
        self.seq += 1
        self.recorder.write(
            Write(kind, page.request_id, actor, target, via, details, self.index * 10**7 + self.seq)
        )

    def sign_in(self, browser: Browser, username: str) -> Page:
        browser.get("/accounts/login/", "sign-in page")
        self.think(0.5, 1.5)
        signed_in = browser.post(
            "/accounts/login/",
            "sign in",
            [("username", username), ("password", self.population.password), ("next", "")],
        )
        if signed_in.location != "/":
            browser.flow_error("unexpected page", signed_in, f"redirect to {signed_in.location!r}")
        return browser.follow(signed_in, "home")

    def sign_out(self, browser: Browser) -> None:
        browser.post("/accounts/logout/", "sign out")

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.sessions += 1
                self.session()
                continue
            except Stopped:
                return
            except FlowBroken:
                pass  # recorded; start again with a new session
            except Exception as error:  # a bug of the soak itself: show it, keep going
                self.recorder.error("soak script error", f"{type(error).__name__}: {error}")
            if self.stop.wait(1):
                return

    def session(self) -> None:
        raise NotImplementedError


class Employee(VirtualPerson):
    """Signs in, acknowledges what the home page says is owed, browses, signs out."""

    tools: list[str]
    policies: list[str]

    def session(self) -> None:
        username = self.population.next_employee()
        browser = Browser(self.base_url, self.recorder)
        try:
            home = self.sign_in(browser, username)
            owed = OWED_LINK.findall(home.text)
            for slug in owed:
                self.think(0.5, 2)
                policy = browser.get(f"/policies/{slug}/", "policy page")
                version = ACK_VERSION.search(policy.text)
                if version is None:
                    browser.flow_error("unexpected page", policy, "owed, but no acknowledge form")
                    return
                self.think(1, 3)
                answer = browser.post(f"/policies/{slug}/acknowledge/", "acknowledge")
                shown = browser.follow(answer, "policy page")
                browser.confirmed(shown, "Thank you: you acknowledged", answer)
                self.record(
                    "policy.acknowledged",
                    answer,
                    username,
                    slug,
                    "page",
                    version=int(version.group(1)),
                )
            if owed:  # back on the home page, nothing is owed any more
                self.think(0.5, 1.5)
                home = browser.get("/", "home")
                if OWED_LINK.findall(home.text):
                    still = OWED_LINK.findall(home.text)
                    browser.flow_error("unexpected page", home, f"still owes {still}")
            for _ in range(self.rng.randint(10, 25)):
                self.think(0.5, 2.5)
                self.browse(browser)
            self.think(0.2, 1)
            self.sign_out(browser)
        finally:
            browser.close()

    def browse(self, browser: Browser) -> None:
        if not getattr(self, "tools", None):
            register = browser.get("/tools/", "tools register")
            self.tools = sorted(set(TOOL_LINK.findall(register.text)) - {"new"})
        if not getattr(self, "policies", None):
            listing = browser.get("/policies/", "policy list")
            self.policies = sorted(set(POLICY_LINK.findall(listing.text)) - {"new"})
        choice = self.rng.random()
        if choice < 0.15:
            browser.get("/", "home")
        elif choice < 0.3:
            browser.get("/policies/", "policy list")
        elif choice < 0.45 and self.policies:
            browser.get(f"/policies/{self.rng.choice(self.policies)}/", "policy page")
        elif choice < 0.55:
            browser.get("/tools/", "tools register")
        elif choice < 0.75 and self.tools:
            query = urlencode(
                {"tool": self.rng.choice(self.tools), "data": self.rng.choice(CLASSIFICATIONS)}
            )
            if self.rng.random() < 0.5:
                browser.get(f"/tools/?{query}", "tool lookup (htmx)", htmx_target="lookup-answer")
            else:
                browser.get(f"/tools/?{query}", "tool lookup")
        elif choice < 0.85 and self.tools:
            browser.get(f"/tools/{self.rng.choice(self.tools)}/", "tool page")
        else:
            browser.get(f"/search/?{urlencode({'q': self.rng.choice(SEARCH_WORDS)})}", "search")


@dataclass
class Proposal:
    """One use case as a lead fills it in."""

    idea: dict[str, Any]
    value: dict[str, Any]
    data: dict[str, Any]

    @classmethod
    def invent(cls, rng: random.Random, title: str) -> Proposal:
        hours = rng.random() < 0.6
        return cls(
            idea={
                "title": title,
                "problem": rng.choice(PROBLEMS),
                "proposed_solution": rng.choice(SOLUTIONS),
                "value_lever": rng.choice(CHOICES["value_lever"]),
                "business_function": rng.choice(CHOICES["business_function"]),
            },
            value={
                "people_affected": rng.randint(5, 2000),
                "benefit_kind": "hours_saved" if hours else "revenue",
                "hours_saved_per_person_per_week": (
                    f"{rng.randint(5, 100) / 10:.1f}" if hours else ""
                ),
                "revenue_per_year": ""
                if hours
                else f"{rng.randint(2_000_000, 90_000_000) / 100:.2f}",
                "benefit_confidence": rng.randint(30, 95),
            },
            data={
                "data_classification": rng.choice(CLASSIFICATIONS),
                "data_categories": rng.sample(DATA_CATEGORIES, rng.randint(0, 2)),
                "output_audience": rng.sample(AUDIENCES, rng.randint(1, 2)),
                "human_oversight": rng.choice(CHOICES["human_oversight"]),
            },
        )

    @staticmethod
    def as_form(values: dict[str, Any]) -> list[tuple[str, str]]:
        fields: list[tuple[str, str]] = []
        for name, value in values.items():
            if isinstance(value, list):
                fields.extend((name, str(item)) for item in value)
            else:
                fields.append((name, str(value)))
        return fields

    def as_json(self, tools: list[str]) -> dict[str, Any]:
        merged = {**self.idea, **self.value, **self.data}
        return {
            **{k: (None if v == "" else v) for k, v in merged.items()},
            "preferred_tools": tools,
        }


class Lead(VirtualPerson):
    """Proposes use cases through the intake pages (a share through the API) and submits them."""

    api_share = 0.3
    draft_share = 0.1
    tool_slugs: list[str]

    def session(self) -> None:
        # The leads' accounts are shared out between the virtual leads; each session is the
        # next of its accounts.
        own = self.population.leads[self.index :: self.crowd] or self.population.leads
        username, _department, token = own[self.sessions % len(own)]
        browser = Browser(self.base_url, self.recorder)
        try:
            self.sign_in(browser, username)
            for _ in range(self.rng.randint(3, 6)):
                self.think(1, 3)
                if self.rng.random() < self.api_share:
                    self.propose_through_api(username, token)
                else:
                    self.propose_through_pages(browser, username)
            self.think(0.2, 1)
            self.sign_out(browser)
        finally:
            browser.close()

    def title(self, username: str) -> str:
        return f"{self.rng.choice(TITLES)} ({username} #{self.seq + 1})"

    def propose_through_pages(self, browser: Browser, username: str) -> None:
        browser.get("/usecases/", "use case list")
        self.think(0.5, 1.5)
        browser.get("/usecases/new/", "intake page")
        proposal = Proposal.invent(self.rng, self.title(username))
        self.think(2, 5)
        saved = browser.post(
            "/usecases/new/", "intake save", [*proposal.as_form(proposal.idea), ("action", "next")]
        )
        step = INTAKE_STEP.match(saved.location)
        if step is None or step.group(2) != "value":
            browser.flow_error("unexpected page", saved, f"redirect to {saved.location!r}")
            return
        reference = step.group(1)
        self.record("usecase.created", saved, username, reference, "page", fields=proposal.idea)
        for slug, values, following in (
            ("value", proposal.value, "data"),
            ("data", proposal.data, "use"),
        ):
            self.step()
            browser.get(f"/usecases/{reference}/edit/{slug}/", "intake page")
            self.think(1, 4)
            saved = browser.post(
                f"/usecases/{reference}/edit/{slug}/",
                "intake save",
                [*proposal.as_form(values), ("action", "next")],
            )
            self.next_step(browser, saved, reference, following)
            self.record("usecase.updated", saved, username, reference, "page", fields=values)
        self.skip_step(browser, reference, "use", "tools")  # volume and review: left as assumed
        self.step()
        tools_page = browser.get(f"/usecases/{reference}/edit/tools/", "intake page")
        offered = TOOL_CHECKBOX.findall(tools_page.text)
        chosen = self.rng.sample(offered, min(len(offered), self.rng.choice([0, 1, 1, 2])))
        self.think(1, 3)
        saved = browser.post(
            f"/usecases/{reference}/edit/tools/",
            "intake save",
            [*(("preferred_tools", pk) for pk in chosen), ("action", "next")],
        )
        self.next_step(browser, saved, reference, "systems")
        if chosen:  # no tools chosen: nothing changed, nothing written
            tool_pks = sorted(int(pk) for pk in chosen)
            self.record("usecase.updated", saved, username, reference, "page", tool_pks=tool_pks)
        saved = self.skip_step(browser, reference, "systems", "review")  # "skip if unsure"
        self.step()
        review = browser.follow(saved, "intake page")
        if 'data-testid="missing"' in review.text:
            browser.flow_error("unexpected page", review, "the check page says answers are missing")
        forms = dict(TRANSITION.findall(review.text))
        if "submitted" not in forms:
            browser.flow_error("unexpected page", review, "no submit form on the check page")
        if self.rng.random() < self.draft_share:
            return  # kept as a draft for later
        self.think(1, 3)
        sent = browser.post(
            f"/usecases/{reference}/transition/",
            "submit",
            [("to", "submitted"), ("expected_version", forms["submitted"]), ("comment", "")],
        )
        shown = browser.follow(sent, "case page")
        browser.confirmed(shown, f"{reference} is now submitted.", sent)
        self.record("usecase.submitted", sent, username, reference, "page", comment="")
        for _ in range(self.rng.randint(0, 2)):
            self.think(1, 2)
            browser.get(
                f"/usecases/{reference}/estimates/", "estimates panel (htmx)", "estimates-panel"
            )

    def skip_step(self, browser: Browser, reference: str, slug: str, following: str) -> Page:
        """An optional step left as it is (nothing changes, so nothing is written)."""
        self.step()
        browser.get(f"/usecases/{reference}/edit/{slug}/", "intake page")
        self.think(0.5, 2)
        saved = browser.post(
            f"/usecases/{reference}/edit/{slug}/", "intake save", [("action", "next")]
        )
        self.next_step(browser, saved, reference, following)
        return saved

    @staticmethod
    def next_step(browser: Browser, saved: Page, reference: str, step: str) -> None:
        """Saved: the portal moves on to the next step (a refusal redirects to the case)."""
        if saved.location != f"/usecases/{reference}/edit/{step}/":
            browser.flow_error("unexpected page", saved, f"redirect to {saved.location!r}")

    def propose_through_api(self, username: str, token: str) -> None:
        client = Browser(self.base_url, self.recorder, token=token)
        try:
            if not getattr(self, "tool_slugs", None):
                listing = client.get("/api/v1/register/?page_size=200", "api: register")
                self.tool_slugs = sorted(entry["slug"] for entry in listing.json()["results"])
            proposal = Proposal.invent(self.rng, self.title(username))
            tools = self.rng.sample(self.tool_slugs, self.rng.choice([0, 1, 1, 2]))
            payload = proposal.as_json(tools)
            created = client.call(
                "POST",
                "/api/v1/usecases/",
                kind="api: create case",
                json_body=payload,
                expect=(201,),
            )
            reference = str(created.json()["reference"])
            fields = {**proposal.idea, **proposal.value, **proposal.data}
            self.record(
                "usecase.created", created, username, reference, "api", fields=fields, tools=tools
            )
            if self.rng.random() < self.draft_share:
                return
            self.think(0.2, 1)
            sent = client.call(
                "POST",
                f"/api/v1/usecases/{reference}/submit/",
                kind="api: submit",
                json_body={"expected_version": created.json()["version"]},
            )
            if sent.json().get("status") != "submitted":
                client.flow_error("unexpected page", sent, f"status {sent.json().get('status')}")
            self.record("usecase.submitted", sent, username, reference, "api", comment="")
            client.get(f"/api/v1/usecases/{reference}/", "api: read case")
        finally:
            client.close()


class Reviewer(VirtualPerson):
    """Works through its share of the review queue: starts the review and decides."""

    def session(self) -> None:
        username = self.population.reviewers[self.index % len(self.population.reviewers)]
        browser = Browser(self.base_url, self.recorder)
        try:
            self.sign_in(browser, username)
            for _ in range(self.rng.randint(15, 30)):
                self.step()
                queue = browser.get("/review/", "review queue")
                mine = [
                    reference
                    for reference, status in QUEUE_ROW.findall(queue.text)
                    if status.strip() in {"Submitted", "On hold"}
                    # the queue is split between the reviewers by case number
                    and case_number(reference) % self.crowd == self.index
                ]
                if not mine:
                    self.think(1, 3)
                    self.look_around(browser)
                    continue
                self.think(0.5, 1.5)
                self.review(browser, username, mine[0])
            self.sign_out(browser)
        finally:
            browser.close()

    def look_around(self, browser: Browser) -> None:
        if self.rng.random() < 0.5:
            browser.get("/portfolio/", "portfolio")
        else:
            browser.get("/usecases/?status=submitted", "use case list")

    def move(
        self, browser: Browser, page: Page, username: str, reference: str, to: str, comment: str
    ) -> Page:
        forms = dict(TRANSITION.findall(page.text))
        if to not in forms:
            browser.flow_error("unexpected page", page, f"no form to move the case to {to}")
        sent = browser.post(
            f"/usecases/{reference}/transition/",
            "decide",
            [("to", to), ("expected_version", forms[to]), ("comment", comment)],
        )
        shown = browser.follow(sent, "case page")
        browser.confirmed(shown, f"{reference} is now {STATUS_WORDS[to]}.", sent)
        self.record(f"usecase.{to}", sent, username, reference, "page", comment=comment)
        return shown

    def review(self, browser: Browser, username: str, reference: str) -> None:
        case = browser.get(f"/usecases/{reference}/", "case page")
        self.think(1, 3)
        case = self.move(browser, case, username, reference, "in_review", "")
        self.step()
        decision = self.rng.choices(["approved", "rejected", "on_hold"], [0.5, 0.25, 0.25])[0]
        if decision != "approved":
            self.think(1, 3)
            self.move(
                browser, case, username, reference, decision, self.rng.choice(REASONS[decision])
            )
            return
        questionnaire = browser.get(f"/usecases/{reference}/risk/", "risk questionnaire")
        version = EXPECTED_VERSION.search(questionnaire.text)
        if version is None:
            browser.flow_error("unexpected page", questionnaire, "no questionnaire form")
            return
        limited = self.rng.random() < 0.5
        answers = [("transparency_duties", "synthetic_content")] if limited else []
        self.think(2, 4)
        sent = browser.post(
            f"/usecases/{reference}/risk/",
            "risk answers",
            [*answers, ("expected_version", version.group(1))],
        )
        case = browser.follow(sent, "case page")
        browser.confirmed(case, "Risk tier:", sent)
        tier = "limited" if limited else "minimal"
        self.record("usecase.risk_assessed", sent, username, reference, "page", tier=tier)
        ends = (datetime.now(UTC).date() + timedelta(days=90)).isoformat()
        for key in dict.fromkeys(FINDING_KEY.findall(case.text)):
            self.think(1, 2)
            # Four eyes: this reviewer requests the exception; another one would grant it.
            sent = browser.post(
                f"/usecases/{reference}/exception/",
                "request exception",
                [
                    ("finding_key", key),
                    ("reason", EXCEPTION_REASON),
                    ("conditions", EXCEPTION_CONDITIONS),
                    ("expires_on", ends),
                ],
            )
            case = browser.follow(sent, "case page")
            browser.confirmed(case, "Exception requested", sent)
            self.record(
                "usecase.exception_requested", sent, username, reference, "page", finding_key=key
            )
        self.think(1, 2)
        if "approved" not in dict(TRANSITION.findall(case.text)):
            # The approval gate (usecases.approval) lists what is still missing instead of the
            # button: ratings, the archetype and its estimate are not part of this load yet, and
            # a requested exception waits for a second reviewer.
            self.move(browser, case, username, reference, "on_hold", NOT_READY_REASON)
            return
        self.move(browser, case, username, reference, "approved", "")


@dataclass
class Mix:
    employees: int
    leads: int
    reviewers: int

    @classmethod
    def of(cls, users: int) -> Mix:
        reviewers = max(1, round(users * 0.15))
        leads = max(1, round(users * 0.25))
        return cls(max(1, users - reviewers - leads), leads, reviewers)

    @property
    def users(self) -> int:
        return self.employees + self.leads + self.reviewers


@dataclass
class LoadResult:
    recorder: Recorder
    mix: Mix
    seconds: float
    started_at: datetime
    think: float
    load_average: list[float]  # of the machine (1-minute), sampled during the run


def run_load(
    base_url: str,
    population: Population,
    *,
    seconds: float,
    mix: Mix,
    think: float = 1.0,
    seed: int = 0,
) -> LoadResult:
    """The virtual people, each in its own thread, for ``seconds``; then they stop."""
    from django.utils import timezone

    recorder = Recorder(secrets.token_hex(4))
    stop = threading.Event()
    people: list[VirtualPerson] = []
    for kind, count, offset in (
        (Employee, mix.employees, 0),
        (Lead, mix.leads, 100),
        (Reviewer, mix.reviewers, 200),
    ):
        people += [
            kind(
                n,
                count,
                base_url,
                population,
                recorder,
                stop,
                think=think,
                seed=seed * 1000 + offset + n,
            )
            for n in range(count)
        ]
    threads = [threading.Thread(target=p.run, name=type(p).__name__, daemon=True) for p in people]
    started_at = timezone.now()
    began = time.monotonic()
    # People arrive over the first few seconds, not in the same millisecond.
    arrival = min(10.0, seconds * 0.05) / max(1, len(threads))
    for thread in threads:
        thread.start()
        time.sleep(arrival)
    load_average = []
    while not stop.wait(min(15.0, max(0.0, seconds - (time.monotonic() - began)))):
        load_average.append(round(os.getloadavg()[0], 2))
        if time.monotonic() - began >= seconds:
            break
    stop.set()
    for thread in threads:
        thread.join(timeout=REQUEST_TIMEOUT + 10)
    elapsed = time.monotonic() - began
    stuck = [t.name for t in threads if t.is_alive()]
    if stuck:
        recorder.error("soak script error", f"virtual people still busy after the end: {stuck}")
    return LoadResult(recorder, mix, elapsed, started_at, think, load_average)


# --- The stack ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def stack_environment(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DEBUG": "false",
        "SECURE_HTTPS": "false",  # plain HTTP on loopback
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "API_THROTTLE_USER": UNTHROTTLED,
        "API_THROTTLE_ANON": UNTHROTTLED,
        **extra,
    }
    if not env.get("SECRET_KEY"):
        env["SECRET_KEY"] = secrets.token_urlsafe(50)
    return env


class Process:
    """One of the stack's processes, started with the project's own command, in its own
    process group so that stopping it stops its children (gunicorn's workers, Celery's pool)."""

    def __init__(self, name: str, command: str, env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.log = log_dir / f"{name}.log"
        with self.log.open("wb") as output:
            self.popen = subprocess.Popen(  # noqa: S603 - the project's own scripts
                [str(ROOT / "bin" / command)],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, characters: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-characters:]

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)


def ensure_static_files(env: dict[str, str]) -> None:
    """Production settings serve hashed static files from ``collectstatic``'s manifest."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def wait_for_health(base_url: str, web: Process, timeout: float = 90) -> None:
    """``/healthz`` answers 200 once the database, Redis and a worker answer."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if not web.alive():
            raise RuntimeError(f"gunicorn exited:\n{web.tail()}")
        parts = urlsplit(base_url)
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
        try:
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            last = f"{response.status} {response.read()[:300]!r}"
            if response.status == 200:
                return
        except OSError as error:
            last = str(error)
        finally:
            connection.close()
        time.sleep(0.5)
    raise RuntimeError(f"/healthz did not answer 200 within {timeout:.0f} s ({last})")


@contextmanager
def web_server(
    database_url: str, redis_url: str, log_dir: Path, *, static: bool = False
) -> Iterator[str]:
    """gunicorn with ``bin/web`` on a free loopback port; yields its base URL once healthy."""
    port = free_port()
    env = stack_environment(database_url, redis_url, BIND=f"127.0.0.1:{port}")
    manifest = ROOT / "var" / "staticfiles" / "staticfiles.json"
    if static or not manifest.exists():
        ensure_static_files(env)
    web = Process("web", "web", env, log_dir)
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_for_health(base_url, web)
        yield base_url
    finally:
        web.stop()


def start_worker(database_url: str, redis_url: str, log_dir: Path, **extra: str) -> Process:
    from portal.celery import app

    name = f"soak-{secrets.token_hex(3)}"
    worker = Process(
        "worker",
        "worker",
        stack_environment(database_url, redis_url, WORKER_NAME=name, **extra),
        log_dir,
    )
    hostname = f"{name}@{os.uname().nodename}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if not worker.alive():
            raise RuntimeError(f"the Celery worker exited:\n{worker.tail()}")
        if app.control.ping(destination=[hostname], timeout=1.0):
            return worker
        time.sleep(0.5)
    worker.stop()
    raise RuntimeError(f"the Celery worker did not answer within 90 s:\n{worker.tail()}")


def queued_tasks(redis_url: str) -> int:
    """Tasks waiting in the broker's queues or taken by a worker and not yet acknowledged."""
    import redis

    client = redis.Redis.from_url(redis_url)
    waiting = sum(
        int(client.llen(key))
        for key in client.scan_iter(count=500)
        if not key.startswith(b"_kombu") and client.type(key) == b"list"
    )
    return waiting + int(client.hlen("unacked"))


def wait_for_drain(redis_url: str, timeout: float) -> float | None:
    """Wait until the queues are empty and no estimate is still to compute; returns the seconds
    waited, or None if that did not happen within ``timeout``."""
    from usecases.estimates.models import ACTIVE_STATUSES, EstimateRun

    began = time.monotonic()
    calm = 0
    while time.monotonic() - began < timeout:
        busy = (
            queued_tasks(redis_url) + EstimateRun.objects.filter(status__in=ACTIVE_STATUSES).count()
        )
        calm = calm + 1 if busy == 0 else 0
        if calm >= 3:  # three quiet looks in a row: a task may enqueue another
            return time.monotonic() - began
        time.sleep(1)
    return None


# --- The checks ---------------------------------------------------------------------------------

NOTIFYING = {
    "usecase.submitted": "submitted for review",
    "usecase.approved": "approved",
    "usecase.rejected": "rejected",
    "usecase.on_hold": "put on hold",
}


@dataclass
class Verification:
    writes: dict[str, dict[str, int]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    cases_checked: int = 0
    acknowledgements_checked: int = 0
    estimates: dict[str, int] = field(default_factory=dict)
    notifications: dict[str, int] = field(default_factory=dict)

    @property
    def lost(self) -> int:
        return sum(max(0, row["confirmed"] - row["found"]) for row in self.writes.values())

    def problem(self, text: str) -> None:
        self.problems.append(text)


LOGGED_ERROR = re.compile(r"\b(ERROR|CRITICAL)\b|Traceback")


def logged_errors(logs: Sequence[Path]) -> list[str]:
    """Lines of the stack's logs that report an error (a 500, a failed task, a traceback)."""
    found = []
    for log in logs:
        for line in log.read_text(errors="replace").splitlines():
            if LOGGED_ERROR.search(line):
                found.append(f"{log.name}: {line.strip()[:300]}")
    return found


def emails_in(mail_dir: Path) -> list[str]:
    """Subjects of the emails the file backend wrote (one file per connection)."""
    subjects = []
    for path in sorted(mail_dir.glob("*.log")):
        for chunk in path.read_text(errors="replace").split("-" * 79):
            if chunk.strip():
                message = email.message_from_string(chunk.strip(), policy=email.policy.default)
                subjects.append(str(message["Subject"] or ""))
    return subjects


def _expected_case(writes: list[Write]) -> dict[str, Any]:
    """The fields a case must hold after these confirmed writes, in their order."""
    # A case proposed on the pages has no tools unless the tools step chose some.
    expected: dict[str, Any] = {"tool_pks": []} if writes and writes[0].via == "page" else {}
    for write in writes:
        expected.update(write.details.get("fields", {}))
        if "tool_pks" in write.details:
            expected["tool_pks"] = write.details["tool_pks"]
        if "tools" in write.details:
            expected["tool_slugs"] = sorted(write.details["tools"])
    return expected


def _same(field_name: str, stored: Any, sent: Any) -> bool:
    if sent in ("", None):
        return stored in ("", None)
    if field_name == "hours_saved_per_person_per_week":
        return stored is not None and Decimal(stored) == Decimal(str(sent)).quantize(Decimal("0.1"))
    if field_name == "revenue_per_year":
        return stored is not None and Decimal(stored) == Decimal(str(sent)).quantize(
            Decimal("0.01")
        )
    if isinstance(sent, list):
        return sorted(stored or []) == sorted(sent)
    if isinstance(sent, int):
        return bool(stored == sent)
    return str(stored) == " ".join(str(sent).split())


MOVES = {"usecase.in_review", "usecase.approved", "usecase.rejected", "usecase.on_hold"}


def _move_order(write: Write) -> tuple[int, int]:
    # A lead's submission comes before any reviewer's move on the case; a reviewer's moves on one
    # case happen in the order that reviewer made them.
    return (0 if write.kind == "usecase.submitted" else 1, write.seq)


def verify(load: LoadResult, *, mail_dir: Path | None, logs: Sequence[Path] = ()) -> Verification:
    """Check every confirmed write against the database (see the module's docstring), and that
    the ``logs`` of the stack report no error."""
    from policies.models import Acknowledgement
    from portal.models import AuditEvent, User
    from usecases.estimates.models import ACTIVE_STATUSES, EstimateRun, RunStatus
    from usecases.models import GuardrailException, UseCase

    recorder = load.recorder
    result = Verification()
    for line in logged_errors(logs):
        result.problem(f"logged: {line}")
    events: dict[str, list[AuditEvent]] = defaultdict(list)
    for event in AuditEvent.objects.filter(request_id__startswith=recorder.request_id_prefix):
        events[event.request_id].append(event)

    # Each confirmed write left exactly one audit event with its request id, by its author.
    matched: set[int] = set()
    kinds = sorted(
        {w.kind for w in recorder.writes} | {e.action for v in events.values() for e in v}
    )
    counts = {kind: {"confirmed": 0, "found": 0} for kind in kinds}
    event_of: dict[str, AuditEvent] = {}
    for write in recorder.writes:
        counts[write.kind]["confirmed"] += 1
        found = [e for e in events.get(write.request_id, []) if e.action == write.kind]
        if not found:
            result.problem(
                f"lost: {write.kind} of {write.target} by {write.actor} ({write.request_id})"
            )
            continue
        if len(found) > 1:
            result.problem(f"written {len(found)} times: {write.kind} ({write.request_id})")
        event = found[0]
        counts[write.kind]["found"] += 1
        matched.update(e.pk for e in found)
        event_of[write.request_id] = event
        if event.actor_label != write.actor:
            result.problem(f"{write.request_id}: written by {event.actor_label}, not {write.actor}")
        if "comment" in write.details and event.comment != write.details["comment"]:
            result.problem(f"{write.request_id}: comment {event.comment!r}")
    for batch in events.values():
        for event in batch:
            if event.pk not in matched:
                result.problem(
                    f"written but never confirmed: {event.action} on {event.object_label} "
                    f"({event.request_id})"
                )
    result.writes = counts

    # The cases: contents as sent, status after the last confirmed move, its decisions.
    by_case: dict[str, list[Write]] = defaultdict(list)
    for write in recorder.writes:
        if write.kind.startswith("usecase."):
            by_case[write.target].append(write)
    created = {w.target for w in recorder.writes if w.kind == "usecase.created"}
    cases = {
        c.reference: c
        for c in UseCase.objects.filter(reference__in=list(by_case))
        .select_related("submitter", "department")
        .prefetch_related("preferred_tools")
    }
    departments = {
        u.username: u.department_id
        for u in User.objects.filter(username__in={w.actor for w in recorder.writes})
    }
    submitted_in_run = {w.target for w in recorder.writes if w.kind == "usecase.submitted"}
    for reference, writes in by_case.items():
        case = cases.get(reference)
        if case is None:
            result.problem(f"lost: the case {reference}")
            continue
        result.cases_checked += 1
        writes.sort(key=lambda w: (w.kind != "usecase.created", w.seq))
        for write in writes:
            written = event_of.get(write.request_id)
            if written is not None and written.object_id != str(case.pk):
                result.problem(f"{write.request_id}: written on object {written.object_id}")
        if reference in created:
            lead = writes[0]
            if case.submitter.username != lead.actor:
                result.problem(
                    f"{reference}: submitter {case.submitter.username}, not {lead.actor}"
                )
            if case.department_id != departments.get(lead.actor):
                result.problem(f"{reference}: department {case.department.slug}")
            expected = _expected_case(writes)
            for name, sent in expected.items():
                if name == "tool_pks":
                    stored: Any = sorted(t.pk for t in case.preferred_tools.all())
                elif name == "tool_slugs":
                    stored = sorted(t.slug for t in case.preferred_tools.all())
                else:
                    stored = getattr(case, name)
                if not _same(name, stored, sent):
                    result.problem(f"{reference}: {name} is {stored!r}, was sent {sent!r}")
        moves = [w for w in writes if w.kind == "usecase.submitted" or w.kind in MOVES]
        if moves:
            final = max(moves, key=_move_order).kind.removeprefix("usecase.")
            if case.status != final:
                result.problem(f"{reference}: status {case.status}, last confirmed move {final}")
        elif reference in created and case.status != "draft":
            result.problem(f"{reference}: status {case.status}, never submitted")
        for write in writes:
            if write.kind == "usecase.risk_assessed":
                written = event_of.get(write.request_id)
                tier = (written.after or {}).get("risk_tier") if written else None
                if tier != write.details["tier"]:
                    result.problem(
                        f"{reference}: risk tier {tier}, expected {write.details['tier']}"
                    )
            if write.kind == "usecase.exception_requested":
                key = write.details["finding_key"]
                if not GuardrailException.objects.filter(usecase=case, finding_key=key).exists():
                    result.problem(f"{reference}: no exception for {key}")

    created_rows = UseCase.objects.filter(created_at__gte=load.started_at).count()
    if created_rows != len(created):
        result.problem(f"{created_rows} cases created during the run, {len(created)} confirmed")

    # Acknowledgements: one row per (person, version) confirmed, and no other.
    acks = [w for w in recorder.writes if w.kind == "policy.acknowledged"]
    rows = set(
        Acknowledgement.objects.filter(acknowledged_at__gte=load.started_at).values_list(
            "user__username", "policy__slug", "version_number"
        )
    )
    for write in acks:
        result.acknowledgements_checked += 1
        if (write.actor, write.target, write.details["version"]) not in rows:
            result.problem(
                f"lost: {write.actor} acknowledged {write.target} v{write.details['version']}"
            )
    if len(rows) != len(acks):
        result.problem(f"{len(rows)} acknowledgements in the database, {len(acks)} confirmed")

    # Estimates: every case submitted in the run has its three, done, once.
    done = unfinished = 0
    runs_by_case: dict[int, list[EstimateRun]] = defaultdict(list)
    submitted_pks = [cases[r].pk for r in submitted_in_run if r in cases]
    for run in EstimateRun.objects.filter(usecase_id__in=submitted_pks):
        runs_by_case[run.usecase_id].append(run)
    for reference in submitted_in_run:
        case = cases.get(reference)
        if case is None:
            continue
        runs = runs_by_case.get(case.pk, [])
        current = sorted(r.archetype for r in runs if r.is_current)
        if current != ["maker", "shaper", "taker"] or len(runs) != 3:
            result.problem(f"{reference}: estimate runs {[(r.archetype, r.status) for r in runs]}")
        for run in runs:
            if run.status == RunStatus.DONE:
                done += 1
            else:
                unfinished += 1
                result.problem(f"{reference}: {run.archetype} estimate {run.status} {run.error}")
    anywhere = EstimateRun.objects.filter(status__in=[*ACTIVE_STATUSES, RunStatus.FAILED]).count()
    if anywhere:
        result.problem(f"{anywhere} estimate runs waiting, queued, running or failed")
    result.estimates = {
        "cases": len(submitted_in_run),
        "runs_done": done,
        "runs_unfinished": unfinished,
        "unfinished_anywhere": anywhere,
    }

    # Emails: one for every submission and decision (exactly one for the run's own cases).
    if mail_dir is not None:
        subjects = Counter(emails_in(mail_dir))
        expected_emails: Counter[str] = Counter()
        for write in recorder.writes:
            if write.kind in NOTIFYING:
                expected_emails[f"{write.target} {NOTIFYING[write.kind]}:"] += 1
        found_emails = 0
        for prefix, wanted in expected_emails.items():
            have = sum(n for subject, n in subjects.items() if subject.startswith(prefix))
            found_emails += min(have, wanted)
            reference = prefix.split(" ", 1)[0]
            if have < wanted or (reference in created and have != wanted):
                result.problem(f"{have} emails “{prefix}…”, expected {wanted}")
        result.notifications = {
            "expected": sum(expected_emails.values()),
            "found": found_emails,
        }
    return result


# --- The report ---------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summarise(
    load: LoadResult, verification: Verification, drained: float | None
) -> dict[str, Any]:
    recorder = load.recorder
    by_kind: dict[str, list[Sample]] = defaultdict(list)
    for sample in recorder.samples:
        by_kind[sample.kind].append(sample)
    failed_status = [s for s in recorder.samples if s.status == 0 or s.status >= 400]

    def stats(samples: list[Sample]) -> dict[str, Any]:
        ms = [s.ms for s in samples]
        return {
            "requests": len(samples),
            "rps": round(len(samples) / load.seconds, 2) if load.seconds else 0,
            "p50_ms": round(percentile(ms, 50), 1),
            "p95_ms": round(percentile(ms, 95), 1),
            "p99_ms": round(percentile(ms, 99), 1),
            "max_ms": round(max(ms, default=0), 1),
            "errors": sum(1 for s in samples if s.status == 0 or s.status >= 400),
        }

    errors = sum(recorder.errors.values())
    return {
        "ok": errors == 0 and not verification.problems and drained is not None,
        "when": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_average_during_run": load.load_average,
        },
        "load": {
            "seconds": round(load.seconds, 1),
            "virtual_people": {
                "employees": load.mix.employees,
                "leads": load.mix.leads,
                "reviewers": load.mix.reviewers,
            },
            "think_scale": load.think,
        },
        "requests": {
            "all": stats(recorder.samples),
            "by_kind": {kind: stats(samples) for kind, samples in sorted(by_kind.items())},
            "failed_status": len(failed_status),
        },
        "errors": {
            "total": errors,
            "by_kind": dict(recorder.errors),
            "samples": {k: v for k, v in recorder.error_samples.items()},
        },
        "notes": dict(recorder.notes),
        "writes": verification.writes,
        "lost_writes": verification.lost,
        "problems": verification.problems[:200],
        "problem_count": len(verification.problems),
        "cases_checked": verification.cases_checked,
        "acknowledgements_checked": verification.acknowledgements_checked,
        "estimates": verification.estimates,
        "notifications": verification.notifications,
        "drained_after_seconds": None if drained is None else round(drained, 1),
    }


def render(summary: dict[str, Any]) -> str:
    lines = []
    load = summary["load"]
    people = load["virtual_people"]
    lines.append(
        f"Load: {load['seconds']} s, {sum(people.values())} virtual people "
        f"({people['employees']} employees, {people['leads']} leads, {people['reviewers']} "
        f"reviewers), think time x{load['think_scale']}"
    )
    averages = summary["machine"]["load_average_during_run"]
    if averages:
        lines.append(
            f"Machine: {summary['machine']['cpus']} CPUs, load average during the run "
            f"{min(averages)}-{max(averages)}"
        )
    header = (
        f"{'requests':<28}{'count':>8}{'rps':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'errors':>8}"
    )
    lines += ["", header, "-" * len(header)]
    rows = [*summary["requests"]["by_kind"].items(), ("all", summary["requests"]["all"])]
    for kind, row in rows:
        if kind == "all":
            lines.append("-" * len(header))
        lines.append(
            f"{kind:<28}{row['requests']:>8}{row['rps']:>8}{row['p50_ms']:>9}"
            f"{row['p95_ms']:>9}{row['p99_ms']:>9}{row['errors']:>8}"
        )
    header = f"{'writes':<28}{'confirmed':>10}{'in the db':>10}"
    lines += ["", header, "-" * len(header)]
    for kind, row in summary["writes"].items():
        lines.append(f"{kind:<28}{row['confirmed']:>10}{row['found']:>10}")
    estimates = summary["estimates"]
    lines += [
        "",
        f"Cases checked field by field: {summary['cases_checked']}; acknowledgements checked: "
        f"{summary['acknowledgements_checked']}",
        f"Estimates: {estimates.get('cases', 0)} submitted cases, {estimates.get('runs_done', 0)} "
        f"runs done, {estimates.get('runs_unfinished', 0)} not done",
    ]
    if summary["notifications"]:
        n = summary["notifications"]
        lines.append(f"Emails: {n['found']} of {n['expected']} expected")
    drained = summary["drained_after_seconds"]
    lines.append(
        "Worker drained "
        + (f"{drained} s after the load stopped" if drained is not None else "NOT in time")
    )
    for what, count in summary["notes"].items():
        lines.append(f"Note: {what}: {count}")
    errors = summary["errors"]
    lines.append("")
    lines.append(f"Errors: {errors['total']} {errors['by_kind'] or ''}".rstrip())
    for kind, samples in errors["samples"].items():
        for sample in samples[:5]:
            lines.append(f"  {kind}: {sample}")
    lines.append(f"Lost writes: {summary['lost_writes']}; problems: {summary['problem_count']}")
    for problem in summary["problems"][:20]:
        lines.append(f"  {problem}")
    lines.append("")
    lines.append("PASS: zero errors, nothing lost" if summary["ok"] else "FAIL")
    return "\n".join(lines)


# --- bin/soak -------------------------------------------------------------------------------------


def recreate_database(database_url: str) -> None:
    import psycopg2

    server, name = database_url.rsplit("/", 1)
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise SystemExit(f"SOAK_DATABASE_URL: {name!r} is not a plain database name")
    connection = psycopg2.connect(server + "/postgres", connect_timeout=5)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


STARTED = time.monotonic()


def say(text: str) -> None:
    elapsed = int(time.monotonic() - STARTED)
    print(f"==> [{elapsed // 60}:{elapsed % 60:02d}] {text}", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bin/soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0, help="how long the load runs")
    parser.add_argument("--users", type=int, default=20, help="virtual people at once")
    parser.add_argument("--think", type=float, default=1.0, help="scale of the pauses")
    parser.add_argument("--employees", type=int, default=600, help="employee accounts")
    parser.add_argument("--seed", type=int, default=8, help="random seed of the people")
    parser.add_argument("--json", type=Path, default=DEFAULT_RESULTS, help="results file")
    args = parser.parse_args(argv)

    database_url = os.environ.get("SOAK_DATABASE_URL") or DEFAULT_DATABASE_URL
    redis_url = os.environ.get("SOAK_REDIS_URL") or DEFAULT_REDIS_URL
    os.environ.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DJANGO_SETTINGS_MODULE="portal.settings",
        API_THROTTLE_USER=UNTHROTTLED,
        API_THROTTLE_ANON=UNTHROTTLED,
    )
    run_dir = ROOT / "var" / "soak" / datetime.now().strftime("%Y%m%d-%H%M%S")
    mail_dir = run_dir / "mail"
    mail_dir.mkdir(parents=True)
    say(f"fresh database {database_url.rsplit('/', 1)[1]}, Redis {redis_url}; logs in {run_dir}")
    recreate_database(database_url)

    import django
    import redis

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    say("migrate")
    call_command("migrate", verbosity=0)
    redis.Redis.from_url(redis_url).flushdb()  # the soak's own Redis database
    mix = Mix.of(args.users)
    processes: list[Process] = []
    try:
        say("worker (bin/worker), demo company and more people")
        processes.append(
            start_worker(database_url, redis_url, run_dir, EMAIL_FILE_PATH=str(mail_dir))
        )
        population = seed_population(
            employees=args.employees,
            leads_per_department=2,
            reviewers=max(2, mix.reviewers),
            demo_use_cases=True,
        )
        processes.append(
            Process("beat", "beat", stack_environment(database_url, redis_url), run_dir)
        )
        if wait_for_drain(redis_url, timeout=300) is None:
            raise RuntimeError("the worker did not finish the demo company's tasks")
        connections.close_all()
        say("collectstatic, gunicorn (bin/web)")
        with web_server(database_url, redis_url, run_dir, static=True) as base_url:
            say(f"gunicorn (bin/web) at {base_url}; load for {args.minutes:g} min: {mix}")
            load = run_load(
                base_url,
                population,
                seconds=args.minutes * 60,
                mix=mix,
                think=args.think,
                seed=args.seed,
            )
        say("load stopped, gunicorn stopped; waiting for the worker to drain")
        drained = wait_for_drain(redis_url, timeout=600)
        for process in processes:
            process.stop()  # the worker and beat: their logs are complete
        verification = verify(load, mail_dir=mail_dir, logs=sorted(run_dir.glob("*.log")))
    finally:
        for process in reversed(processes):
            process.stop()
    summary = summarise(load, verification, drained)
    summary["settings"] = {
        "minutes": args.minutes,
        "users": args.users,
        "think": args.think,
        "employee_accounts": args.employees,
        "seed": args.seed,
    }
    summary["stack"] = {
        "web": f"bin/web, WEB_CONCURRENCY={os.environ.get('WEB_CONCURRENCY', '2')}, "
        f"WEB_THREADS={os.environ.get('WEB_THREADS', '4')}",
        "worker": f"bin/worker, WORKER_CONCURRENCY={os.environ.get('WORKER_CONCURRENCY', '2')}",
        "beat": "bin/beat",
        "logs": str(run_dir),
    }
    print()
    print(render(summary))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(summary, indent=2, default=str) + "\n")
    print(f"\nResults: {args.json}")
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
