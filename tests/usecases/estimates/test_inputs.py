"""Validation of inputs and assumptions: refusals name the field and say what is wrong."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from pydantic import ValidationError

from usecases.estimates.assumptions import DEFAULT_ASSUMPTIONS, Assumptions
from usecases.estimates.inputs import BOUNDS, EstimateInput, describe_validation_error


def problems(data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        EstimateInput.model_validate(data)
    return describe_validation_error(caught.value)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"archetype": "taker", "requests_per_day": -1},
            "requests_per_day: must be greater than or equal to 0",
        ),
        (
            {"archetype": "taker", "requests_per_day": "many"},
            "requests_per_day: must be a valid number",
        ),
        (
            {"archetype": "taker", "requests_per_day": {"low": -5, "high": 3}},
            "requests_per_day: must be greater than or equal to 0",
        ),
        (
            {"archetype": "taker", "users": {"low": 5, "high": 3}},
            "users: high must be greater than or equal to low",
        ),
        ({"archetype": "taker", "users": {"low": 5}}, "users.high: is required"),
        (
            {"archetype": "taker", "users": {"distribution": "poisson"}},
            "users: distribution must be one of",
        ),
        (
            {"archetype": "taker", "days_per_year": 400},
            "days_per_year: must be less than or equal to 366",
        ),
        (
            {"archetype": "maker", "parameters": 1e9, "utilization": 1.2},
            "utilization: must be less than or equal to 1",
        ),
        (
            {"archetype": "maker", "parameters": 1e9, "utilization": 0},
            "utilization: must be greater than 0",
        ),
        ({"archetype": "maker", "parameters": 0}, "parameters: must be greater than 0"),
        ({"archetype": "maker"}, "parameters: required for a maker estimate"),
        ({"archetype": "builder"}, "archetype: must be 'taker', 'shaper' or 'maker'"),
        ({"archetype": "taker", "colour": "blue"}, "colour: is not a known input"),
        (
            {"archetype": "taker", "requests_per_day": 10},
            "price_per_million_input_tokens: required when requests go to an API",
        ),
        (
            {"archetype": "shaper", "corpus_tokens": 1, "corpus_documents": 1},
            "corpus_documents: give corpus_tokens or corpus_documents",
        ),
        ({"archetype": "taker", "oversight": "sometimes"}, "oversight: must be"),
    ],
)
def test_bad_input_names_the_field(data: dict[str, Any], message: str):
    assert message in problems(data)


def test_good_input_accepts_every_shape():
    inputs = EstimateInput.model_validate(
        {
            "archetype": "shaper",
            "requests_per_day": {"low": 1, "high": 2, "mode": 1.5},
            "input_tokens": {"distribution": "lognormal", "median": 800, "sigma": 0.5},
            "output_tokens": {"distribution": "normal", "mean": 300, "sd": 50},
            "users": {"distribution": "triangular", "low": 1, "mode": 2, "high": 3},
            "days_per_year": {"distribution": "uniform", "low": 200, "high": 260},
            "price_per_million_input_tokens": 3,
            "price_per_million_output_tokens": 15,
        }
    )
    assert inputs.days_per_year.low == 200  # type: ignore[union-attr]


def assumptions_problem(**changes: Any) -> str:
    data = DEFAULT_ASSUMPTIONS.model_dump(mode="json")
    for path, value in changes.items():
        target = data
        *parents, leaf = path.split("__")
        for parent in parents:
            target = target[parent]
        target[leaf] = value
    with pytest.raises(ValidationError) as caught:
        Assumptions.from_stored(data)
    return describe_validation_error(caught.value)


def test_default_assumptions_are_valid_and_round_trip_through_json():
    stored = DEFAULT_ASSUMPTIONS.model_dump(mode="json")
    assert stored["as_of"] == DEFAULT_ASSUMPTIONS.as_of.isoformat()
    assert Assumptions.from_stored(stored) == DEFAULT_ASSUMPTIONS
    assert DEFAULT_ASSUMPTIONS.gpus["A100 80GB"].peak_tflops == 312
    assert DEFAULT_ASSUMPTIONS.gpus["H100 SXM"].peak_tflops == 989
    assert "H200" in DEFAULT_ASSUMPTIONS.gpus
    assert DEFAULT_ASSUMPTIONS.as_of <= datetime.date.today()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"default_utilization": 0}, "default_utilization: must be greater than 0"),
        ({"default_utilization": 1.5}, "default_utilization: must be less than or equal to 1"),
        ({"contingency_percent": 120}, "contingency_percent: must be less than or equal to 100"),
        ({"contingency_percent": -1}, "contingency_percent: must be greater than or equal to 0"),
        (
            {"gpus__H100 SXM__hourly_price": -2},
            "gpus.H100 SXM.hourly_price: must be greater than or equal to 0",
        ),
        (
            {"retrieval__embedding_price_per_million_tokens": -0.1},
            "retrieval.embedding_price_per_million_tokens: must be greater",
        ),
        ({"salaries__ml_engineer": -1}, "salaries.ml_engineer: must be greater than or equal to 0"),
        ({"default_gpu": "TPU"}, "default_gpu: 'TPU' is not in the GPU catalogue"),
        ({"currency": "EUR"}, "currency: must be 'USD'"),
        ({"version": "1"}, "version: must be a valid integer"),
        ({"unknown": 1}, "unknown: is not a known input"),
    ],
)
def test_nonsense_assumptions_are_refused_naming_the_field(changes: dict[str, Any], message: str):
    assert message in assumptions_problem(**changes)


@pytest.mark.parametrize("name", sorted(BOUNDS))
@pytest.mark.parametrize("value", [1e308, float("nan"), float("inf"), "below"])
def test_every_driver_has_a_lower_and_an_upper_bound(name: str, value: float | str):
    bounds = BOUNDS[name]
    assert bounds.maximum < 1e16, f"{name} has no upper bound a person would accept"
    assert bounds.minimum > -1e16, f"{name} has no lower bound a person would accept"
    if value == "below":  # just under its minimum (0 for all but time saved, which may be lost)
        value = bounds.minimum - max(1e-9, abs(bounds.minimum) * 1e-6)
    data: dict[str, Any] = {"archetype": "maker", "parameters": 1e9, name: value}
    assert problems(data).startswith(f"{name}: must be")


def test_every_assumption_number_has_an_upper_bound():
    def walk(schema: dict[str, Any], defs: dict[str, Any], path: str) -> list[str]:
        if "$ref" in schema:
            return walk(defs[schema["$ref"].rsplit("/", 1)[1]], defs, path)
        found = []
        if schema.get("type") in ("number", "integer") and "maximum" not in schema:
            found.append(path)
        for key, child in schema.get("properties", {}).items():
            found += walk(child, defs, f"{path}.{key}")
        if isinstance(schema.get("additionalProperties"), dict):
            found += walk(schema["additionalProperties"], defs, f"{path}.*")
        return found

    schema = Assumptions.model_json_schema()
    assert walk(schema, schema.get("$defs", {}), "assumptions") == []
