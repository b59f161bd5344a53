"""Home panels for leads and reviewers; the demo data."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from portal.models import User
from usecases.models import Status, UseCase
from usecases.selectors import open_findings, with_guardrail_inputs

from .conftest import advance, make_draft

pytestmark = pytest.mark.django_db


def home_of(user: User) -> str:
    client = Client()
    client.force_login(user)
    return client.get("/").content.decode()


def test_lead_home_shows_my_use_cases_and_reviewer_home_the_queue(
    lead: User, reviewer: User, employee: User
) -> None:
    assert "Propose a use case" in home_of(lead)
    case = advance(make_draft(lead), (lead, Status.SUBMITTED))
    assert str(case.reference) in home_of(lead)
    reviewer_home = home_of(reviewer)
    assert (
        "waiting for the CIO office (1)" in reviewer_home and str(case.reference) in reviewer_home
    )
    assert "My use cases" not in home_of(employee)


def test_demo_has_thirty_cases_in_every_status_and_is_idempotent() -> None:
    call_command("seed_demo", "--quiet-accounts")
    count = UseCase.objects.count()
    assert 25 <= count <= 40
    assert set(UseCase.objects.values_list("status", flat=True)) == set(Status.values)
    assert UseCase.objects.exclude(priority_score=None).count() >= 10
    flagged = [c for c in with_guardrail_inputs(UseCase.objects.all()) if open_findings(c)]
    assert len(flagged) >= 3
    call_command("seed_demo", "--quiet-accounts")
    assert UseCase.objects.count() == count
