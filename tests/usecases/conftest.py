from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from policies.models import RegisterEntry
from portal.models import User
from usecases import services
from usecases.inputs import Move, NewIntake, RiskAssessment
from usecases.models import Status, UseCase
from usecases.risk import RiskAnswers

COMPLETE: dict[str, Any] = {
    "title": "Draft answers to customer emails",
    "problem": "Agents answer 1,200 emails a day, most of them about the same things.",
    "proposed_solution": "Draft replies from the knowledge base; the agent edits and sends.",
    "value_lever": "productivity",
    "business_function": "customer_service",
    "people_affected": 45,
    "benefit_kind": "hours_saved",
    "hours_saved_per_person_per_week": Decimal("4"),
    "benefit_confidence": 60,
    "data_classification": "internal",
    "data_categories": ["customer"],
    "output_audience": ["internal"],
    "human_oversight": "every_output",
}


def make_tool(slug: str, **fields: Any) -> RegisterEntry:
    defaults = {
        "name": slug.replace("-", " ").title(),
        "kind": "api_model",
        "status": "approved",
        "max_data_classification": "confidential",
        "training_data_disclosure": "partial",
    }
    entry, _ = RegisterEntry.objects.update_or_create(slug=slug, defaults={**defaults, **fields})
    return entry


@pytest.fixture
def approved_tool(db: None) -> RegisterEntry:
    return make_tool("approved-model")


@pytest.fixture
def internal_only_tool(db: None) -> RegisterEntry:
    return make_tool("internal-chat", max_data_classification="internal", kind="chat_assistant")


def make_draft(lead: User, tools: list[RegisterEntry] | None = None, **overrides: Any) -> UseCase:
    return services.usecase_create_draft(
        by=lead, data=NewIntake.parse({**COMPLETE, **overrides}, preferred_tools=tools or [])
    )


def advance(usecase: UseCase, *steps: tuple[User, str], comment: str = "ok") -> UseCase:
    for by, to in steps:
        usecase = UseCase.objects.get(pk=usecase.pk)
        services.usecase_transition(usecase=usecase, by=by, data=Move.parse(to=to, comment=comment))
    return UseCase.objects.get(pk=usecase.pk)


def assess(usecase: UseCase, by: User, **answers: Any) -> UseCase:
    services.usecase_risk_assess(
        usecase=usecase, by=by, data=RiskAssessment.parse(answers=RiskAnswers(**answers))
    )
    return UseCase.objects.get(pk=usecase.pk)


@pytest.fixture
def draft(lead: User, approved_tool: RegisterEntry) -> UseCase:
    return make_draft(lead, [approved_tool])


@pytest.fixture
def in_review(draft: UseCase, lead: User, reviewer: User) -> UseCase:
    case = advance(draft, (lead, Status.SUBMITTED), (reviewer, Status.IN_REVIEW))
    return assess(case, reviewer)
