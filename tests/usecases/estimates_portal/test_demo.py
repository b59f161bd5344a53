"""The demo company's submitted cases come with archetype answers and finished estimates."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from usecases.estimates.models import EstimateRun, RunStatus
from usecases.estimates.services import ESTIMATED_STATUSES
from usecases.models import UseCase

pytestmark = pytest.mark.django_db


def test_demo_cases_have_archetypes_and_three_finished_estimates() -> None:
    call_command("seed_demo", "--quiet-accounts")
    submitted = UseCase.objects.filter(status__in=ESTIMATED_STATUSES)
    assert submitted.count() >= 10
    assert not submitted.filter(recommended_archetype="").exists()
    assert not submitted.filter(estimate_annual_p50=None).exists()
    for case in submitted:
        current = EstimateRun.objects.filter(usecase=case, is_current=True)
        assert sorted(current.values_list("archetype", flat=True)) == ["maker", "shaper", "taker"]
        assert set(current.values_list("status", flat=True)) == {RunStatus.DONE}
