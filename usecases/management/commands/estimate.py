"""``python manage.py estimate [FILE]``: one cost and feasibility estimate, JSON in and JSON out.

Reads one input (see ``--schema``) from FILE, or from standard input when FILE is absent or
``-``, runs :func:`usecases.estimates.engine.estimate` and prints the result. A ``model`` key
names a register entry by slug; its prices fill the token prices (and, for a self-hosted model,
the GPU and its hourly price) that the input does not give itself. A wrong input exits non-zero
with one line per problem, each naming its field.

``--case UC-0001 [--archetype taker]`` estimates a case as the portal does: its drivers (the
reviewer's, else the intake's defaults) resolved by the same service, under the assumptions
version in force. ``--assumptions N`` picks a stored version by number; ``--assumptions FILE``
reads one from a JSON file. Without either, the version in force (the built-in defaults when
the database has none).
"""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any, TextIO

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from pydantic import ValidationError as PydanticValidationError

from usecases.estimates import services
from usecases.estimates.assumptions import DEFAULT_ASSUMPTIONS, Assumptions
from usecases.estimates.engine import EstimateError, estimate_with_sensitivity
from usecases.estimates.inputs import EstimateInput, inputs_problems
from usecases.estimates.models import AssumptionsVersion
from usecases.estimates.results import EstimateResult
from usecases.models import UseCase


def resolve_model(data: dict[str, Any]) -> dict[str, Any]:
    """Fill prices from the register entry named by ``data["model"]``, as the portal does."""
    if not isinstance(data.get("model"), str):
        return data  # absent, or not text: validation will say so
    try:
        return services.resolve_inputs(data)
    except ValidationError as error:
        raise CommandError(_in_words(error)) from error


def _in_words(error: ValidationError) -> str:
    return "\n".join(
        f"{field}: {message}"
        for field, messages in error.message_dict.items()
        for message in messages
    )


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
            "--assumptions",
            help="A stored version's number, or an assumptions JSON file; the version in force "
            "otherwise.",
        )
        parser.add_argument("--case", help="Estimate this case (UC-0001) as the portal does.")
        parser.add_argument(
            "--archetype",
            choices=services.ARCHETYPES,
            help="With --case: the archetype (the chosen, else the recommended one).",
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
        if options["case"]:
            data = self._case_inputs(options["case"], options["archetype"], assumptions)
        else:
            data = resolve_model(self._input(options["file"], options.get("stdin") or sys.stdin))
        try:
            inputs = EstimateInput.model_validate(data)
        except PydanticValidationError as error:
            raise CommandError(inputs_problems(error)) from error
        try:
            result = estimate_with_sensitivity(
                inputs, assumptions, samples=options["samples"], seed=options["seed"]
            )
        except EstimateError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(result.model_dump_json(indent=2))

    def _case_inputs(
        self, reference: str, archetype: str | None, assumptions: Assumptions
    ) -> dict[str, Any]:
        """The inputs the portal would give the engine for this case (``_request``'s)."""
        usecase = UseCase.objects.filter(reference=reference.upper()).first()
        if usecase is None:
            raise CommandError(f"--case: no use case with the reference '{reference}'")
        archetype = (
            archetype or usecase.chosen_archetype or usecase.recommended_archetype or "taker"
        )
        try:
            return services.resolve_inputs(
                services.drivers_for(usecase, archetype, assumptions), usecase
            )
        except ValidationError as error:
            raise CommandError(_in_words(error)) from error

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

    def _assumptions(self, given: str | None) -> Assumptions:
        if given is None:
            return self._stored(None)
        if given.isdigit():
            return self._stored(int(given))
        try:
            with Path(given).open(encoding="utf-8") as stream:
                data = _read_json(stream, "the assumptions")
        except OSError as error:
            raise CommandError(f"--assumptions: cannot read {given}: {error.strerror}") from error
        if not isinstance(data, dict):
            raise CommandError("assumptions: must be a JSON object")
        try:
            return Assumptions.from_stored(data)
        except PydanticValidationError as error:
            raise CommandError(inputs_problems(error)) from error

    def _stored(self, number: int | None) -> Assumptions:
        """Version ``number``, or the one in force; the built-in defaults when none is stored."""
        versions = AssumptionsVersion.objects.order_by("-number")
        try:
            version = versions.filter(number=number).first() if number else versions.first()
        except DatabaseError:
            if number is not None:
                raise CommandError("--assumptions: the database is not reachable") from None
            self.stderr.write("The database is not reachable: using the built-in assumptions.")
            return DEFAULT_ASSUMPTIONS
        if version is None:
            if number is not None and number != DEFAULT_ASSUMPTIONS.version:
                raise CommandError(f"--assumptions: no stored version {number}")
            return DEFAULT_ASSUMPTIONS
        try:
            return version.assumptions()
        except PydanticValidationError as error:
            problems = inputs_problems(error)
            raise CommandError(f"assumptions version {version.number}: {problems}") from error
