"""Each formula of the engine against values worked out by hand."""

from __future__ import annotations

from typing import Any

import pytest

from usecases.estimates.assumptions import DEFAULT_ASSUMPTIONS, Assumptions
from usecases.estimates.engine import (
    EstimateError,
    api_usage_cost,
    estimate,
    gpu_hours_for,
    inference_flops,
    training_flops,
)
from usecases.estimates.inputs import EstimateInput
from usecases.estimates.results import EstimateResult

A = DEFAULT_ASSUMPTIONS
WEEK = 46  # working weeks in DEFAULT_ASSUMPTIONS


def run(**data: Any) -> EstimateResult:
    return estimate(EstimateInput.model_validate(data), A)


def lines(result: EstimateResult) -> dict[str, tuple[float, float]]:
    return {line.item: (line.one_time, line.annual) for line in result.breakdown}


def test_api_usage_formula():
    # 100 requests/day for 10 days, 1,000 tokens in at $3/M and 200 out at $15/M:
    # per request 0.003 + 0.003 = $0.006; 1,000 requests = $6.
    cost = api_usage_cost(
        requests_per_day=100,
        days_per_year=10,
        input_tokens=1_000,
        output_tokens=200,
        price_per_million_input_tokens=3,
        price_per_million_output_tokens=15,
    )
    assert cost == pytest.approx(6.0)


def test_compute_formulas():
    assert training_flops(parameters=1e9, training_tokens=2e10) == pytest.approx(1.2e20)
    assert inference_flops(parameters=1e9, tokens=10) == pytest.approx(2e10)
    # 3.6e18 FLOPs at 1,000 TFLOP/s and 50 %: 7,200 s = 2 GPU-hours.
    assert gpu_hours_for(flops=3.6e18, peak_tflops=1000, utilization=0.5) == pytest.approx(2.0)


def test_taker_lines_and_totals():
    result = run(
        archetype="taker",
        requests_per_day=1_000,
        input_tokens=1_000,
        output_tokens=500,
        price_per_million_input_tokens=2.5,
        price_per_million_output_tokens=10,
        users=100,
        oversight="every_output",
    )
    got = lines(result)
    api = 1_000 * 365 * (1_000 * 2.5 + 500 * 10) / 1e6  # 2,737.50
    licences = 100 * 30 * 12  # 36,000
    build = 2 * 140_000 / WEEK + 2 * 110_000 / WEEK  # PM and reviewer, two weeks each
    run_cost = 0.1 * 140_000
    oversight = 1_000 * 365 * 2 / 60 * 60  # two minutes an output at $60/hour
    assert got["api_usage"] == (0.0, 2_737.50)
    assert got["licences"] == (0.0, licences)
    assert got["people_build"][0] == pytest.approx(build, abs=0.01)
    assert got["people_run"] == (0.0, run_cost)
    assert got["human_oversight"] == (0.0, oversight)
    annual = (api + licences + run_cost + oversight) * 1.2
    assert result.annual.p50 == pytest.approx(annual, abs=0.01)
    assert result.one_time.p50 == pytest.approx(build * 1.2, abs=0.01)
    assert got["contingency"][1] == pytest.approx(annual / 1.2 * 0.2, abs=0.01)
    assert result.time_to_first_value_weeks == 4.0  # rollout plus API integration
    assert result.gpu_hours is None
    assert [line.item for line in result.breakdown] == [
        "api_usage",
        "licences",
        "people_build",
        "training",
        "people_run",
        "human_oversight",
        "contingency",
    ]


