"""Bounds on every driver and assumption, and a run that cannot be computed failing once.

Issue 21, failure 1: ``PUT …/drivers/`` with ``requests_per_day: 1e308`` was accepted, the
engine overflowed, the worker could not store NaN, and the sweeper re-enqueued the run forever
while every open case page polled it.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from portal.models import User
from usecases.estimates import services
from usecases.estimates.assumptions import DEFAULT_ASSUMPTIONS
from usecases.estimates.models import EstimateRun, RunStatus

from .helpers import client_for, submitted_case

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("drivers", "field", "message"),
    [
        ({"requests_per_day": 1e308}, "requests_per_day", "Enter a number of at most"),
        ({"requests_per_day": -3}, "requests_per_day", "Enter a number of at least 0."),
        ({"users": {"low": 1, "high": 1e300}}, "users", "Enter a number of at most"),
        ({"input_tokens": 1e12}, "input_tokens", "Enter a number of at most 2000000."),
        ({"budget_ceiling": 1e200}, "budget_ceiling", "Enter a number of at most 100000000000"),
        (
            {"requests_per_day": {"distribution": "lognormal", "median": 10, "sigma": 1e300}},
            "requests_per_day",
            "sigma: Enter a number of at most 5",
        ),
    ],
)
def test_put_drivers_out_of_bounds_is_a_400_naming_the_field(
    lead: User, reviewer: User, drivers: dict[str, Any], field: str, message: str
) -> None:
    case = submitted_case(lead)
    runs_before = EstimateRun.objects.filter(usecase=case).count()
    response = client_for(reviewer).put(
        f"/api/v1/usecases/{case.reference}/estimates/taker/drivers/",
        {
            "drivers": {
                **drivers,
                "price_per_million_input_tokens": 1.0,
                "price_per_million_output_tokens": 1.0,
            }
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    text = json.dumps(response.json())
    assert field in text and message in text
    assert EstimateRun.objects.filter(usecase=case).count() == runs_before


def test_infinity_in_a_json_body_is_refused_naming_the_field(lead: User, reviewer: User) -> None:
    case = submitted_case(lead)
    # 1e309 is valid JSON that Python reads as infinity.
    body = '{"drivers": {"parameters": 1e309}}'
    response = client_for(reviewer).put(
        f"/api/v1/usecases/{case.reference}/estimates/maker/drivers/",
        body,
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "parameters" in json.dumps(response.json())


def test_the_drivers_form_refuses_nan_naming_the_field(lead: User, reviewer: User) -> None:
    case = submitted_case(lead)
    page = client_for(reviewer).post(
        f"/usecases/{case.reference}/estimates/maker/drivers/",
        {"document": '{"parameters": NaN}', "comment": ""},
    )
    assert page.status_code == 200  # the form again, with the problem
    assert "parameters: Enter a finite number, not NaN or infinity." in page.content.decode()


def test_the_command_refuses_1e308_naming_the_field() -> None:
    data = {
        "archetype": "taker",
        "requests_per_day": 1e308,
        "price_per_million_input_tokens": 1,
        "price_per_million_output_tokens": 1,
    }
    with pytest.raises(CommandError, match="requests_per_day: Enter a number of at most"):
        call_command("estimate", stdin=io.StringIO(json.dumps(data)), stdout=io.StringIO())


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("salaries", "software_engineer"), 1e308, "at most 5000000"),
        (("contingency_percent",), float("nan"), "Enter a number"),
        (("gpus", "H100 SXM", "hourly_price"), -1.0, "at least 0"),
        (("oversight", "reviewer_hourly_cost"), 1e12, "at most 10000"),
    ],
)
def test_assumptions_out_of_bounds_are_refused_naming_the_field(
    admin_user: User, path: tuple[str, ...], value: float, message: str
) -> None:
    data = DEFAULT_ASSUMPTIONS.model_dump(mode="json")
    data.pop("version")
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    response = client_for(admin_user).post(
        "/api/v1/usecases/estimate-assumptions/",
        # NaN is not JSON; the API reads standard JSON only, so send it as the form does.
        json.dumps({"data": data}, allow_nan=True).replace("NaN", '"NaN"'),
        content_type="application/json",
    )
    assert response.status_code == 400
    text = json.dumps(response.json())
    assert path[-1] in text and message in text


def _poisoned_run(lead: User) -> EstimateRun:
    """A run stored before the bounds existed: its inputs overflow the engine."""
    case = submitted_case(lead)
    run = EstimateRun.objects.get(usecase=case, archetype="taker", is_current=True)
    inputs = {**run.inputs, "requests_per_day": 1e308, "days_per_year": 365.0}
    EstimateRun.objects.filter(pk=run.pk).update(inputs=inputs)
    return run


def test_a_stored_poisoned_run_fails_once_with_the_reason_and_is_not_requeued(
    lead: User,
) -> None:
    run = _poisoned_run(lead)
    assert services.estimate_run_execute(run.pk) == "failed"
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "requests_per_day: Enter a number of at most 100000000." in run.error
    assert run.attempts == 1
    # Long after, the sweeper leaves it alone: it is failed, not stuck.
    EstimateRun.objects.filter(pk=run.pk).update(
        started_at=timezone.now() - services.STUCK_AFTER * 10
    )
    EstimateRun.objects.exclude(pk=run.pk).update(status=RunStatus.DONE)
    assert services.estimates_sweep() == 0
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.attempts == 1
    # And a second delivery of the same task stores nothing and counts no attempt.
    assert services.estimate_run_execute(run.pk) == "skipped"


def test_a_run_that_never_finishes_is_failed_after_three_attempts_not_requeued(
    lead: User,
) -> None:
    case = submitted_case(lead)
    EstimateRun.objects.filter(usecase=case).exclude(archetype="taker").update(
        status=RunStatus.DONE
    )
    run = EstimateRun.objects.get(usecase=case, archetype="taker", is_current=True)
    long_ago = timezone.now() - services.STUCK_AFTER * 2
    EstimateRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, started_at=long_ago, attempts=services.MAX_ATTEMPTS
    )
    assert services.estimates_sweep() == 0
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.error == services.GAVE_UP


def test_the_case_page_stops_polling_and_offers_try_again_with_the_reason(
    lead: User, reviewer: User
) -> None:
    run = _poisoned_run(lead)
    EstimateRun.objects.filter(usecase=run.usecase).exclude(pk=run.pk).update(status=RunStatus.DONE)
    services.estimate_run_execute(run.pk)
    reference = run.usecase.reference
    panel = client_for(reviewer).get(f"/usecases/{reference}/estimates/").content.decode()
    assert "hx-trigger" not in panel
    assert "requests_per_day: Enter a number of at most" in panel
    assert "Try again" in panel
    # A lead sees the reason but may not run estimates: no button.
    lead_panel = client_for(lead).get(f"/usecases/{reference}/estimates/").content.decode()
    assert "requests_per_day: Enter a number of at most" in lead_panel
    assert "Try again" not in lead_panel


def test_saving_drivers_never_drops_a_field_and_null_removes_one(
    lead: User, reviewer: User
) -> None:
    case = submitted_case(lead)  # the questionnaire gave a budget ceiling of $500,000
    assert services.drivers_for(case, "maker")["budget_ceiling"] == 500_000.0
    url = f"/api/v1/usecases/{case.reference}/estimates/maker/drivers/"
    client = client_for(reviewer)
    saved = client.put(url, {"drivers": {"parameters": 3e9}}, content_type="application/json")
    assert saved.status_code == 202
    drivers = services.drivers_for(case, "maker")
    assert drivers["parameters"] == 3e9 and drivers["budget_ceiling"] == 500_000.0
    removed = client.put(
        url, {"drivers": {"budget_ceiling": None}}, content_type="application/json"
    )
    assert removed.status_code == 202
    assert "budget_ceiling" not in services.drivers_for(case, "maker")
    assert services.drivers_for(case, "maker")["parameters"] == 3e9
