"""``python manage.py estimate``: JSON in, JSON out, clear refusals."""

from __future__ import annotations

import datetime
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from policies.register.inputs import NewRegisterEntry
from policies.register.services import register_entry_create

# The command reads the assumptions version in force from the database.
pytestmark = pytest.mark.django_db

MANAGE = Path(__file__).resolve().parents[3] / "manage.py"
TAKER = {
    "archetype": "taker",
    "requests_per_day": 1_000,
    "days_per_year": 30,
    "input_tokens": 1_500,
    "output_tokens": 500,
    "price_per_million_input_tokens": 2.5,
    "price_per_million_output_tokens": 10,
}


def estimate_command(*args: str, stdin: str | None = None) -> dict[str, Any]:
    out = io.StringIO()
    call_command("estimate", *args, stdin=io.StringIO(stdin or ""), stdout=out)
    return json.loads(out.getvalue())


def api_usage(result: dict[str, Any]) -> float:
    return next(line["annual"] for line in result["breakdown"] if line["item"] == "api_usage")


def test_reads_a_file(tmp_path: Path):
    path = tmp_path / "input.json"
    path.write_text(json.dumps(TAKER))
    result = estimate_command(str(path))
    assert api_usage(result) == 262.5
    assert result["one_time"]["p10"] == result["one_time"]["p90"]


def test_reads_stdin_with_seed_and_samples():
    data = {**TAKER, "requests_per_day": {"low": 500, "high": 1_500}}
    first = estimate_command("--seed", "3", "--samples", "300", stdin=json.dumps(data))
    again = estimate_command("--seed", "3", "--samples", "300", stdin=json.dumps(data))
    assert first == again
    assert first["samples"] == 300
    assert first["seed"] == 3
    assert first["annual"]["p10"] < first["annual"]["p90"]


def test_schema_describes_input_and_result():
    schemas = estimate_command("--schema")
    assert "requests_per_day" in schemas["input"]["properties"]
    assert "model" in schemas["input"]["properties"]
    assert {"one_time", "annual", "breakdown", "gpu_hours", "payback_months"} <= set(
        schemas["result"]["properties"]
    )


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        (
            json.dumps({**TAKER, "requests_per_day": -1}),
            "requests_per_day: Enter a number of at least 0.",
        ),
        (
            json.dumps({"archetype": "maker", "parameters": 1e9, "gpu": "TPU"}),
            "gpu: 'TPU' is not in the GPU catalogue",
        ),
        ("{not json", "the input is not valid JSON"),
        ("[1, 2]", "input: must be a JSON object"),
    ],
)
def test_bad_input_is_refused_naming_the_field(stdin: str, message: str):
    with pytest.raises(CommandError, match=message):
        estimate_command(stdin=stdin)


def test_missing_file_is_refused(tmp_path: Path):
    with pytest.raises(CommandError, match="file: cannot read"):
        estimate_command(str(tmp_path / "absent.json"))


def test_bad_input_exits_non_zero_from_the_shell():
    finished = subprocess.run(
        [sys.executable, str(MANAGE), "estimate"],
        input=json.dumps({**TAKER, "requests_per_day": -1}),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert finished.returncode != 0
    assert "requests_per_day: Enter a number of at least 0." in finished.stderr


def test_good_input_from_the_shell():
    finished = subprocess.run(
        [sys.executable, str(MANAGE), "estimate", "-"],
        input=json.dumps(TAKER),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert api_usage(json.loads(finished.stdout)) == 262.5


def test_assumptions_file(tmp_path: Path):
    from usecases.estimates.assumptions import DEFAULT_ASSUMPTIONS

    data = DEFAULT_ASSUMPTIONS.model_dump(mode="json")
    data["version"] = 42
    path = tmp_path / "assumptions.json"
    path.write_text(json.dumps(data))
    assert (
        estimate_command("--assumptions", str(path), stdin=json.dumps(TAKER))["assumptions_version"]
        == 42
    )
    data["contingency_percent"] = 150
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError, match="contingency_percent"):
        estimate_command("--assumptions", str(path), stdin=json.dumps(TAKER))


def test_model_resolves_register_prices(author):
    register_entry_create(
        by=author,
        data=NewRegisterEntry.parse(
            {
                "name": "GPT-4o",
                "slug": "gpt-4o",
                "kind": "api_model",
                "price_per_million_input_tokens": "2.50",
                "price_per_million_output_tokens": "10.00",
                "prices_checked_on": datetime.date(2025, 6, 1),
            }
        ),
    )
    data = {key: value for key, value in TAKER.items() if not key.startswith("price")}
    result = estimate_command(stdin=json.dumps({**data, "model": "gpt-4o"}))
    assert api_usage(result) == 262.5
    assert result["inputs"]["model"] == "gpt-4o"
    assert result["inputs"]["price_per_million_input_tokens"] == 2.5


def test_model_self_hosted_gives_gpu_and_price(author):
    register_entry_create(
        by=author,
        data=NewRegisterEntry.parse(
            {
                "name": "Our Llama",
                "slug": "our-llama",
                "kind": "self_hosted_model",
                "gpu_type": "A100 80GB",
                "gpu_hourly_price": "1.00",
                "prices_checked_on": datetime.date(2025, 6, 1),
            }
        ),
    )
    result = estimate_command(
        stdin=json.dumps({"archetype": "maker", "parameters": 1e9, "model": "our-llama"})
    )
    assert result["inputs"]["gpu"] == "A100 80GB"
    assert result["inputs"]["gpu_hourly_price"] == 1.0


def test_unknown_model_names_the_slug():
    with pytest.raises(CommandError, match="model: no register entry with the slug 'nope'"):
        estimate_command(stdin=json.dumps({**TAKER, "model": "nope"}))
