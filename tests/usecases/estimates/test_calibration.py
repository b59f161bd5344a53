"""The defaults against published figures (see usecases/estimates/CALIBRATION.md).

Training runs: the engine's GPU-hours with the default utilisation must come within 25 % of the
GPU-hours the model's makers reported. API bills: a hand-computed month of list prices must match
the engine to the cent.
"""

from __future__ import annotations

from typing import Any

import pytest

from usecases.estimates.archetype import MAKER_MINIMUM_BUDGET
from usecases.estimates.assumptions import DEFAULT_ASSUMPTIONS
from usecases.estimates.engine import estimate, training_flops
from usecases.estimates.inputs import EstimateInput
from usecases.estimates.results import EstimateResult

GPU_HOURS_TOLERANCE = 0.25


def run(**data: Any) -> EstimateResult:
    return estimate(EstimateInput.model_validate(data), DEFAULT_ASSUMPTIONS)


def implied_utilization(
    *, parameters: float, tokens: float, gpu_hours: float, peak: float
) -> float:
    return 6 * parameters * tokens / (gpu_hours * 3600 * peak * 1e12)


@pytest.mark.parametrize(
    ("name", "parameters", "tokens", "gpu", "reported_gpu_hours"),
    [
        # Touvron et al. 2023, Llama 2 paper, Table 2: 1,720,320 A100-80GB hours, 2T tokens.
        ("Llama 2 70B", 70e9, 2e12, "A100 80GB", 1_720_320),
        # Meta, Llama 3.1 model card: 30.84M H100-80GB hours for 405B, ~15.6T tokens (Dubey et al.).
        ("Llama 3.1 405B", 405e9, 15.6e12, "H100 SXM", 30_840_000),
    ],
)
def test_training_gpu_hours_match_published_runs(
    name: str, parameters: float, tokens: float, gpu: str, reported_gpu_hours: float
):
    result = run(archetype="maker", parameters=parameters, training_tokens=tokens, gpu=gpu)
    assert result.gpu_hours is not None
    ratio = result.gpu_hours.p50 / reported_gpu_hours
    assert abs(ratio - 1) <= GPU_HOURS_TOLERANCE, f"{name}: engine/reported = {ratio:.3f}"


def test_default_utilization_lies_between_the_published_runs():
    llama2 = implied_utilization(parameters=70e9, tokens=2e12, gpu_hours=1_720_320, peak=312)
    llama31 = implied_utilization(parameters=405e9, tokens=15.6e12, gpu_hours=30.84e6, peak=989)
    assert llama2 == pytest.approx(0.435, abs=0.001)
    assert llama31 == pytest.approx(0.345, abs=0.001)
    assert llama31 <= DEFAULT_ASSUMPTIONS.default_utilization <= llama2


def test_gpt3_training_compute():
    # Brown et al. 2020: 3.14e23 FLOPs for 175B parameters on 300B tokens.
    assert training_flops(parameters=175e9, training_tokens=300e9) == pytest.approx(
        3.14e23, rel=0.01
    )


@pytest.mark.parametrize(
    ("model", "price_in", "price_out", "monthly_bill"),
    [
        # 1,000 requests a day for 30 days, 1,500 tokens in and 500 out per request.
        ("GPT-4o", 2.50, 10.00, 262.50),  # 30,000 x (1,500 x 2.5 + 500 x 10) / 1e6
        ("GPT-4o mini", 0.15, 0.60, 15.75),  # 30,000 x (225 + 300) / 1e6
        ("Claude 3.5 Sonnet", 3.00, 15.00, 360.00),  # 30,000 x (4,500 + 7,500) / 1e6
    ],
)
def test_api_bill_matches_hand_computation_to_the_cent(
    model: str, price_in: float, price_out: float, monthly_bill: float
):
    result = run(
        archetype="taker",
        requests_per_day=1_000,
        days_per_year=30,
        input_tokens=1_500,
        output_tokens=500,
        price_per_million_input_tokens=price_in,
        price_per_million_output_tokens=price_out,
    )
    api = next(line for line in result.breakdown if line.item == "api_usage")
    assert api.annual == monthly_bill, model
    assert api.one_time == 0


def test_maker_minimum_budget_covers_the_smallest_credible_maker():
    small = run(archetype="maker", parameters=7e9)  # 140B tokens, compute-optimal
    first_year = small.one_time.p50 + small.annual.p50
    assert 0.8 * MAKER_MINIMUM_BUDGET <= first_year <= MAKER_MINIMUM_BUDGET


# --- Worked cases (CALIBRATION.md, "Worked cases"): each figure computed by hand there ---------


def line(result: EstimateResult, item: str) -> tuple[float, float]:
    found = next(x for x in result.breakdown if x.item == item)
    return found.one_time, found.annual


