"""The typed input of a register entry: what a person may set, with the register's rules.

The slug is set once, when the entry is added: shared links (``/tools/<slug>/``) must keep
working when it is renamed. See :mod:`portal.inputs`.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any

from django.db.models import TextChoices
from pydantic import Field, field_validator

from policies.models import (
    DataClassification,
    EntryKind,
    EntryStatus,
    Indemnity,
    Policy,
    TrainingDataDisclosure,
)
from portal.inputs import Choice, Input, Number, Text


def labelled(choices: type[TextChoices]) -> str:
    return ", ".join(f"{value} ({label})" for value, label in choices.choices)


def _text(limit: int, **rules: Any) -> Text:
    return Text(limit, too_long="Keep this to {limit} characters (it has {length}).", **rules)


def _choice(choices: type[TextChoices]) -> Choice:
    return Choice(choices, blank=False, known=labelled)


def _price(what: str) -> Number:
    return Number(
        what=what,
        high=Decimal("99999999.9999"),
        places=4,
        below="A price cannot be negative.",
        above="This price is too large to be right; check it.",
        not_a_number="Give a number, such as 2.50.",
        too_precise="Give the price with at most four decimals.",
    )


PRICES = (
    "price_per_million_input_tokens",
    "price_per_million_output_tokens",
    "gpu_hourly_price",
    "seat_price_monthly",
)
# Slugs that would clash with the register's own addresses (``/tools/new/``, the API's lookup).
RESERVED_SLUGS = frozenset({"new", "lookup"})


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class RegisterEntryInput(Input):
    """Every field of an entry a person sets, with the defaults of a new one."""

    form_name = "a register entry"

    name: Annotated[str, _text(120, required="Give the tool or model a name.")] = Field(
        default="", validate_default=True
    )
    vendor: Annotated[str, _text(120)] = ""
    kind: Annotated[str, _choice(EntryKind)] = Field(default="", validate_default=True)
    status: Annotated[str, _choice(EntryStatus)] = EntryStatus.UNDER_REVIEW
    max_data_classification: Annotated[str, _choice(DataClassification)] = DataClassification.PUBLIC
    conditions_of_use: Annotated[str, _text(5000)] = ""
    description: Annotated[str, _text(300)] = ""
    governing_policy: Policy | None = None
    training_data_disclosure: Annotated[str, _choice(TrainingDataDisclosure)] = (
        TrainingDataDisclosure.UNKNOWN
    )
    licence: Annotated[str, _text(200)] = ""
    output_ownership: Annotated[str, _text(200)] = ""
    indemnity: Annotated[str, _choice(Indemnity)] = Indemnity.UNKNOWN
    price_per_million_input_tokens: Annotated[
        Decimal | None, _price("the price per million input tokens")
    ] = None
    price_per_million_output_tokens: Annotated[
        Decimal | None, _price("the price per million output tokens")
    ] = None
    prices_checked_on: datetime.date | None = None
    gpu_type: Annotated[str, _text(80)] = ""
    gpu_hourly_price: Annotated[Decimal | None, _price("the price per GPU-hour")] = None
    seat_price_monthly: Annotated[Decimal | None, _price("the price per user a month")] = None

    @field_validator("governing_policy", mode="before")
    @classmethod
    def _a_policy(cls, policy: Any) -> Any:
        if policy is not None and not isinstance(policy, Policy):
            raise ValueError("Choose a policy from the list.")
        return policy

    @field_validator("prices_checked_on", mode="before")
    @classmethod
    def _a_date(cls, checked_on: Any) -> Any:
        if checked_on in (None, ""):
            return None
        if isinstance(checked_on, datetime.date):
            return checked_on
        try:
            return datetime.date.fromisoformat(str(checked_on))
        except ValueError:
            raise ValueError("Give a date, such as 2026-11-01.") from None

    @classmethod
    def cross_checks(cls, raw: Mapping[str, Any]) -> dict[str, str]:
        problems = {}
        if not _empty(raw.get("gpu_hourly_price")) and _empty(raw.get("gpu_type")):
            problems["gpu_type"] = "Say which GPU the hourly price is for."
        priced = any(not _empty(raw.get(name)) for name in PRICES)
        if priced and _empty(raw.get("prices_checked_on")):
            problems["prices_checked_on"] = (
                "Say when the prices were checked, so readers know their age."
            )
        return problems

    @classmethod
    def over(cls, entry: Any, changes: Mapping[str, Any]) -> RegisterEntryInput:
        """The entry as it would be with ``changes``: checked as a whole, like a new one."""
        current = {name: getattr(entry, name) for name in RegisterEntryInput.model_fields}
        return RegisterEntryInput.parse({**current, **changes})


EDITABLE_FIELDS = tuple(RegisterEntryInput.model_fields)


class NewRegisterEntry(RegisterEntryInput):
    """A new entry: its slug is made from the name unless one is given."""

    slug: Annotated[str, Text(120)] = ""


class RegisterEntryChange(Input):
    """Some fields of an entry: the service applies them to the entry as it is (locked) and
    checks the result as a whole (:meth:`RegisterEntryInput.over`)."""

    changes: dict[str, Any]

    @field_validator("changes")
    @classmethod
    def _editable(cls, changes: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
        if unknown:
            raise ValueError(f"these fields cannot be changed: {', '.join(unknown)}")
        return changes
