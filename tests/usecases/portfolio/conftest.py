"""A known portfolio: four cases whose ranking, filters and totals the tests can state."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from portal.models import Department, User
from usecases.findings import open_findings_refresh_many
from usecases.models import UseCase


def bulk_cases(
    submitter: User, department: Department, specs: list[dict[str, Any]]
) -> list[UseCase]:
    """Cases straight into the table (fast even for hundreds), with their UC- references."""
    made = UseCase.objects.bulk_create(
        [
            UseCase(
                title=spec.pop("title", f"Case {n}"),
                department=spec.pop("department", department),
                submitter=spec.pop("submitter", submitter),
                **spec,
            )
            for n, spec in enumerate(dict(s) for s in specs)
        ]
    )
    for case in made:
        case.reference = f"UC-{case.pk:04d}"
    UseCase.objects.bulk_update(made, ["reference"])
    # The services keep the open findings counted; straight inserts count them like a batch.
    open_findings_refresh_many(UseCase.objects.filter(pk__in=[c.pk for c in made]))
    return list(UseCase.objects.filter(pk__in=[c.pk for c in made]).order_by("id"))


@pytest.fixture
def known_portfolio(
    lead: User, other_lead: User, department: Department, other_department: Department
) -> dict[str, UseCase]:
    return make_known_portfolio(lead, other_lead, department, other_department)


def make_known_portfolio(
    lead: User, other_lead: User, department: Department, other_department: Department
) -> dict[str, UseCase]:
    """A: approved quick win (one open finding); B: high-risk maker in Engineering; C: not yet
    scored, a formula for a title; D: draft fill-in whose chosen archetype overrides the
    recommended one."""
    a, b, c, d = bulk_cases(
        lead,
        department,
        [
            {
                "title": "Draft answers to customer emails",
                "status": "approved",
                "priority_score": 90.0,
                "value_score": 80.0,
                "feasibility_score": 85.0,
                "quadrant": "quick_win",
                "risk_tier": "limited",
                "chosen_archetype": "shaper",
                "recommended_archetype": "taker",
                "value_lever": "productivity",
                "business_function": "customer_service",
                "estimate_one_time_p50": Decimal("10000"),
                "estimate_annual_p50": Decimal("5000"),
                "expected_annual_benefit": Decimal("50000"),
                "estimate_payback_months": 3.0,
                # personal data with nobody checking: one open guardrail finding
                "data_categories": ["personal"],
                "human_oversight": "fully_automated",
            },
            {
                "title": "Own pricing model",
                "department": other_department,
                "submitter": other_lead,
                "status": "in_review",
                "priority_score": 60.0,
                "value_score": 70.0,
                "feasibility_score": 30.0,
                "quadrant": "strategic_bet",
                "risk_tier": "high",
                "recommended_archetype": "maker",
                "value_lever": "growth",
                "business_function": "marketing_sales",
                "estimate_one_time_p50": Decimal("100000"),
                "estimate_annual_p50": Decimal("20000"),
                "expected_annual_benefit": Decimal("80000"),
                "estimate_payback_months": 20.0,
            },
            {
                "title": '=HYPERLINK("http://evil","click")',
                "status": "submitted",
                "risk_tier": "minimal",
                "chosen_archetype": "taker",
                "value_lever": "productivity",
                "business_function": "hr",
            },
            {
                "title": "-cut travel costs",
                "department": other_department,
                "submitter": other_lead,
                "status": "draft",
                "priority_score": 40.0,
                "value_score": 30.0,
                "feasibility_score": 60.0,
                "quadrant": "fill_in",
                "risk_tier": "minimal",
                "recommended_archetype": "shaper",
                "chosen_archetype": "taker",
                "value_lever": "new_business_model",
                "business_function": "finance",
                "estimate_annual_p50": Decimal("1000"),
            },
        ],
    )
    return {"a": a, "b": b, "c": c, "d": d}
