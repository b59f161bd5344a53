"""Ranges and distributions: percentile order, seeds, exactness, monotonicity (property-based)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from usecases.estimates.assumptions import DEFAULT_ASSUMPTIONS
from usecases.estimates.engine import estimate
from usecases.estimates.inputs import EstimateInput
from usecases.estimates.results import EstimateResult

API = {
    "archetype": "taker",
    "input_tokens": 1_000,
    "output_tokens": 300,
    "price_per_million_input_tokens": 2.5,
    "price_per_million_output_tokens": 10,
}


def run(data: dict[str, Any], *, seed: int = 0, samples: int = 500) -> EstimateResult:
    return estimate(
        EstimateInput.model_validate(data), DEFAULT_ASSUMPTIONS, seed=seed, samples=samples
    )


@settings(max_examples=40, deadline=None)
@given(
    low=st.floats(min_value=0, max_value=1e5),
    width=st.floats(min_value=0, max_value=1e5),
    shape=st.sampled_from(["range", "triangular", "normal", "lognormal"]),
    archetype=st.sampled_from(["taker", "shaper", "maker"]),
)
def test_percentiles_are_ordered(low: float, width: float, shape: str, archetype: str):
    high = low + width
    driver: Any = {
        "range": {"low": low, "high": high},
        "triangular": {
            "distribution": "triangular",
            "low": low,
            "mode": low + width / 3,
            "high": high,
        },
        "normal": {"distribution": "normal", "mean": low, "sd": width},
        "lognormal": {"distribution": "lognormal", "median": low + 1, "sigma": width / 1e5},
    }[shape]
    data = {**API, "archetype": archetype, "requests_per_day": driver, "users": driver}
    if archetype == "maker":
        data["parameters"] = {"low": 1e8, "high": 1e8 + width * 1e5}
    result = run(data, samples=200)
    for spread in (result.one_time, result.annual):
        assert spread.p10 <= spread.p50 <= spread.p90
    if result.gpu_hours is not None:
        assert result.gpu_hours.p10 <= result.gpu_hours.p50 <= result.gpu_hours.p90


@settings(max_examples=40, deadline=None)
@given(
    fewer=st.floats(min_value=0, max_value=1e6),
    extra=st.floats(min_value=0, max_value=1e6),
    archetype=st.sampled_from(["taker", "shaper", "maker"]),
)
def test_more_requests_never_cost_less(fewer: float, extra: float, archetype: str):
    base = {**API, "archetype": archetype}
    if archetype == "maker":
        base["parameters"] = 7e9
    less = run({**base, "requests_per_day": fewer})
    more = run({**base, "requests_per_day": fewer + extra})
    assert more.annual.p50 >= less.annual.p50
    assert more.one_time.p50 >= less.one_time.p50


@settings(max_examples=40, deadline=None)
@given(
    # Up to 1e11 x 100 = 1e13 parameters, the bound of the input model (BOUNDS).
    smaller=st.floats(min_value=1e6, max_value=1e11),
    factor=st.floats(min_value=1, max_value=100),
    requests=st.floats(min_value=0, max_value=1e5),
)
def test_more_parameters_never_cost_less_for_a_maker(
    smaller: float, factor: float, requests: float
):
    base = {**API, "archetype": "maker", "requests_per_day": requests}
    small = run({**base, "parameters": smaller})
    large = run({**base, "parameters": smaller * factor})
    assert large.one_time.p50 >= small.one_time.p50
    assert large.annual.p50 >= small.annual.p50
    assert large.gpu_hours is not None and small.gpu_hours is not None
    assert large.gpu_hours.p50 >= small.gpu_hours.p50


def test_exact_inputs_give_one_exact_answer():
    result = run({**API, "requests_per_day": 1_234, "users": 10}, seed=1)
    assert result.samples == 1
    for spread in (result.one_time, result.annual):
        assert spread.p10 == spread.p50 == spread.p90
    assert result == run({**API, "requests_per_day": 1_234, "users": 10}, seed=99).model_copy(
        update={"seed": 1}
    )


def test_uncertain_inputs_give_a_spread():
    result = run({**API, "requests_per_day": {"low": 100, "high": 10_000}})
    assert result.samples == 500
    assert result.annual.p10 < result.annual.p50 < result.annual.p90


def test_same_seed_same_result_and_other_seed_differs():
    data = {**API, "requests_per_day": {"distribution": "lognormal", "median": 1_000, "sigma": 0.8}}
    assert run(data, seed=7) == run(data, seed=7)
    assert run(data, seed=7).annual != run(data, seed=8).annual


def test_uniform_range_is_centred():
    # 0-2,000 requests a day: the median draw is near 1,000, so the API bill near its value.
    result = run(
        {**API, "oversight": "fully_automated", "requests_per_day": {"low": 0, "high": 2_000}},
        samples=4000,
    )
    api = next(line for line in result.breakdown if line.item == "api_usage")
    at_1000 = 1_000 * 365 * (1_000 * 2.5 + 300 * 10) / 1e6
    assert abs(api.annual - at_1000) / at_1000 < 0.05


def test_triangular_mode_moves_the_median():
    low_mode = run({**API, "requests_per_day": {"low": 0, "high": 1_000, "mode": 0}})
    high_mode = run({**API, "requests_per_day": {"low": 0, "high": 1_000, "mode": 1_000}})
    assert low_mode.annual.p50 < high_mode.annual.p50


def test_normal_is_clipped_at_zero():
    # Half the draws would be negative: clipped to zero requests, never a negative bill.
    result = run(
        {
            **API,
            "oversight": "fully_automated",
            "requests_per_day": {"distribution": "normal", "mean": 0, "sd": 100},
        }
    )
    api = next(line for line in result.breakdown if line.item == "api_usage")
    assert api.annual >= 0
    assert result.annual.p10 == run({**API, "oversight": "fully_automated"}).annual.p10
