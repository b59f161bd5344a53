"""The benchmark's generator makes the company it promises, and the benchmark runs end to end.

The benchmark measures speed; these tests never assert how fast anything is, only that the data
has the promised shape, that every figure is produced, and that each page costs the same number
of queries at two scales (a page whose query count grows with the data fails here).
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count

from bench import settings as bench_settings_module
from bench.generate import CAST, DEPARTMENTS, POLICIES, REGISTER_ENTRIES, generate, plan_for
from bench.run import Options, render, run
from policies.models import Acknowledgement, Policy, RegisterEntry, VersionStatus
from policies.search import search
from policies.selectors import compliance_of, policies_owed_by
from portal.models import Department, User
from tests.services import missing_service
from usecases.estimates.models import EstimateRun, RunStatus
from usecases.estimates.services import ESTIMATED_STATUSES
from usecases.inputs import IntakeSubmission
from usecases.models import Rating, Status, UseCase
from usecases.scoring import Rubric, score_usecase

TINY = 0.002
PAGES = [
    "floor (template)",
    "floor (DRF)",
    "signed-in floor (template)",
    "signed-in floor (DRF)",
    "home: what I owe",
    "policy page",
    "tools lookup",
    "search",
    "use cases of a lead",
    "case page with estimates",
    "CIO review queue",
    "portfolio page",
    "portfolio API",
    "compliance dashboard",
    "compliance of the most-read policy",
    "CSV export of every case",
]


@pytest.fixture
def postgres() -> None:
    if connection.vendor != "postgresql":
        missing_service("the benchmark's generator needs PostgreSQL (DATABASE_URL=postgres://...)")


def test_plan_scales_people_cases_and_acknowledgements_only() -> None:
    full, one_percent = plan_for(1.0), plan_for(0.01)
    assert (full.people, full.usecases, full.acknowledgements) == (100_000, 10_000, 1_000_000)
    assert (one_percent.people, one_percent.usecases, one_percent.acknowledgements) == (
        1_000,
        100,
        10_000,
    )
    for plan in (full, one_percent, plan_for(TINY)):
        assert (plan.departments, plan.policies, plan.register_entries) == (40, 30, 200)
        assert set(plan.usecases_per_status) == set(Status.values)
        assert all(count > 0 for count in plan.usecases_per_status.values())
        assert sum(plan.usecases_per_status.values()) == plan.usecases
    with pytest.raises(ValueError, match="scale"):
        plan_for(0)


def test_generator_makes_the_promised_shape(postgres: None, db: None) -> None:
    generated = generate(TINY)
    plan = generated.plan

    assert Department.objects.count() == DEPARTMENTS
    assert User.objects.count() == plan.people
    assert set(CAST.values()) <= set(User.objects.values_list("username", flat=True))
    assert RegisterEntry.objects.count() == REGISTER_ENTRIES
    assert Policy.objects.count() == POLICIES
    # Several versions each: every policy has at least two published ones, the last current.
    for policy in Policy.objects.select_related("current_version"):
        published = policy.versions.exclude(status__in=[VersionStatus.DRAFT, "in_review"])
        assert published.count() >= 2
        assert policy.current_version is not None
        assert policy.current_version.status == VersionStatus.PUBLISHED
        assert policy.current_version.number == max(v.number for v in published)

    # Use cases in every status, as many as planned.
    per_status = dict(UseCase.objects.values_list("status").annotate(n=Count("id")))
    assert per_status == plan.usecases_per_status
    assert set(per_status) == set(Status.values)

    # Every case past the draft was complete when it was submitted.
    for case in UseCase.objects.exclude(status=Status.DRAFT):
        assert IntakeSubmission.missing(case.snapshot()) == {}, case.reference

    # Acknowledgements: the total, the count per policy, the most-read policy.
    assert Acknowledgement.objects.count() == plan.acknowledgements
    per_policy = dict(
        Acknowledgement.objects.values_list("policy__slug").annotate(n=Count("id")).order_by()
    )
    assert per_policy == generated.acknowledgements_per_policy
    assert max(per_policy, key=lambda slug: per_policy[slug]) == generated.most_read_policy
    assert not Acknowledgement.objects.filter(policy__requires_acknowledgement=False).exists()
    most_read = Policy.objects.get(slug=generated.most_read_policy)
    report = compliance_of(most_read)
    assert report.audience == User.objects.filter(is_active=True).count()
    assert 0 < report.acknowledged < report.audience

    # Estimates: three done runs per estimated case, and the case's figures are its
    # archetype's P50s.
    estimated = UseCase.objects.filter(status__in=ESTIMATED_STATUSES)
    runs = Counter(
        EstimateRun.objects.filter(is_current=True, status=RunStatus.DONE).values_list(
            "usecase_id", flat=True
        )
    )
    assert runs == {pk: 3 for pk in estimated.values_list("pk", flat=True)}
    assert not EstimateRun.objects.filter(usecase__status=Status.DRAFT).exists()
    for case in estimated:
        run_ = EstimateRun.objects.get(usecase=case, archetype=case.archetype, is_current=True)
        assert run_.result is not None
        assert case.estimate_annual_p50 == Decimal(str(run_.result["annual"]["p50"]))
        assert case.expected_annual_benefit is not None

    # Scores are what the rubric makes of the ratings and the risk tier.
    rated = UseCase.objects.filter(ratings__isnull=False).distinct()
    assert rated.exists()
    for case in rated:
        ratings = dict(Rating.objects.filter(usecase=case).values_list("criterion", "score"))
        assert case.priority_score == score_usecase(ratings, case.risk_tier, Rubric()).priority

    # The pages the benchmark reads have something to show.
    employee = User.objects.get(username=CAST["employee"])
    assert policies_owed_by(employee).exists()
    assert search(generated.search_query)
    assert UseCase.objects.filter(reference=generated.case_with_estimates).exists()


@pytest.fixture
def bench_settings(settings: Any) -> None:
    """The portal plus the floor endpoints, as ``bin/bench`` serves them (``bench.settings``)."""
    settings.ROOT_URLCONF = bench_settings_module.ROOT_URLCONF
    settings.TEMPLATES = bench_settings_module.TEMPLATES


@pytest.mark.worker
def test_benchmark_runs_end_to_end_with_every_figure(
    postgres: None, transactional_db: None, redis_url: str, bench_settings: None, tmp_path: Path
) -> None:
    """The whole benchmark at 1 % (against 0.2 % for growth), briefly: every figure is there,
    and every page costs the same number of queries at both scales."""
    out = tmp_path / "bench.json"
    results = run(
        Options(
            scale=0.01,
            baseline=TINY,
            seconds_per_page=0.2,
            http_seconds=1.5,
            http_connections=4,
            submissions=1,
            flush_redis=False,  # the tests' Redis database is shared with the session's worker
            json_path=out,
            log=lambda message: None,
        )
    )
    assert json.loads(out.read_text())["targets"] == results["targets"]

    names = PAGES
    for scale_run in results["pages"]:
        pages = {page["name"]: page for page in scale_run["results"]}
        assert list(pages) == names
        for page in pages.values():
            assert page["status"] == 200
            assert page["requests"] >= 6
            assert 0 < page["median_ms"] <= page["p95_ms"]
            assert page["queries"] >= 1
            assert page["ratio_to_floor"] > 0
            assert page["bytes"] > 0
            # Every page but the floors is also compared with the signed-in floor.
            compared = page["ratio_to_signed_in_floor"] > 0
            assert compared is not page["name"].startswith(("floor", "signed-in floor")), page
        signed_in = pages["signed-in floor (template)"]
        assert signed_in["ratio_to_floor"] >= 1  # sign-in and base.html cost something
        assert signed_in["queries"] >= 2  # the session's person and the 50 rows

    growth = results["growth"]
    assert [row["name"] for row in growth] == names
    unequal = {row["name"]: (row["queries_small"], row["queries_large"]) for row in growth}
    unequal = {name: counts for name, counts in unequal.items() if counts[0] != counts[1]}
    assert unequal == {}, f"query counts that grow with the data: {unequal}"
    assert all(row["time_ratio"] > 0 and row["data_ratio"] == 5 for row in growth)

    http = results["http"]
    assert all(sweep["status"] == 200 for sweep in http["sweep"].values())
    assert [row["name"] for row in http["load"]] == [
        "floor (template)",
        "floor (DRF)",
        "home: what I owe",
        "portfolio API",
    ]
    for row in http["load"]:
        assert row["requests"] > 0
        assert row["errors"] == 0
        assert 0 < row["p50_ms"] <= row["p95_ms"] <= row["p99_ms"]
        assert row["per_second"] > 0
    assert http["web_peak_rss_mb"] > 0

    background = results["background"]
    estimated = UseCase.objects.filter(status__in=ESTIMATED_STATUSES).count() - 1  # submitted
    assert background["engine_per_second"] > 0
    assert 0 < background["sensitivity_seconds"] < 5
    assert background["batch_cases"] == estimated
    assert background["batch_runs"] == 3 * estimated
    assert background["batch_failed"] == 0
    assert background["batch_per_second"] > 0
    assert background["batch_ratio_to_engine"] > 0
    assert background["submit_samples"] == 1
    assert background["submit_to_done_median_s"] > 0

    assert len(results["targets"]) == 5
    assert all(isinstance(check["met"], bool) for check in results["targets"])
    table = render(results)
    for name in names:
        assert name in table
