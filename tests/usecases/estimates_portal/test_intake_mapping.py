"""The intake -> drivers mapping lives in the versioned assumptions, and ``manage.py estimate``
resolves a case's inputs exactly as the portal does, under the version in force."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from portal.models import User
from usecases.estimates import services
from usecases.estimates.assumptions import DEFAULT_ASSUMPTIONS, Assumptions
from usecases.estimates.inputs import EstimateInput
from usecases.estimates.models import AssumptionsVersion, EstimateRun
from usecases.inputs import AssumptionsChange

from .helpers import priced_tool, submitted_case

pytestmark = pytest.mark.django_db


def command(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("estimate", *args, stdout=out)
    return json.loads(out.getvalue())


def _publish(admin: User, **intake: Any) -> AssumptionsVersion:
    data = DEFAULT_ASSUMPTIONS.model_dump(mode="json")
    data.pop("version")
    data["intake"] = {**data["intake"], **intake}
    return services.assumptions_publish(by=admin, data=AssumptionsChange.parse(data=data))


def test_a_version_stored_before_the_intake_mapping_still_parses_with_todays_defaults() -> None:
    old = DEFAULT_ASSUMPTIONS.model_dump(mode="json")
    del old["intake"]
    parsed = Assumptions.from_stored(old)
    assert parsed.intake.requests_per_person_per_day == 20
    assert parsed.intake.maker_parameters == 7e9
    assert parsed.intake.fallback_price_per_million_output_tokens == 10.0
    # An hour saved: $110,000 / (46 weeks x 40 hours) = $59.78.
    assert round(parsed.hourly_cost("domain_expert_reviewer"), 2) == 59.78


def test_the_admin_edits_the_mapping_and_new_estimates_follow_it(
    lead: User, admin_user: User
) -> None:
    case = submitted_case(lead)  # 45 people (make_draft), no priced tool
    before = EstimateRun.objects.get(usecase=case, archetype="maker", is_current=True)
    assert before.inputs["parameters"] == 7e9
    assert before.inputs["requests_per_day"]["mode"] == 45 * 40  # customer service's hint
    hints = {**DEFAULT_ASSUMPTIONS.intake.uses_per_day_by_function, "customer_service": 4.0}
    _publish(admin_user, uses_per_day_by_function=hints, maker_parameters=1.3e10)
    services.estimates_request(usecase=case)
    after = EstimateRun.objects.get(usecase=case, archetype="maker", is_current=True)
    assert after.inputs["parameters"] == 1.3e10
    assert after.inputs["requests_per_day"] == {"low": 90.0, "mode": 180.0, "high": 360.0}
    assert after.assumptions_version.number == 2


def test_the_command_estimates_a_case_exactly_as_the_portal_does(lead: User) -> None:
    case = submitted_case(lead, priced_tool())
    run = EstimateRun.objects.get(usecase=case, archetype="taker", is_current=True)
    portal_result, error = services.compute_run(run.inputs, run.assumptions_version)
    assert error == "" and portal_result is not None
    result = command("--case", str(case.reference), "--archetype", "taker")
    assert result["inputs"] == EstimateInput.model_validate(run.inputs).model_dump(mode="json")
    assert result == portal_result


def test_the_command_uses_the_version_in_force_or_the_one_asked_for(
    lead: User, admin_user: User
) -> None:
    case = submitted_case(lead)
    services.assumptions_current()
    _publish(admin_user, maker_parameters=1.3e10)
    in_force = command("--case", str(case.reference), "--archetype", "maker")
    assert in_force["assumptions_version"] == 2 and in_force["inputs"]["parameters"] == 1.3e10
    first = command("--case", str(case.reference), "--archetype", "maker", "--assumptions", "1")
    assert first["assumptions_version"] == 1 and first["inputs"]["parameters"] == 7e9
    with pytest.raises(CommandError, match="no stored version 9"):
        command("--case", str(case.reference), "--assumptions", "9")
    with pytest.raises(CommandError, match="no use case with the reference 'UC-9999'"):
        command("--case", "UC-9999")
