"""The API fuzzed from the schema it serves: every operation, as each role, answers without a
5xx, as documented (status code, content type and body), and every 4xx says why in ``detail``.

The schema is read from ``/api/schema/`` through the WSGI application (``portal.wsgi``), and
schemathesis sends it valid and invalid requests, in-process, inside the test's transaction: a
few real use cases, policies, register entries, estimate runs and a batch exist, and path
parameters name them about half of the time (the rest are made up, for the 404s).

Two runs:

- the fast one, in the suite: ``FUZZ_EXAMPLES`` unset, 6 examples per operation, fixed seed,
  as the employee, a business lead, a reviewer (CIO office) and an admin (also an author and
  an approver of policies), plus one anonymous call per operation;
- the long one: ``FUZZ_EXAMPLES=200 python -m pytest tests/portal/test_api_fuzz.py`` adds the
  policy author, the policy approver and a lead of another department, with a new seed each
  run (printed with any failure; ``FUZZ_SEED=<seed>`` replays it).

A failure lists every distinct problem found, each with a curl command that reproduces it.
"""

from __future__ import annotations

import copy
import os
import random
import zlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pytest
import requests
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from policies import services as policy_services
from policies.inputs import NewPolicy
from policies.models import Policy, PolicyCategory
from portal.models import User
from portal.wsgi import application
from tests.factories import personal_token
from tests.policies.conftest import publish_new_version
from tests.usecases.conftest import advance, assess, make_draft, make_tool
from tests.usecases.estimates_portal.helpers import priced_tool, submitted_case
from usecases.estimates import services as estimate_services
from usecases.estimates.models import EstimateBatch, EstimateRun
from usecases.models import Archetype, Comment, Status

LONG_RUN = "FUZZ_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
SEED = int(os.environ.get("FUZZ_SEED", "0")) or (
    random.SystemRandom().randrange(1, 2**31) if LONG_RUN else 20260601
)
ROLES = ["employee", "lead", "reviewer", "admin"]
if LONG_RUN:
    ROLES += ["author", "approver", "other_lead"]


def clear_error_body(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """A 4xx is a JSON object whose ``detail`` says, in words, what went wrong."""
    if not 400 <= response.status_code < 500:
        return
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(f"{response.status_code} without a JSON body") from None
    detail = body.get("detail") if isinstance(body, dict) else None
    if not isinstance(detail, str) or not detail.strip():
        raise AssertionError(f"{response.status_code} without a `detail` saying why: {body!r}")


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,  # what the schema says is invalid is refused, not stored oddly
    clear_error_body,
]


# --- The world the requests land in ---------------------------------------------------------


@dataclass
class World:
    """Real path parameters, by the operation's collection and parameter names."""

    paths: dict[tuple[str, tuple[str, ...]], list[dict[str, Any]]] = field(default_factory=dict)

    def real_path_parameters(self, path: str, names: list[str]) -> list[dict[str, Any]]:
        collection = path.removeprefix("/api/v1/").split("/", 1)[0]
        return self.paths.get((collection, tuple(sorted(names))), [])


def make_world(cast: dict[str, User]) -> World:
    lead, other_lead, reviewer = cast["lead"], cast["other_lead"], cast["reviewer"]
    author, approver = cast["author"], cast["approver"]
    tool = priced_tool()
    internal = make_tool("internal-chat", max_data_classification="internal", kind="chat_assistant")

    def policy(title: str, body: str) -> Policy:
        return policy_services.policy_create(
            by=author,
            data=NewPolicy.parse(
                title=title, category=PolicyCategory.ACCEPTABLE_USE, body_markdown=body
            ),
        )

    published = policy("Acceptable use", "# Acceptable use\n\nBe careful.")
    publish_new_version(published, author, approver, "# Acceptable use\n\nBe careful.")
    policy_services.policy_version_create_draft(policy=published, by=author)  # version 2
    in_review = policy("Data handling", "Label your data.")
    policy_services.policy_version_submit(version=in_review.versions.get(), by=author)
    drafted = policy("Model training", "Draft.")

    draft = make_draft(lead, [tool])
    submitted = submitted_case(lead, tool)  # asks for three estimates
    first_run = EstimateRun.objects.filter(usecase=submitted).order_by("pk").first()
    assert first_run is not None
    estimate_services.estimate_run_execute(first_run.pk)
    reviewed = assess(
        advance(make_draft(lead, [tool]), (lead, Status.SUBMITTED), (reviewer, Status.IN_REVIEW)),
        reviewer,
        high_risk_areas=["employment"],
    )
    foreign = make_draft(other_lead)
    Comment.objects.create(usecase=submitted, author=lead, body="Please look at the volumes.")
    batch = EstimateBatch.objects.create(reason="Prices changed", total=1)

    cases = [c.reference for c in (draft, submitted, reviewed, foreign)]
    versions = [(published.slug, 1), (published.slug, 2), (in_review.slug, 1), (drafted.slug, 1)]
    runs = EstimateRun.objects.select_related("usecase").order_by("pk")
    return World(
        paths={
            ("policies", ("slug",)): [{"slug": p.slug} for p in (published, in_review, drafted)],
            ("policies", ("number", "slug")): [{"slug": s, "number": n} for s, n in versions],
            ("register", ("slug",)): [{"slug": tool.slug}, {"slug": internal.slug}],
            ("usecases", ("reference",)): [{"reference": r} for r in cases],
            ("usecases", ("archetype", "reference")): [
                {"reference": r, "archetype": a} for r in cases for a in Archetype.values
            ],
            ("usecases", ("reference", "run_id")): [
                {"reference": run.usecase.reference, "run_id": run.pk} for run in runs
            ],
            ("usecases", ("batch_id",)): [{"batch_id": batch.pk}],
        }
    )


