"""Validation of inputs and assumptions: refusals name the field and say what is wrong."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from pydantic import ValidationError

from usecases.estimates.assumptions import DEFAULT_ASSUMPTIONS, Assumptions
from usecases.estimates.inputs import BOUNDS, EstimateInput, inputs_problems


def problems(data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        EstimateInput.model_validate(data)
    return inputs_problems(caught.value)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"archetype": "taker", "requests_per_day": -1},
            "requests_per_day: Enter a number of at least 0.",
        ),
        (
            {"archetype": "taker", "requests_per_day": "many"},
            "requests_per_day: Enter a number.",
        ),
        (
            {"archetype": "taker", "requests_per_day": {"low": -5, "high": 3}},
            "requests_per_day: Enter a number of at least 0.",
        ),
        (
            {"archetype": "taker", "users": {"low": 5, "high": 3}},
            "users: High must be greater than or equal to low",
        ),
        ({"archetype": "taker", "users": {"low": 5}}, "users.high: This field is required."),
        (
            {"archetype": "taker", "users": {"distribution": "poisson"}},
            "users: “poisson” is not one of: uniform, triangular, normal, lognormal.",
        ),
        (
            {"archetype": "taker", "days_per_year": 400},
            "days_per_year: Enter a number of at most 366.",
        ),
        (
            {"archetype": "maker", "parameters": 1e9, "utilization": 1.2},
            "utilization: Enter a number of at most 1.",
        ),
        (
            {"archetype": "maker", "parameters": 1e9, "utilization": 0},
            "utilization: Enter a number above 0.",
        ),
        ({"archetype": "maker", "parameters": 0}, "parameters: Enter a number above 0."),
        ({"archetype": "maker"}, "parameters: required for a maker estimate"),
        ({"archetype": "builder"}, "archetype: “builder” is not one of: taker, shaper, maker."),
        (
            {"archetype": "taker", "colour": "blue"},
            "colour: This is not a field of the estimate's inputs.",
        ),
        (
            {"archetype": "taker", "requests_per_day": 10},
            "price_per_million_input_tokens: required when requests go to an API",
        ),
        (
            {"archetype": "shaper", "corpus_tokens": 1, "corpus_documents": 1},
            "corpus_documents: give corpus_tokens or corpus_documents",
        ),
        ({"archetype": "taker", "oversight": "sometimes"}, "oversight: “sometimes” is not one of:"),
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
    return inputs_problems(caught.value)


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
        ({"default_utilization": 0}, "default_utilization: Enter a number above 0"),
        ({"default_utilization": 1.5}, "default_utilization: Enter a number of at most 1"),
        ({"contingency_percent": 120}, "contingency_percent: Enter a number of at most 100"),
        ({"contingency_percent": -1}, "contingency_percent: Enter a number of at least 0"),
        (
            {"gpus__H100 SXM__hourly_price": -2},
            "gpus.H100 SXM.hourly_price: Enter a number of at least 0",
        ),
        (
            {"retrieval__embedding_price_per_million_tokens": -0.1},
            "retrieval.embedding_price_per_million_tokens: Enter a number of at least",
        ),
        ({"salaries__ml_engineer": -1}, "salaries.ml_engineer: Enter a number of at least 0"),
        ({"default_gpu": "TPU"}, "default_gpu: 'TPU' is not in the GPU catalogue"),
        ({"currency": "EUR"}, "currency: “EUR” is not one of: USD."),
        ({"version": "1"}, "version: Enter a whole number."),
        ({"unknown": 1}, "unknown: This is not a field of the estimate's inputs."),
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
    assert problems(data).startswith(f"{name}: Enter a ")


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
