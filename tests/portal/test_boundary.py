"""The one way a write says no (``portal.boundary``) and the typed inputs (``portal.inputs``):
the words for bad input, and what a page and the API answer to each kind of refusal."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError

from portal.api.errors import Conflict, as_api_error
from portal.boundary import Refused, answers_refusals, invalid_input_shown
from portal.inputs import Choice, Input, Number, Text, limits_of, widget_limits
from usecases.models import ValueLever


class Sample(Input):
    form_name = "the sample form"

    title: Annotated[str, Text(10, required="Name it.", one_line=True)] = ""
    people: Annotated[int | None, Number(what="the number of people", high=100)] = None
    hours: Annotated[Decimal | None, Number(what="hours", high=60, places=1)] = None
    lever: Annotated[str, Choice(ValueLever)] = ""

    @classmethod
    def cross_checks(cls, raw: Any) -> dict[str, str]:
        return {"lever": "Say why."} if raw.get("people") == 42 else {}


def errors_of(data: dict[str, Any]) -> dict[str, list[str]]:
    with pytest.raises(Refused) as refusal:
        Sample.parse(data)
    assert refusal.value.kind == Refused.INVALID
    return refusal.value.errors


def test_an_input_cleans_what_it_takes() -> None:
    sample = Sample.parse(title="  Two   words ", people="7", hours="2.5", lever="growth")
    assert (sample.title, sample.people, sample.hours, sample.lever) == (
        "Two words",
        7,
        Decimal("2.5"),
        "growth",
    )
    assert Sample.parse(title="x").given() == {"title": "x"}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"title": "  "}, "title", "Name it."),
        ({"title": "x" * 11}, "title", "Keep this under 10 characters."),
        ({"people": "many"}, "people", "Enter the number of people as a number."),
        ({"people": "1.5"}, "people", "Enter the number of people as a whole number."),
        ({"people": -1}, "people", "Enter the number of people of 0 or more."),
        ({"people": 101}, "people", "Enter the number of people of at most 100."),
        ({"hours": "2.55"}, "hours", "Give hours with at most 1 decimals."),
        ({"lever": "magic"}, "lever", "“magic” is not one of: productivity, growth,"),
        ({"colour": "red"}, "colour", "This is not a field of the sample form."),
        ({"people": 42}, "lever", "Say why."),
        ({"title": "bell\x07"}, "title", "invisible control character (U+0007)"),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    data: dict[str, Any], field: str, message: str
) -> None:
    assert message in " ".join(errors_of(data)[field])


def test_every_problem_is_reported_at_once_with_the_cross_checks() -> None:
    assert set(errors_of({"title": "", "people": 42, "hours": 99})) == {"title", "lever", "hours"}


def test_forms_and_serializers_read_the_limits_of_the_input() -> None:
    assert limits_of(Sample, "title").max_length == 10
    assert widget_limits(Sample, "hours") == {"min": "0", "max": "60", "step": "0.1"}
    assert dict(limits_of(Sample, "lever").choices) == dict(ValueLever.choices)


def test_a_refusal_says_every_field_once_or_its_own_summary() -> None:
    refusal = Refused.invalid({"a": "Fix a.", "b": ["Fix b.", "Fix a."]})
    assert str(refusal) == "Fix a. Fix b."
    assert str(Refused.invalid({"a": "Fix a."}, "Some answers are missing.")) == (
        "Some answers are missing."
    )


def test_the_api_answers_each_kind_of_refusal_once() -> None:
    assert isinstance(as_api_error(Refused.forbidden("No.")), ApiPermissionDenied)
    conflict = as_api_error(Refused.conflict("Changed."))
    assert isinstance(conflict, Conflict) and conflict.status_code == 409
    invalid = as_api_error(Refused.invalid({"title": "Name it.", "": "All wrong."}))
    assert isinstance(invalid, ApiValidationError)
    assert invalid.detail == {"title": ["Name it."], "non_field_errors": ["All wrong."]}


def _request() -> HttpRequest:
    request = RequestFactory().post("/somewhere/?page=2")
    request.session = SessionBase()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    return request


def _back(request: HttpRequest, refusal: Refused, **kwargs: Any) -> str:
    return f"/back/{kwargs['reference']}/"


def test_a_page_answers_forbidden_with_403_and_the_rest_with_a_message() -> None:
    def view(request: HttpRequest, reference: str, raising: Refused) -> HttpResponse:
        raise raising

    page = answers_refusals(back=_back)(view)
    with pytest.raises(PermissionDenied):
        page(_request(), reference="UC-0001", raising=Refused.forbidden("Not yours."))
    request = _request()
    response = page(request, reference="UC-0001", raising=Refused.conflict("Changed under you."))
    assert (response.status_code, response["Location"]) == (302, "/back/UC-0001/")
    assert [str(m) for m in get_messages(request)] == ["Changed under you."]


class SampleForm(forms.Form):
    title = forms.CharField(required=False)


def test_a_form_shows_the_input_errors_next_to_its_fields() -> None:
    form = SampleForm({"title": ""})
    assert form.is_valid()
    with invalid_input_shown(form):
        Sample.parse(form.cleaned_data, people=101)
        pytest.fail("the input was refused")  # pragma: no cover
    assert form.errors == {
        "title": ["Name it."],
        "__all__": ["Enter the number of people of at most 100."],
    }
    with pytest.raises(Refused), invalid_input_shown(form):
        raise Refused.conflict("A conflict passes on.")