# --- Running the requests -------------------------------------------------------------------


@cache
def served_schema() -> dict[str, Any]:
    """The schema as the portal serves it, read once (drf-spectacular takes seconds to build it)."""
    return dict(schemathesis.openapi.from_wsgi("/api/schema/", application).raw_schema)


@pytest.fixture
def in_process_requests() -> Iterator[None]:
    # As Django's test client does: a request that ends must not close the database connection,
    # which holds the test's transaction (and the world above).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@dataclass
class Report:
    seed: int
    # (operation, the failures' titles): the first report of that combination
    problems: dict[tuple[str, tuple[str, ...]], str] = field(default_factory=dict)
    statuses: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))

    def summary(self) -> str:
        listed = "\n\n".join(f"{label}: {message}" for (label, _), message in self.problems.items())
        return f"{len(self.problems)} problems (FUZZ_SEED={self.seed}):\n\n{listed}"


def fuzz(world: World, headers: dict[str, str], *, examples: int, seed_of: str) -> Report:
    """Every operation of the served schema, ``examples`` valid or invalid requests each."""
    schema = schemathesis.openapi.from_dict(copy.deepcopy(served_schema()))

    @schema.hook
    def before_generate_path_parameters(context: Any, strategy: Any) -> Any:
        operation = context.operation
        names = [parameter.name for parameter in operation.path_parameters]
        real = world.real_path_parameters(operation.path, names)
        return st.one_of(strategy, st.sampled_from(real)) if real else strategy

    report = Report(seed=SEED)
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            pytest.fail(f"the served schema has an invalid operation: {result.err()}")
        operation = result.ok()
        cases = st.one_of(
            operation.as_strategy(schemathesis.GenerationMode.POSITIVE),
            operation.as_strategy(schemathesis.GenerationMode.NEGATIVE),
        )

        # Nothing is raised inside: every distinct problem is collected, nothing is shrunk.
        @seed(zlib.crc32(f"{SEED} {seed_of} {operation.label}".encode()))
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),  # slow generation is not what this tests
        )
        @given(case=cases)
        def send(case: schemathesis.Case) -> None:
            response = case.call(app=application, headers=headers)
            report.statuses[case.operation.label].add(response.status_code)
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except FailureGroup as group:
                titles = tuple(sorted({failure.title for failure in group.exceptions}))
                report.problems.setdefault((case.operation.label, titles), str(group))

        send()
    return report


# --- The tests ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_operation_answers_as_documented_for_each_role(
    cast: dict[str, User], in_process_requests: None
) -> None:
    world = make_world(cast)
    operations = {f"{m.upper()} {p}" for p, ops in served_schema()["paths"].items() for m in ops}
    reports = {}
    for role in ROLES:  # one after the other, in the same world
        headers = {"Authorization": f"Bearer {personal_token(cast[role])}"}
        reports[role] = fuzz(world, headers, examples=EXAMPLES, seed_of=role)

    failed = {role: report for role, report in reports.items() if report.problems}
    assert not failed, "\n\n".join(f"As {role}: {r.summary()}" for role, r in failed.items())
    for role, report in reports.items():
        assert set(report.statuses) == operations, f"as {role}, every operation was called"
        # The token worked, and the real path parameters reached real rows.
        assert not any(401 in answered for answered in report.statuses.values()), role
        assert any(
            "{" in label and any(200 <= code < 300 for code in answered)
            for label, answered in report.statuses.items()
        ), f"as {role}, no operation with a path parameter answered 2xx: {report.statuses}"


@pytest.mark.django_db
def test_every_operation_refuses_anonymous_callers_with_a_clear_401(
    in_process_requests: None,
) -> None:
    report = fuzz(World(), {}, examples=1, seed_of="anonymous")
    assert not report.problems, report.summary()
    assert {code for answered in report.statuses.values() for code in answered} == {401}


def test_the_error_body_check_refuses_a_4xx_that_does_not_say_why() -> None:
    request = requests.Request("GET", "http://localhost/api/v1/me/").prepare()

    def answer(status: int, body: bytes) -> schemathesis.Response:
        headers = {"content-type": ["application/json"]}
        return schemathesis.Response(status, headers, body, request, elapsed=0.0, verify=False)

    clear_error_body(None, answer(404, b'{"detail": "No such use case."}'), None)  # type: ignore[arg-type]
    for status, body in [(404, b"<h1>Not Found</h1>"), (400, b'{"title": ["Required."]}')]:
        with pytest.raises(AssertionError):
            clear_error_body(None, answer(status, body), None)  # type: ignore[arg-type]