def test_shaper_lines():
    result = run(
        archetype="shaper",
        integration_complexity="high",
        corpus_tokens=100e6,
        fine_tuning_gpu_hours=100,
        gpu="A100 80GB",
        oversight="fully_automated",
    )
    got = lines(result)
    assert got["api_usage"] == (0.0, 0.0)
    assert got["integration_engineering"][0] == pytest.approx(30 * 185_000 / WEEK, abs=0.01)
    assert got["retrieval_build"][0] == pytest.approx(6 * 205_000 / WEEK, abs=0.01)
    # 100M tokens at $0.13/M = $13 once; half re-embedded each year.
    assert got["retrieval_embedding"] == (13.0, 6.5)
    # 100M tokens / 500 per chunk = 0.2M vectors at $70/M/month.
    assert got["retrieval_vector_store"] == (0.0, pytest.approx(0.2 * 70 * 12))
    assert got["serving"] == (0.0, 12_000.0)
    # 100 A100-hours at $1.79 plus four ML-engineer weeks of data preparation.
    assert got["fine_tuning"][0] == pytest.approx(179 + 4 * 205_000 / WEEK, abs=0.01)
    assert got["licences"] == (0.0, 20_000.0)
    assert result.gpu_hours is not None
    assert result.gpu_hours.p50 == 100
    assert result.time_to_first_value_weeks == 16 + 2 + 4


def test_shaper_corpus_from_documents():
    by_documents = lines(run(archetype="shaper", corpus_documents=1_000))
    by_tokens = lines(run(archetype="shaper", corpus_tokens=2_000_000))
    assert by_documents == by_tokens
    assert by_tokens["retrieval_embedding"][0] == pytest.approx(0.26)


def test_maker_lines():
    result = run(
        archetype="maker",
        parameters=1e9,
        training_tokens=1e11,
        gpu="H100 SXM",
        utilization=0.5,
        requests_per_day=0,
    )
    got = lines(result)
    hours = 6 * 1e9 * 1e11 / (989e12 * 0.5) / 3600  # 337.03 GPU-hours
    assert result.gpu_hours is not None
    assert result.gpu_hours.p50 == round(hours)
    assert got["training_compute"][0] == pytest.approx(hours * 2.99, abs=0.01)
    assert got["data"] == (pytest.approx(1e5 * 0.5), 0.0)
    team_weekly = (8 * 205_000 + 2 * 190_000 + 185_000 + 140_000) / WEEK
    assert got["maker_team"][0] == pytest.approx(team_weekly * 26, abs=0.01)
    assert got["serving"] == (0.0, pytest.approx(8 * 8_760 * 2.99, abs=0.01))  # one node
    assert got["licences"] == (0.0, 100_000.0)
    assert got["people_run"][1] == pytest.approx(2 * 205_000 + 185_000 + 95_000 + 70_000)
    weeks = 12 + hours / 256 / 168 + 6
    assert result.time_to_first_value_weeks == round(weeks, 1)


def test_maker_training_tokens_default_to_twenty_per_parameter():
    default = run(archetype="maker", parameters=1e9)
    explicit = run(archetype="maker", parameters=1e9, training_tokens=2e10)
    assert default.gpu_hours == explicit.gpu_hours
    assert default.one_time == explicit.one_time


def test_maker_serving_grows_with_traffic_beyond_one_node():
    result = run(
        archetype="maker",
        parameters=70e9,
        requests_per_day=1e6,
        input_tokens=2e3,
        output_tokens=1e3,
    )
    # 2 x 70e9 x 3e3 tokens x 3.65e8 requests at 15 % of 989 TFLOP/s.
    hours = 2 * 70e9 * 3e3 * 1e6 * 365 / (989e12 * 0.15) / 3600
    assert hours > 8 * 8_760
    assert lines(result)["serving"][1] == pytest.approx(hours * 2.99, abs=0.01)


def test_register_gpu_price_overrides_catalogue():
    cheap = run(archetype="maker", parameters=1e9, gpu_hourly_price=1.0)
    listed = run(archetype="maker", parameters=1e9)
    assert lines(cheap)["training_compute"][0] < lines(listed)["training_compute"][0]


def test_unknown_gpu_names_the_field():
    with pytest.raises(EstimateError, match=r"^gpu: 'TPU v9' is not in the GPU catalogue"):
        run(archetype="maker", parameters=1e9, gpu="TPU v9")


