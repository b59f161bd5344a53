"""Typed inputs of the write services: one pydantic model per write, carrying its ranges, choices
and messages, so that each rule is written once.

Each app keeps its inputs in ``<app>/inputs.py``; a write service takes ``data: <Input>``. Forms
and serializers check the shape of what was sent (text, a number, a date, one of the choices)
and take their choices and limits from the input (:func:`limits_of`, :func:`widget_limits`);
``Input.parse`` turns what they cleaned into the input, or refuses it (``Refused.invalid``, each
field with what to fix). The database's constraints stay as the last line.

A field's rule is a marker in its annotation, ``Annotated[str, Text(200, required="...")]``:
:class:`Text`, :class:`Number`, :class:`Choice`, :class:`Choices`, :class:`Needed`. A rule
across fields is an input's :meth:`Input.cross_checks`, reported with the fields' own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, Self

from django.db.models import TextChoices
from pydantic import (
    BaseModel,
    ConfigDict,
    GetCoreSchemaHandler,
    ValidationError,
    ValidatorFunctionWrapHandler,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError, core_schema

from portal.boundary import Refused, error_location, field_messages
from portal.validators import unstorable_in


def problem(kind: str, message: str, context: dict[str, Any] | None = None) -> PydanticCustomError:
    """A validation error with its final message (``context`` is kept for the formatter)."""
    return PydanticCustomError(kind, message, context)


class Input(BaseModel):
    """The typed input of one write: ``Input.parse(data)``, or a refusal naming the fields."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    # How messages name the form: "This is not a field of the intake form."
    form_name: ClassVar[str] = "this form"
    # What a refusal says as a whole (default: every field's message, in one line).
    refused: ClassVar[str] = ""

    @classmethod
    def parse(cls, data: Mapping[str, Any] | None = None, /, **values: Any) -> Self:
        raw = {**(data or {}), **values}
        found = unstorable_in({k: v for k, v in raw.items() if isinstance(v, str | list | dict)})
        if found is not None:
            where, message = found
            raise Refused.invalid({where: message})
        try:
            return cls.model_validate(raw)
        except ValidationError as error:
            errors = field_messages(error, form=cls.form_name, where=cls.error_field(raw))
            raise Refused.invalid(errors, cls.refused) from None

    @classmethod
    def error_field(cls, raw: Mapping[str, Any]) -> Callable[[tuple[Any, ...]], str]:
        """How an error's location names its field (``title``, ``drivers.parameters``)."""
        return error_location

    @classmethod
    def cross_checks(cls, raw: Mapping[str, Any]) -> dict[str, str]:
        """Rules across fields, on what was sent: field → what to fix (none by default)."""
        return {}

    @model_validator(mode="wrap")
    @classmethod
    def _with_cross_checks(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        crossed = [
            InitErrorDetails(type=problem("cross_check", message), loc=(name,), input=None)
            for name, message in (
                cls.cross_checks(data) if isinstance(data, Mapping) else {}
            ).items()
        ]
        try:
            validated = handler(data)
        except ValidationError as error:
            if not crossed:
                raise
            own = [
                InitErrorDetails(
                    type=problem(str(e["type"]), e["msg"], e.get("ctx")),
                    loc=tuple(e["loc"]),
                    input=e.get("input"),
                )
                for e in error.errors()
            ]
            raise ValidationError.from_exception_data(cls.__name__, [*own, *crossed]) from None
        if crossed:
            raise ValidationError.from_exception_data(cls.__name__, crossed)
        return validated

    def given(self) -> dict[str, Any]:
        """The fields the caller gave, with their values: what a partial change changes."""
        return {
            name: getattr(self, name)
            for name in type(self).model_fields
            if name in self.model_fields_set
        }


# --- Field rules ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """What a form or serializer may show or document of a field (see :func:`limits_of`)."""

    max_length: int | None = None
    low: Decimal | int | None = None
    high: Decimal | int | None = None
    places: int | None = None
    choices: tuple[tuple[str, str], ...] = ()


class Rule:
    """A field's rule: cleans the value sent before pydantic checks its type."""

    def clean(self, value: Any) -> Any:
        raise NotImplementedError

    @property
    def limits(self) -> Limits:
        return Limits()

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(self.clean, handler(source))


def limits_of(model: type[BaseModel], name: str) -> Limits:
    for item in model.model_fields[name].metadata:
        if isinstance(item, Rule):
            return item.limits
    return Limits()


def widget_limits(model: type[BaseModel], name: str) -> dict[str, str]:
    """HTML attributes of a field's limits (``maxlength``, ``min``, ``max``, ``step``): the
    browser helps, the input decides."""
    limits = limits_of(model, name)
    attrs = {}
    if limits.max_length:
        attrs["maxlength"] = str(limits.max_length)
    if limits.low is not None:
        attrs["min"] = str(limits.low)
    if limits.high is not None:
        attrs["max"] = str(limits.high)
    if limits.places is not None:
        attrs["step"] = str(Decimal(1).scaleb(-limits.places))
    return attrs


@dataclass(frozen=True)
class Text(Rule):
    """Text, trimmed (inner runs of white space made one space when ``one_line``)."""

    max_length: int
    required: str = ""  # the message when it is left empty; empty text allowed without one
    one_line: bool = False
    too_long: str = "Keep this under {limit:,} characters."
    min_length: int = 0
    too_short: str = ""

    def clean(self, value: Any) -> str:
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise problem("text", "Enter text.")
        text = " ".join(value.split()) if self.one_line else value.strip()
        if self.required and not text:
            raise problem("required", self.required)
        if len(text) > self.max_length:
            message = self.too_long.format(limit=self.max_length, length=len(text))
            raise problem("too_long", message)
        if self.min_length and len(text) < self.min_length:
            raise problem("too_short", self.too_short)
        return text

    @property
    def limits(self) -> Limits:
        return Limits(max_length=self.max_length)


@dataclass(frozen=True)
class Number(Rule):
    """A number from ``low`` to ``high``, ``None`` when left empty: an ``int`` when ``places`` is
    0, else a ``Decimal`` of at most ``places`` decimals. Messages name ``what`` it is."""

    what: str
    high: int | Decimal
    low: int | Decimal = 0
    places: int = 0
    below: str = ""
    above: str = ""
    not_a_number: str = ""
    too_precise: str = ""

    def clean(self, value: Any) -> int | Decimal | None:
        if value is None or value == "":
            return None
        not_a_number = self.not_a_number or f"Enter {self.what} as a number."
        if isinstance(value, bool):
            raise problem("number", not_a_number)
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise problem("number", not_a_number) from None
        if not number.is_finite():
            raise problem("number", not_a_number)
        if self.places == 0 and number != number.to_integral_value():
            raise problem(
                "whole_number", self.not_a_number or f"Enter {self.what} as a whole number."
            )
        if number < self.low:
            raise problem("too_low", self.below or f"Enter {self.what} of {self.low} or more.")
        if number > self.high:
            raise problem("too_high", self.above or f"Enter {self.what} of at most {self.high:,}.")
        if self.places == 0:
            return int(number)
        exponent = number.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > self.places:
            message = self.too_precise or f"Give {self.what} with at most {self.places} decimals."
            raise problem("too_precise", message)
        return number

    @property
    def limits(self) -> Limits:
        return Limits(low=self.low, high=self.high, places=self.places)


def choice_values(choices: type[TextChoices]) -> str:
    return ", ".join(choices.values)


@dataclass(frozen=True)
class Choice(Rule):
    """One of ``choices`` (its value), or ``""`` when ``blank``."""

    choices: type[TextChoices]
    blank: bool = True
    missing: str = ""  # default: "Choose one of: ..."
    unknown: str = "“{value}” is not one of: {known}."
    known: Callable[[type[TextChoices]], str] = choice_values

    def clean(self, value: Any) -> str:
        choice = "" if value is None else str(getattr(value, "value", value))
        if not choice:
            if self.blank:
                return ""
            raise problem(
                "missing_choice", self.missing or f"Choose one of: {self.known(self.choices)}."
            )
        if choice not in self.choices.values:
            message = self.unknown.format(value=choice, known=self.known(self.choices))
            raise problem("unknown_choice", message)
        return choice

    @property
    def limits(self) -> Limits:
        return Limits(choices=tuple(self.choices.choices))


@dataclass(frozen=True)
class Choices(Rule):
    """Several of ``choices``, each once, in the order they are declared."""

    choices: type[TextChoices]
    unknown: str = "Unknown: {bad}. Choose from: {known}."

    def clean(self, value: Any) -> tuple[str, ...]:
        if value is None or value == "":
            return ()
        if isinstance(value, str) or not isinstance(value, Iterable):
            raise problem("choices", "Give a list of choices.")
        given = [str(getattr(item, "value", item)) for item in value]
        bad = [item for item in given if item not in self.choices.values]
        if bad:
            known = choice_values(self.choices)
            raise problem("unknown_choices", self.unknown.format(bad=", ".join(bad), known=known))
        return tuple(choice for choice in self.choices.values if choice in given)

    @property
    def limits(self) -> Limits:
        return Limits(choices=tuple(self.choices.choices))


@dataclass(frozen=True)
class Needed(Rule):
    """What a complete record must hold: refused with ``message`` unless ``test(value)``."""

    message: str
    test: Callable[[Any], bool] = field(default=bool)

    def clean(self, value: Any) -> Any:
        if not self.test(value):
            raise problem("needed", self.message)
        return value
