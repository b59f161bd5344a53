"""How a write says no, in one place: :class:`Refused`, and the words for bad input.

Every write service refuses with :class:`Refused`, of one of three kinds:

- ``forbidden``: not this person's to do (the API answers 403; a page answers 403),
- ``conflict``: the object's state does not allow it now, or it changed under the person (409;
  a page shows the message); ``extra`` may name what is missing (the API adds it to its body,
  e.g. ``missing`` for an approval the case is not ready for),
- ``invalid``: the input breaks a rule; ``errors`` names each field and what to fix (400; a page
  shows the messages next to the fields of its form, or as one message).

The API maps a refusal to HTTP once (``portal.api.errors``); pages do it once here
(:func:`answers_refusals` and :func:`invalid_input_shown`). Pydantic's errors become field
messages in one place too (:func:`field_messages`).
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from pydantic import ValidationError


class Kind(enum.StrEnum):
    FORBIDDEN = "forbidden"
    CONFLICT = "conflict"
    INVALID = "invalid"


class Refused(Exception):
    """The write is not done; ``str(refusal)`` tells the person why and what to do."""

    FORBIDDEN = Kind.FORBIDDEN
    CONFLICT = Kind.CONFLICT
    INVALID = Kind.INVALID

    def __init__(
        self,
        kind: Kind,
        message: str = "",
        errors: Mapping[str, str | list[str]] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        self.kind = kind
        self.extra: dict[str, Any] = dict(extra or {})
        self.errors: dict[str, list[str]] = {
            field: [problems] if isinstance(problems, str) else list(problems)
            for field, problems in (errors or {}).items()
        }
        self.message = message or " ".join(
            dict.fromkeys(problem for problems in self.errors.values() for problem in problems)
        )
        super().__init__(self.message)

    @classmethod
    def forbidden(cls, message: str) -> Refused:
        return cls(Kind.FORBIDDEN, message)

    @classmethod
    def conflict(cls, message: str, **extra: Any) -> Refused:
        """Not now: ``extra`` (JSON-ready) goes into the API's answer beside ``detail``."""
        return cls(Kind.CONFLICT, message, extra=extra)

    @classmethod
    def invalid(cls, errors: Mapping[str, str | list[str]], message: str = "") -> Refused:
        """Bad input: ``errors`` maps each field (``""`` for the whole) to what to fix."""
        return cls(Kind.INVALID, message, errors)


def require(user: Any, permission: str, obj: Any, message: str) -> None:
    """Refuse (``forbidden``) unless ``user`` holds ``permission`` on ``obj`` (portal.roles)."""
    if user is None or not user.has_perm(permission, obj):
        raise Refused.forbidden(message)


# --- Pydantic's errors in words ---------------------------------------------------------------

# What each kind of pydantic error says to a person; the rest keep pydantic's words, tidied.
_WORDS = {
    "missing": "This field is required.",
    "extra_forbidden": "This is not a field of {form}.",
    "bool_type": "Answer yes or no.",
    "bool_parsing": "Answer yes or no.",
    "int_type": "Enter a whole number.",
    "int_parsing": "Enter a whole number.",
    "int_from_float": "Enter a whole number.",
    "float_type": "Enter a number.",
    "float_parsing": "Enter a number.",
    "decimal_type": "Enter a number.",
    "decimal_parsing": "Enter a number.",
    "finite_number": "Enter a finite number, not NaN or infinity.",
    "string_type": "Enter text.",
    "list_type": "Give a list of choices.",
    "dict_type": "Give a JSON object.",
    "enum": "“{input}” is not one of: {expected}.",
    "literal_error": "“{input}” is not one of: {expected}.",
    "greater_than_equal": "Enter a number of at least {ge}.",
    "greater_than": "Enter a number above {gt}.",
    "less_than_equal": "Enter a number of at most {le}.",
    "less_than": "Enter a number below {lt}.",
    "union_tag_invalid": "“{tag}” is not one of: {expected_tags}.",
}


_NAMED = re.compile(r"^[\w.\[\] ]+: ")


def _sentence(text: str) -> str:
    text = text.removeprefix("Value error, ").removeprefix("Assertion failed, ").strip()
    if not text:
        return text
    if not _NAMED.match(text):  # "field: ..." keeps the field's name as it is
        text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


