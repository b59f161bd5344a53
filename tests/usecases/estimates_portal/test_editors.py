"""The editors of the assumptions and of a case's drivers (usecases.estimates.editors): every
field of the models on the page, saving re-estimates, each problem on its field, nothing dropped."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from portal.models import User
from usecases.estimates import services
from usecases.estimates.assumptions import DEFAULT_ASSUMPTIONS
from usecases.estimates.editors import EditorForm, assumptions_specs, drivers_specs
from usecases.estimates.inputs import EstimateInput
from usecases.estimates.models import (
    AssumptionsVersion,
    EstimateBatch,
    EstimateDrivers,
    EstimateRun,
)
from usecases.inputs import DriversChange

from .helpers import client_for, priced_tool, submitted_case

pytestmark = pytest.mark.django_db
ASSUMPTIONS_URL = "/usecases/estimates/assumptions/"


def _leaves(document: Mapping[str, Any], path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for key, value in document.items():
        if isinstance(value, Mapping):
            yield from _leaves(value, (*path, key))
        else:
            yield (*path, key)


def _posted(form: EditorForm, **changes: Any) -> dict[str, Any]:
    """What the browser posts for the form as shown, with ``changes``."""
    data = {name: form[name].value() for name in form.fields if not form.fields[name].disabled}
    data = {name: "" if value is None else value for name, value in data.items()}
    return {**data, **changes}


def _assumptions_form() -> EditorForm:
    data = {k: v for k, v in services.assumptions_current().data.items() if k != "version"}
    return EditorForm(assumptions_specs(data), data)


def _drivers_form(case: Any, archetype: str) -> EditorForm:
    drivers = {k: v for k, v in services.drivers_for(case, archetype).items() if k != "archetype"}
    gpus = list(DEFAULT_ASSUMPTIONS.gpus)
    specs = drivers_specs(gpus, [("priced-model", "Priced")])
    return EditorForm(specs, drivers, with_comment=False)


def _current_runs(case: Any, archetype: str) -> list[int]:
    return list(
        EstimateRun.objects.filter(usecase=case, archetype=archetype, is_current=True).values_list(
            "pk", flat=True
        )
    )


# --- Every field, in words ----------------------------------------------------------------------


def test_every_value_of_the_assumptions_is_a_field_of_the_page(admin_user: User) -> None:
    document = DEFAULT_ASSUMPTIONS.model_dump(mode="json")
    specs = {spec.path: spec for spec in assumptions_specs(document)}
    html = client_for(admin_user).get(ASSUMPTIONS_URL).content.decode()
    for path in _leaves(document):
        if path == ("version",):
            continue
        assert path in specs, path
        assert f'name="{specs[path].name}"' in html, path
        assert specs[path].label and "_" not in specs[path].label, path
    # Units and bounds in words, next to the field.
    assert "Contingency <span" in html and "(%)" in html and "From 0 to 100 %." in html
    assert "(USD a year)" in html and "From 0 to 5 million USD a year." in html
    assert "(USD per GPU-hour)" in html


def test_every_driver_is_a_field_of_the_page_with_low_likely_high(
    lead: User, reviewer: User
) -> None:
    case = submitted_case(lead, priced_tool())
    html = client_for(reviewer).get(f"/usecases/{case.reference}/estimates/shaper/drivers/")
    text = html.content.decode()
    names = {spec.path[0]: spec for spec in drivers_specs()}
    for name in EstimateInput.model_fields:
        if name == "archetype":
            continue
        spec = names[name]
        if spec.kind == "uncertain":
            for end in ("low", "likely", "high"):
                assert f'name="{name}__{end}"' in text, name
        else:
            assert f'name="{name}"' in text, name
    assert "Requests a day <span" in text and "(requests a day)" in text
    assert "From 0 to 100 million requests a day." in text
    assert "Budget ceiling" in text and "(USD)" in text


# --- Saving ----------------------------------------------------------------------------------


def test_a_valid_driver_post_saves_and_re_estimates_keeping_the_budget_ceiling(
    lead: User, reviewer: User
) -> None:
    case = submitted_case(lead, priced_tool())
    before = services.drivers_for(case, "shaper")
    assert before.get("budget_ceiling") == 500_000.0
    runs_before = _current_runs(case, "shaper")
    form = _drivers_form(case, "shaper")
    response = client_for(reviewer).post(
        f"/usecases/{case.reference}/estimates/shaper/drivers/",
        _posted(form, users__low="40", users__likely="50", users__high="80"),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    stored = EstimateDrivers.objects.get(usecase=case, archetype="shaper").drivers
    assert stored["users"] == {"low": 40.0, "high": 80.0, "mode": 50.0}
    assert stored["budget_ceiling"] == 500_000.0  # not on the form's mind, still there
    assert set(before) - {"archetype"} <= set(stored)  # nothing else dropped
    runs_after = _current_runs(case, "shaper")
    assert runs_after and runs_after != runs_before


def test_a_driver_set_as_a_distribution_survives_an_editor_save(lead: User, reviewer: User) -> None:
    case = submitted_case(lead, priced_tool())
    normal = {"distribution": "normal", "mean": 2000.0, "sd": 300.0}
    services.estimate_drivers_set(
        by=reviewer,
        usecase=case,
        data=DriversChange.parse(archetype="shaper", drivers={"hours_saved_per_year": normal}),
    )
    form = _drivers_form(case, "shaper")
    assert form.fields["hours_saved_per_year__likely"].disabled
    page = client_for(reviewer).get(f"/usecases/{case.reference}/estimates/shaper/drivers/")
    assert "Set through the API as a normal distribution; kept as it is." in page.content.decode()
    response = client_for(reviewer).post(
        f"/usecases/{case.reference}/estimates/shaper/drivers/", _posted(form, users__likely="12")
    )
    assert response.status_code == 302
    stored = EstimateDrivers.objects.get(usecase=case, archetype="shaper").drivers
    assert stored["hours_saved_per_year"] == normal and stored["users"] == 12.0


def test_emptying_a_driver_removes_it(lead: User, reviewer: User) -> None:
    case = submitted_case(lead, priced_tool())
    form = _drivers_form(case, "shaper")
    response = client_for(reviewer).post(
        f"/usecases/{case.reference}/estimates/shaper/drivers/", _posted(form, budget_ceiling="")
    )
    assert response.status_code == 302
    stored = EstimateDrivers.objects.get(usecase=case, archetype="shaper").drivers
    assert "budget_ceiling" not in stored


def test_a_valid_assumptions_post_publishes_a_version_and_re_estimates(admin_user: User) -> None:
    form = _assumptions_form()
    batches = EstimateBatch.objects.count()
    response = client_for(admin_user).post(
        ASSUMPTIONS_URL,
        _posted(form, contingency_percent="25", salaries__ml_engineer="210000", comment="HR"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    version = AssumptionsVersion.objects.order_by("-number").first()
    assert version is not None and version.number == 2 and version.comment == "HR"
    assert version.data["contingency_percent"] == 25 and version.data["salaries"]["ml_engineer"]
    expected = {**DEFAULT_ASSUMPTIONS.model_dump(mode="json"), "version": 2}
    expected["contingency_percent"] = 25.0
    expected["salaries"] = {**expected["salaries"], "ml_engineer": 210_000.0}
    assert version.data == expected  # every other value as it was: nothing dropped
    assert EstimateBatch.objects.count() == batches + 1


# --- Refusals, on the field ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"users__low": "1", "users__high": "1e308"},
            "users__high",
            "Enter a number of at most 10000000.",
        ),
        ({"users__likely": "-3"}, "users__likely", "Enter a number of at least 0."),
        ({"utilization__likely": "0"}, "utilization__likely", "Enter a number above 0."),
        ({"users__low": "10"}, "users__high", "Give both the low and the high end"),
        ({"users__likely": "NaN"}, "users__likely", "Enter a number."),
        (
            {"review_share__low": "0.5", "review_share__high": "0.2"},
            "review_share__high",
            "High must be greater than or equal to low.",
        ),
        ({"budget_ceiling": "1e12"}, "budget_ceiling", "Enter a number of at most"),
    ],
)
def test_an_out_of_bounds_driver_is_refused_on_its_field_and_nothing_saved(
    lead: User, reviewer: User, changes: dict[str, str], field: str, message: str
) -> None:
    case = submitted_case(lead, priced_tool())
    runs_before = _current_runs(case, "shaper")
    response = client_for(reviewer).post(
        f"/usecases/{case.reference}/estimates/shaper/drivers/",
        _posted(_drivers_form(case, "shaper"), **changes),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(message in error for error in errors.get(field, [])), errors
    assert not EstimateDrivers.objects.filter(usecase=case).exists()
    assert _current_runs(case, "shaper") == runs_before


def test_a_missing_maker_size_is_shown_on_its_field(lead: User, reviewer: User) -> None:
    case = submitted_case(lead, priced_tool())
    response = client_for(reviewer).post(
        f"/usecases/{case.reference}/estimates/maker/drivers/",
        _posted(_drivers_form(case, "maker"), parameters__likely=""),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "Required for a maker estimate." in errors["parameters__likely"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"contingency_percent": "400"}, "contingency_percent", "Enter a number of at most 100."),
        ({"gpus__H100_SXM__hourly_price": "-1"}, "gpus__H100_SXM__hourly_price", "at least 0"),
        ({"salaries__ml_engineer": ""}, "salaries__ml_engineer", "This field is required."),
        (
            {"intake__hours_saved_by_task__writing__time_saved_percent_low": "90"},
            None,
            "time saved: low <= likely <= high",
        ),
    ],
)
def test_out_of_bounds_assumptions_are_refused_on_their_field(
    admin_user: User, changes: dict[str, str], field: str | None, message: str
) -> None:
    response = client_for(admin_user).post(ASSUMPTIONS_URL, _posted(_assumptions_form(), **changes))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(message in error for error in errors.get(field or "__all__", [])), errors
    assert AssumptionsVersion.objects.count() == 1


@pytest.mark.parametrize(
    "hostile", ["<script>alert(1)</script>", "A100 80GB\x00", "H100 SXM\u202e", "' OR 1=1 --"]
)
def test_hostile_strings_are_refused_and_nothing_saved(
    lead: User, reviewer: User, admin_user: User, hostile: str
) -> None:
    case = submitted_case(lead, priced_tool())
    response = client_for(reviewer).post(
        f"/usecases/{case.reference}/estimates/shaper/drivers/",
        _posted(_drivers_form(case, "shaper"), gpu=hostile, users__likely=hostile),
    )
    assert response.status_code == 200
    assert {"gpu", "users__likely"} <= set(response.context["form"].errors)
    assert not EstimateDrivers.objects.filter(usecase=case).exists()
    response = client_for(admin_user).post(
        ASSUMPTIONS_URL, _posted(_assumptions_form(), default_gpu=hostile, comment=hostile)
    )
    assert response.status_code == 200
    assert "default_gpu" in response.context["form"].errors
    assert AssumptionsVersion.objects.count() == 1


def test_control_characters_in_a_text_of_the_assumptions_are_refused(admin_user: User) -> None:
    field = "intake__hours_saved_by_task__writing__source"
    response = client_for(admin_user).post(
        ASSUMPTIONS_URL, _posted(_assumptions_form(), **{field: "Noy\x00 and Zhang"})
    )
    assert response.status_code == 200 and field in response.context["form"].errors
    assert AssumptionsVersion.objects.count() == 1


def test_the_json_disclosure_still_saves_drivers(lead: User, reviewer: User) -> None:
    case = submitted_case(lead, priced_tool())
    response = client_for(reviewer).post(
        f"/usecases/{case.reference}/estimates/shaper/drivers/", {"document": '{"users": 7}'}
    )
    assert response.status_code == 302
    stored = EstimateDrivers.objects.get(usecase=case, archetype="shaper").drivers
    assert stored["users"] == 7 and stored["budget_ceiling"] == 500_000.0


def test_an_older_version_without_the_intake_part_shows_its_defaults(admin_user: User) -> None:
    data = DEFAULT_ASSUMPTIONS.model_dump(mode="json")
    del data["intake"]
    AssumptionsVersion.objects.create(number=2, data={**data, "version": 2}, comment="Old")
    response = client_for(admin_user).get(ASSUMPTIONS_URL)
    form = response.context["form"]
    assert form["intake__working_days_per_year"].value() == 250
    posted = _posted(form, comment="From an older version")
    assert client_for(admin_user).post(ASSUMPTIONS_URL, posted).status_code == 302
    version = AssumptionsVersion.objects.get(number=3)
    assert version.data["intake"] == DEFAULT_ASSUMPTIONS.intake.model_dump(mode="json")


def test_keys_that_differ_only_in_punctuation_get_fields_of_their_own() -> None:
    document = DEFAULT_ASSUMPTIONS.model_dump(mode="json")
    document["gpus"]["H100_SXM"] = {"peak_tflops": 1.0, "hourly_price": 9.0}
    specs = assumptions_specs(document)
    names = [spec.name for spec in specs]
    assert len(names) == len(set(names))
    form = EditorForm(specs, document)
    posted = EditorForm(specs, document, _posted(form))
    assert posted.is_valid(), posted.errors
    assert posted.document()["gpus"] == document["gpus"]
