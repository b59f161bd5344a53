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