def error_words(problem: Mapping[str, Any], form: str = "this form") -> str:
    """One pydantic error (an item of ``ValidationError.errors()``) as a sentence."""
    template = _WORDS.get(str(problem.get("type")))
    if template is None:
        return _sentence(str(problem.get("msg", "This is not valid.")))
    context = dict(problem.get("ctx") or {})
    expected = str(context.get("expected", "")).replace("'", "")
    tags = str(context.get("expected_tags", "")).replace("'", "")
    words = {
        **context,
        "expected": expected.replace(" or ", ", "),
        "expected_tags": tags,
        "form": form,
    }
    try:
        return template.format(input=problem.get("input"), **words)
    except (KeyError, IndexError, ValueError):
        return _sentence(str(problem.get("msg", "This is not valid.")))


def error_location(location: tuple[Any, ...]) -> str:
    """Where an error is: the names on its path (``drivers.parameters``), without positions."""
    return ".".join(str(part) for part in location if isinstance(part, str))


def field_messages(
    error: ValidationError,
    *,
    form: str = "this form",
    where: Callable[[tuple[Any, ...]], str] = error_location,
) -> dict[str, list[str]]:
    """Every problem of ``error`` as field → messages, in order, each message once."""
    found: dict[str, list[str]] = {}
    for problem in error.errors():
        messages_ = found.setdefault(where(tuple(problem.get("loc", ()))), [])
        text = error_words(problem, form)
        if text not in messages_:
            messages_.append(text)
    return found


def described(
    error: ValidationError,
    *,
    form: str = "this form",
    where: Callable[[tuple[Any, ...]], str] = error_location,
) -> list[str]:
    """Every problem of ``error`` as one line that starts with where it is
    (``gpus.H100 SXM: Enter a number.``): for a document given as one field (JSON), a
    command's input, a run's failure. ``where`` names the place (as in :func:`field_messages`)."""
    lines = []
    for problem in error.errors():
        place, words = where(tuple(problem.get("loc", ()))), error_words(problem, form)
        lines.append(f"{place}: {words}" if place else words)
    return list(dict.fromkeys(lines))


def described_text(error: ValidationError, **how: Any) -> str:
    """:func:`described` as text, one problem a line."""
    return "\n".join(described(error, **how))


# --- Pages ------------------------------------------------------------------------------------

View = TypeVar("View", bound=Callable[..., HttpResponse])
Back = Callable[..., str]


def answers_refusals(back: Back) -> Callable[[View], View]:
    """A page's answer to a refusal raised in its view: ``forbidden`` is a 403; anything else
    is shown as a message on the page ``back(request, refusal, **view_kwargs)`` names, which the
    browser is sent to. (A case someone may not see is a 404 before any write is tried.)"""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def answered(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except Refused as refusal:
                if refusal.kind == Kind.FORBIDDEN:
                    raise PermissionDenied(str(refusal)) from None
                messages.error(request, str(refusal))
                return redirect(back(request, refusal, *args, **kwargs))

        return answered  # type: ignore[return-value]

    return decorate


def same_page(request: HttpRequest, refusal: Refused, *args: Any, **kwargs: Any) -> str:
    """For :func:`answers_refusals`: back to the page the person was on."""
    return request.get_full_path()


@contextmanager
def invalid_input_shown(
    shown_on: forms.BaseForm | forms.BaseFormSet | HttpRequest, *, rows_by: str = ""
) -> Iterator[None]:
    """Show an ``invalid`` refusal raised inside where the person is looking: next to the
    fields of the form (those it has; the rest above it), beside the row's field of a formset
    whose rows the refusal names by their ``rows_by`` field (``confabulation.owner``; a row's
    own problem above it), or as one error message for a page without one form; the page then
    renders again. Other refusals pass on."""
    try:
        yield
    except Refused as refusal:
        if refusal.kind != Kind.INVALID:
            raise
        if isinstance(shown_on, forms.BaseFormSet):
            _shown_on_rows(shown_on, refusal, rows_by)
        elif isinstance(shown_on, forms.BaseForm):
            for field, problems in refusal.errors.items() or {"": [str(refusal)]}.items():
                shown_on.add_error(field if field in shown_on.fields else None, problems)
        else:
            messages.error(shown_on, str(refusal))


def _shown_on_rows(formset: forms.BaseFormSet, refusal: Refused, rows_by: str) -> None:
    rows = {str(form.cleaned_data.get(rows_by)): form for form in formset.forms}
    first = formset.forms[0] if formset.forms else None
    for where, problems in refusal.errors.items() or {"": [str(refusal)]}.items():
        row, _, field = where.partition(".")
        form = rows.get(row, first)
        if form is not None:
            form.add_error(field if row in rows and field in form.fields else None, problems)