def test_worked_case_1_a_500_seat_chat_assistant_on_a_30_dollar_seat_tool_all_in():
    result = run(
        archetype="taker",
        users=500,
        seat_price_monthly=30,
        requests_per_day=10_000,  # 500 people x 20 uses a working day
        days_per_year=250,
        api_requests_per_day=0,  # the seat licence covers the use: no API bill on top
        review_by="own_draft",
        review_minutes_per_output=0.2,
        hours_saved_per_year=23_000,  # 500 people x 1 hour a week x 46 weeks
        user_hourly_cost=60,
        training_hours=1_000,  # 500 users x 2 hours, at their own $60
        rollout_person_weeks=2.5,  # half a domain expert's week per 100 users
    )
    assert line(result, "licences") == (0, 180_000)  # 500 x $30 x 12
    # (2 x 140,000 + 2 x 110,000) / 46 + 2.5 x 110,000 / 46
    assert line(result, "people_build") == (16_847.83, 0)
    assert line(result, "training") == (60_000, 0)  # 1,000 h x $60
    assert line(result, "api_usage") == (0, 0)
    assert line(result, "human_oversight") == (0, 0)  # own review is not a cost...
    assert result.one_time.p50 == 92_217.39  # (16,847.83 + 60,000) x 1.2
    assert result.annual.p50 == 232_800  # (180,000 + 0.1 x 140,000) x 1.2
    assert round(result.annual.p50 / 500 / 12, 2) == 38.80  # all in, per user-month
    assert result.benefit is not None  # ...it is netted out of the benefit:
    assert result.benefit.time_saved == 1_380_000  # 23,000 h x $60
    assert result.benefit.review_hours == 8_333.3  # 10,000 x 250 x 0.2 min / 60
    assert result.benefit.own_review == 500_000  # 8,333.3 h x $60
    assert result.annual_benefit is not None and result.annual_benefit.p50 == 880_000
    assert result.net_annual is not None and result.net_annual.p50 == 647_200
    assert result.payback_months == 1.7  # 92,217.39 / (647,200 / 12) = 1.71
    # -92,217.39 + 647,200 x (1/1.08 + 1/1.08^2 + 1/1.08^3 = 2.577097) = 1,575,679.8
    assert result.npv_3y is not None and round(result.npv_3y.p50) == 1_575_680


def test_worked_case_2_a_drafting_assistant_for_45_agents_with_their_own_review_netted():
    result = run(
        archetype="taker",
        requests_per_day=1_800,  # 45 agents x 40 drafted replies a day, through an API
        days_per_year=250,
        input_tokens=1_000,
        output_tokens=300,
        price_per_million_input_tokens=2.5,
        price_per_million_output_tokens=10,
        review_by="own_draft",
        review_minutes_per_output=1.5,
        hours_saved_per_year=30_000,  # 450,000 drafts x 4 minutes saved / 60
        user_hourly_cost=30,  # customer service: $55,000 / 46 weeks / 40 hours
    )
    assert line(result, "api_usage") == (0, 2_475)  # 450,000 x (1,000 x 2.5 + 300 x 10) / 1e6
    assert line(result, "licences") == (0, 0)  # no seats: nobody was given users
    assert line(result, "human_oversight") == (0, 0)
    assert result.annual.p50 == 19_770  # (2,475 + 14,000) x 1.2
    assert result.benefit is not None
    assert result.benefit.time_saved == 900_000  # 30,000 h x $30
    assert result.benefit.review_hours == 11_250  # 450,000 x 1.5 / 60
    assert result.benefit.own_review == 337_500  # 11,250 h x $30
    assert result.annual_benefit is not None and result.annual_benefit.p50 == 562_500
    assert result.net_annual is not None and result.net_annual.p50 == 542_730
    assert result.payback_months == 0.3  # 13,043.48 / (542,730 / 12) = 0.29


def test_worked_case_3_a_customer_facing_tool_reviewed_by_a_separate_team():
    result = run(
        archetype="shaper",
        requests_per_day=800,  # customers' conversations: no seats
        days_per_year=250,
        input_tokens=2_000,
        output_tokens=400,
        price_per_million_input_tokens=3,
        price_per_million_output_tokens=15,
        integration_complexity="medium",
        review_by="separate_team",
        review_share=0.25,
        review_minutes_per_output=3,
        reviewer_hourly_cost=45,
        revenue_per_year=400_000,
        revenue_confidence=0.5,
    )
    assert line(result, "api_usage") == (0, 2_400)  # 200,000 x (2,000 x 3 + 400 x 15) / 1e6
    # 200,000 outputs x 25 % x 3 minutes / 60 = 2,500 hours x $45
    assert line(result, "human_oversight") == (0, 112_500)
    assert result.review_hours_per_year == 2_500
    assert line(result, "licences") == (0, 20_000)  # the platform; customers get no seats
    assert line(result, "integration_engineering") == (48_260.87, 0)  # 12 x 185,000 / 46
    # (2,400 + 12,000 serving + 20,000 + 171,750 run team + 112,500) x 1.2
    assert result.annual.p50 == 382_380
    assert result.one_time.p50 == 98_608.7  # (48,260.87 + 33,913.04) x 1.2
    assert result.benefit is not None and result.benefit.revenue == 200_000  # 400,000 x 50 %
    assert result.benefit.own_review == 0
    assert result.net_annual is not None and result.net_annual.p50 == -182_380
    assert result.payback_months is None  # costs more a year than it brings: never