def test_payback_months():
    # One-time 1,200 x 1.2 contingency; annual 0 -> benefit 1,440/year repays in 12 months.
    assumptions = _bare_assumptions()
    inputs = EstimateInput.model_validate(
        {"archetype": "shaper", "integration_complexity": "low", "expected_annual_benefit": 1_440}
    )
    result = estimate(inputs, assumptions)
    assert result.one_time.p50 == 1_440
    assert result.annual.p50 == 0
    assert result.payback_months == 12.0


def test_no_payback_without_benefit_or_when_costs_exceed_it():
    assert run(archetype="taker").payback_months is None
    assert run(archetype="taker", expected_annual_benefit=1).payback_months is None


def test_result_echoes_inputs_and_assumptions_version():
    result = run(archetype="taker", users=5)
    assert result.inputs.users == 5
    assert result.assumptions_version == A.version
    assert result.samples == 1


def test_feasibility_reasons():
    easy = run(archetype="taker")
    assert easy.feasibility.score == 100
    hard = run(
        archetype="maker",
        parameters=70e9,
        skills_in_house="none",
        budget_ceiling=1_000,
    )
    assert hard.feasibility.score < 30
    reasons = " ".join(hard.feasibility.reasons)
    assert "budget ceiling" in reasons
    assert "partner" in reasons
    assert "research" in reasons


def test_samples_must_be_positive():
    with pytest.raises(ValueError, match="samples"):
        estimate(EstimateInput(archetype="taker"), A, samples=0)


def _bare_assumptions() -> Assumptions:
    """Defaults with every running cost at zero, and integration at one week of $1,200."""
    data = A.model_dump(mode="json")
    data["working_weeks_per_year"] = 1
    data["salaries"]["software_engineer"] = 1_200
    data["integration_person_weeks"] = {"low": 1, "medium": 1, "high": 1}
    data["retrieval"]["serving_monthly"] = 0
    data["licences"]["platform_annual"]["shaper"] = 0
    data["people"]["shaper"] = {"build_person_weeks": {}, "run_fte": {}}
    return Assumptions.from_stored(data)


def test_sensitivity_swings_each_uncertain_driver_from_p10_to_p90_with_the_rest_held():
    from usecases.estimates.engine import sensitivity

    inputs = EstimateInput.model_validate(
        {
            "archetype": "taker",
            "users": {"low": 100, "high": 300},  # uniform: P10 ~120, P90 ~280
            "seat_price_monthly": 30,
            "requests_per_day": {"low": 1_000, "high": 3_000},
            "api_requests_per_day": 0,
            "hours_saved_per_year": {"low": 3_000, "high": 9_000},
            "user_hourly_cost": 50,
            "review_by": "nobody",
        }
    )
    swings = sensitivity(inputs, DEFAULT_ASSUMPTIONS)
    drivers = [s.driver for s in swings]
    # Seats move the annual cost; requests do not (no API, nobody reviews); hours saved move
    # only the payback. Ranked by the annual cost's swing first.
    assert drivers[0] == "users"
    users = swings[0]
    assert 110 < users.low < 130 and 270 < users.high < 290
    # Each end is an exact estimate: seats x $30 x 12 + $14,000 run team, x 1.2.
    # (The ends are reported to 4 decimals; the cost is computed at the unrounded P10/P90.)
    assert users.annual_at_low == pytest.approx((users.low * 360 + 14_000) * 1.2, abs=0.05)
    assert users.annual_at_high == pytest.approx((users.high * 360 + 14_000) * 1.2, abs=0.05)
    hours = next(s for s in swings if s.driver == "hours_saved_per_year")
    assert hours.annual_at_low == hours.annual_at_high
    assert hours.payback_at_low is not None and hours.payback_at_high is not None
    assert hours.payback_at_low > hours.payback_at_high  # more hours saved pay back sooner
    exact = EstimateInput.model_validate({"archetype": "taker", "users": 10})
    assert sensitivity(exact, DEFAULT_ASSUMPTIONS) == []
