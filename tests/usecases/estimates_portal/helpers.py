"""Shared steps of the estimate tests: a submitted case with a priced preferred tool."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.test import Client

from policies.models import RegisterEntry
from portal.models import User
from tests.usecases.conftest import advance, make_draft, make_tool
from usecases.estimates import services as estimate_services
from usecases.estimates.archetype import ArchetypeAnswers
from usecases.inputs import ArchetypeAnswering
from usecases.models import Status, UseCase

SHAPER_ANSWERS: dict[str, Any] = {
    "model_does_job_as_is": False,
    "needs_company_data": True,
    "must_run_on_company_infrastructure": False,
    "capability_is_differentiator": False,
    "data_volume": "small",
    "budget_ceiling": 500_000.0,
    "skills_in_house": "some",
}


def priced_tool(
    slug: str = "priced-model", price_in: str = "3", price_out: str = "15"
) -> RegisterEntry:
    return make_tool(
        slug,
        price_per_million_input_tokens=Decimal(price_in),
        price_per_million_output_tokens=Decimal(price_out),
        prices_checked_on=datetime.date(2025, 6, 1),
    )


def submitted_case(lead: User, tool: RegisterEntry | None = None, **overrides: Any) -> UseCase:
    case = make_draft(lead, [tool] if tool else [], **overrides)
    estimate_services.usecase_archetype_answer(
        usecase=case,
        by=lead,
        data=ArchetypeAnswering.parse(answers=ArchetypeAnswers(**SHAPER_ANSWERS)),
    )
    return advance(case, (lead, Status.SUBMITTED))


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
