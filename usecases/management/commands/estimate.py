"""``python manage.py estimate [FILE]``: one cost and feasibility estimate, JSON in and JSON out.

Reads one input (see ``--schema``) from FILE, or from standard input when FILE is absent or
``-``, runs :func:`usecases.estimates.engine.estimate` and prints the result. A ``model`` key
names a register entry by slug; its prices fill the token prices (and, for a self-hosted model,
the GPU and its hourly price) that the input does not give itself. A wrong input exits non-zero
with one line per problem, each naming its field.
"""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError
from pydantic import ValidationError

from policies.models import RegisterEntry
from usecases.estimates.assumptions import DEFAULT_ASSUMPTIONS, Assumptions
from usecases.estimates.engine import EstimateError, estimate
from usecases.estimates.inputs import EstimateInput, describe_validation_error
from usecases.estimates.results import EstimateResult


def resolve_model(data: dict[str, Any]) -> dict[str, Any]:
    """Fill prices from the register entry named by ``data["model"]``; given values win."""
    slug = data.get("model")
    if not isinstance(slug, str):
        return data  # absent, or not text: validation will say so
    entry = RegisterEntry.objects.filter(slug=slug).first()
    if entry is None:
        raise CommandError(f"model: no register entry with the slug '{slug}'")
    if not entry.has_prices:
        raise CommandError(f"model: the register entry '{slug}' has no prices")
    resolved = dict(data)
    register_prices = {
        "price_per_million_input_tokens": entry.price_per_million_input_tokens,
        "price_per_million_output_tokens": entry.price_per_million_output_tokens,
        "gpu_hourly_price": entry.gpu_hourly_price,
    }
    for key, price in register_prices.items():
        if price is not None:
            resolved.setdefault(key, float(price))
    if entry.gpu_type and entry.gpu_hourly_price is not None:
        resolved.setdefault("gpu", entry.gpu_type)
    return resolved


def _read_json(stream: TextIO, what: str) -> Any:
    try:
        return json.load(stream)
    except json.JSONDecodeError as error:
        raise CommandError(f"{what} is not valid JSON: {error}") from error


class Command(BaseCommand):
    help = "Estimate the cost and feasibility of one use case archetype (JSON in, JSON out)."
    stealth_options = ("stdin",)

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", nargs="?", default="-", help="Input JSON; '-' for stdin.")
        parser.add_argument("--schema", action="store_true", help="Print the JSON schemas.")
        parser.add_argument("--seed", type=int, default=0, help="Seed of the sampling.")
        parser.add_argument("--samples", type=int, default=2000, help="Draws when uncertain.")
        parser.add_argument(
            "--assumptions", help="Assumptions JSON file; the built-in defaults otherwise."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["schema"]:
            schemas = {
                "input": EstimateInput.model_json_schema(),
                "result": EstimateResult.model_json_schema(),
            }
            self.stdout.write(json.dumps(schemas, indent=2))
            return
        if options["samples"] < 1:
            raise CommandError("--samples: must be at least 1")
        assumptions = self._assumptions(options["assumptions"])
        data = self._input(options["file"], options.get("stdin") or sys.stdin)
        try:
            inputs = EstimateInput.model_validate(resolve_model(data))
        except ValidationError as error:
            raise CommandError(describe_validation_error(error)) from error
        try:
            result = estimate(inputs, assumptions, samples=options["samples"], seed=options["seed"])
        except EstimateError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(result.model_dump_json(indent=2))

    def _input(self, file: str, stdin: TextIO) -> dict[str, Any]:
        if file == "-":
            data = _read_json(stdin, "the input")
        else:
            try:
                with Path(file).open(encoding="utf-8") as stream:
                    data = _read_json(stream, "the input")
            except OSError as error:
                raise CommandError(f"file: cannot read {file}: {error.strerror}") from error
        if not isinstance(data, dict):
            raise CommandError("input: must be a JSON object")
        return data

    def _assumptions(self, file: str | None) -> Assumptions:
        if file is None:
            return DEFAULT_ASSUMPTIONS
        try:
            with Path(file).open(encoding="utf-8") as stream:
                data = _read_json(stream, "the assumptions")
        except OSError as error:
            raise CommandError(f"--assumptions: cannot read {file}: {error.strerror}") from error
        if not isinstance(data, dict):
            raise CommandError("assumptions: must be a JSON object")
        try:
            return Assumptions.from_stored(data)
        except ValidationError as error:
            raise CommandError(describe_validation_error(error)) from error
