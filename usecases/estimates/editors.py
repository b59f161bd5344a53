"""Forms people can use for the estimate assumptions and a case's drivers, built from the
pydantic models that decide what is valid (:class:`~usecases.estimates.assumptions.Assumptions`,
:class:`~usecases.estimates.inputs.EstimateInput`).

One form field per number, choice, date or text of the stored document, grouped into fieldsets
by sub-model, each with a label in words, its unit, its help (the model's description) and its
bounds (the model's, shown on the page; the model itself checks them on save). A driver that
may be uncertain has three fields, *low*, *likely* and *high*: the likely value alone is exact;
low and high make a range (uniform, or triangular with the likely value as its mode).

Saving builds the new document from the stored one plus the form's values, so that whatever
the form does not show (a distribution set through the API, a key the form does not know) is
kept, and validates it with the same model; each of the model's problems is shown next to the
field it is about (:meth:`EditorForm.show`).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import math
import re
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types
from django import forms
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from portal.boundary import error_words
from portal.forms import StorableTextMixin
from portal.inputs import widget_limits
from usecases.estimates.assumptions import Assumptions
from usecases.estimates.inputs import BOUNDS, EstimateInput
from usecases.estimates.uncertain import TAGS
from usecases.inputs import AssumptionsChange

__all__ = ["EditorForm", "Spec", "assumptions_specs", "drivers_specs"]

Kind = Literal["number", "uncertain", "choice", "date", "text", "bool"]
ENDS = ("low", "likely", "high")

# Words for the names of fields, keys and sub-models where the name itself does not read well.
NAMES = {
    "gpus": "GPUs",
    "default_gpu": "Default GPU",
    "gpu": "GPU",
    "ml_engineer": "ML engineer",
    "hr": "HR",
    "it_operations": "IT operations",
    "product_rd": "Product and R&D",
    "marketing_sales": "Marketing and sales",
    "software_engineering": "Software engineering",
    "customer_service": "Customer service",
    "peak_tflops": "Peak throughput",
    "hourly_price": "Price an hour",
    "run_fte": "Run team",
    "build_person_weeks": "Build effort",
    "intake": "From the intake to drivers",
    "taker": "Taker",
    "shaper": "Shaper",
    "maker": "Maker",
    "per_seat_monthly": "Seat licence",
    "platform_annual": "Platform subscription",
    "minutes_per_output": "Review minutes per output",
    "every_output": "Every output",
    "spot_checks": "Spot checks",
    "fully_automated": "Fully automated",
    "time_to_value": "Time to value",
    "taker_api_weeks": "Taker calling an API",
    "taker_weeks": "Taker",
    "shaper_integration_weeks": "Shaper integration",
    "contingency_percent": "Contingency",
    "discount_rate_percent": "Discount rate",
    "as_of": "Figures as of",
    "embedding_price_per_million_tokens": "Embedding price",
    "vector_store_monthly_per_million_vectors": "Vector store, per million vectors",
    "serving_monthly": "Serving and hosting",
    "annual_reembedding_fraction": "Share of the corpus re-embedded each year",
    "data_cost_per_million_training_tokens": "Data cost per million training tokens",
    "cluster_gpus": "Training cluster",
    "min_serving_gpus": "GPUs always serving",
    "serving_utilization": "Serving utilisation",
    "default_utilization": "Training utilisation (MFU)",
    "requests_low_factor": "Low end of the uses a day",
    "requests_high_factor": "High end of the uses a day",
    "maker_parameters": "Model size a Maker trains",
    "fallback_price_per_million_input_tokens": "Fallback price of input tokens",
    "fallback_price_per_million_output_tokens": "Fallback price of output tokens",
    "benefit_valued_as": "An hour saved is valued as the cost of",
    "loaded_annual_cost_by_function": "Loaded annual cost by business function",
    "uses_per_day_by_function": "Uses a day by business function",
    "integration_weeks_access_control": "Access control effort",
    "hours_saved_by_task": "Hours saved, evidence by task",
    "time_saved_percent_low": "Time saved, low",
    "time_saved_percent_likely": "Time saved, likely",
    "time_saved_percent_high": "Time saved, high",
    "share_of_week": "Share of the week on this task",
    "mixed": "When the evidence is mixed",
    "per_record": "Per record",
    "role_based": "Role based",
    "short_chat": "Short chat answer",
    "email_draft": "Email draft",
    "document_summary": "Document summary",
    "long_document_review": "Long document review",
    "run_fte_per_thousand_users": "Support per 1,000 users",
    "run_fte_per_million_requests_a_month": "Operations per million requests a month",
    "rollout_person_weeks_per_hundred_users": "Rollout support per 100 users",
    "run_team_full_at_users": "Full run team at",
    "run_team_minimum_share": "Smallest share of the run team",
    "assumed_spread": "Spread of a fact the intake does not state",
    "training_hours_per_user": "Training hours per user",
    "integration_person_weeks": "Integration effort by complexity",
    "integration_weeks_write_back": "Extra weeks to write back to a system",
    "integration_weeks_per_system": "Weeks per system connected",
    "integration_weeks_per_data_source": "Weeks per data source",
    "data_preparation_person_weeks": "Data preparation effort",
    "fine_tuning": "Fine-tuning",
    "requests_per_person_per_day": "Uses a person a day, when nothing else is known",
}

# Units by the type alias a field is declared with (assumptions.py), then by the field's name.
UNIT_OF_ALIAS = {
    "Money": "USD",
    "Salary": "USD a year",
    "HourlyPrice": "USD per GPU-hour",
    "TokenPrice": "USD per million tokens",
    "Weeks": "weeks",
    "Fte": "FTE",
    "Share": "share, 0 to 1",
    "SeatPrice": "USD per seat a month",
    "HourlyCost": "USD an hour",
    "Percent": "%",
}
UNIT_OF_NAME = {
    "working_weeks_per_year": "weeks a year",
    "peak_tflops": "TFLOP/s",
    "default_utilization": "share, 0 to 1",
    "serving_utilization": "share, 0 to 1",
    "contingency_percent": "%",
    "discount_rate_percent": "% a year",
    "tokens_per_document": "tokens",
    "tokens_per_chunk": "tokens",
    "cluster_gpus": "GPUs",
    "min_serving_gpus": "GPUs",
    "minutes_per_output": "minutes",
    "review_minutes": "minutes",
    "input_tokens": "tokens",
    "output_tokens": "tokens",
    "maker_parameters": "parameters",
    "corpus_documents": "documents",
    "working_days_per_year": "days a year",
    "working_hours_per_week": "hours a week",
    "requests_per_person_per_day": "uses a person a day",
    "uses_per_day_by_function": "uses a person a day",
    "requests_low_factor": "times the hint",
    "requests_high_factor": "times the hint",
    "assumed_spread": "times the default",
    "loaded_annual_cost_by_function": "USD a year",
    "training_hours_per_user": "hours",
    "run_team_full_at_users": "users",
    "share_of_week": "share, 0 to 1",
    "vector_store_monthly_per_million_vectors": "USD a month",
    "serving_monthly": "USD a month",
    "platform_annual": "USD a year",
    "integration_person_weeks": "engineer-weeks",
    "rollout_person_weeks_per_hundred_users": "person-weeks",
    "data_preparation_person_weeks": "person-weeks",
}

# The drivers of an estimate: (fieldset, label, unit), in the order of the page.
DRIVERS: dict[str, tuple[str, str, str]] = {
    "requests_per_day": ("Volume", "Requests a day", "requests a day"),
    "api_requests_per_day": ("Volume", "Requests sent to an API a day", "requests a day"),
    "days_per_year": ("Volume", "Days in use a year", "days a year"),
    "users": ("Volume", "Seats that need a licence", "seats"),
    "model": ("Model and prices", "Register model (its prices are used)", ""),
    "input_tokens": ("Model and prices", "Tokens sent per request", "tokens"),
    "output_tokens": ("Model and prices", "Tokens generated per request", "tokens"),
    "price_per_million_input_tokens": (
        "Model and prices",
        "Price of input tokens",
        "USD per million tokens",
    ),
    "price_per_million_output_tokens": (
        "Model and prices",
        "Price of output tokens",
        "USD per million tokens",
    ),
    "seat_price_monthly": ("Model and prices", "Seat price", "USD per seat a month"),
    "review_by": ("Review", "Who reviews the outputs", ""),
    "review_share": ("Review", "Share of outputs reviewed", "share, 0 to 1"),
    "review_minutes_per_output": ("Review", "Minutes to review one output", "minutes"),
    "reviewer_hourly_cost": ("Review", "Reviewing team's cost", "USD an hour"),
    "oversight": ("Review", "Oversight (older rule)", ""),
    "hours_saved_per_year": ("Benefit", "Hours saved a year (gross)", "hours a year"),
    "user_hourly_cost": ("Benefit", "Users' cost", "USD an hour"),
    "revenue_per_year": ("Benefit", "Revenue", "USD a year"),
    "revenue_confidence": ("Benefit", "Confidence in the revenue", "share, 0 to 1"),
    "expected_annual_benefit": ("Benefit", "Expected benefit", "USD a year"),
    "budget_ceiling": ("Budget and people", "Budget ceiling", "USD"),
    "skills_in_house": ("Budget and people", "AI engineering skills in house", ""),
    "support_fte": ("Budget and people", "Support people added to the run team", "FTE"),
    "run_team_scale": ("Budget and people", "Share of the standard run team", "share, 0 to 1"),
    "training_hours": ("Budget and people", "Users' hours in training, all together", "hours"),
    "rollout_person_weeks": ("Budget and people", "Rollout support", "person-weeks"),
    "integration_complexity": ("Shaper: integration and retrieval", "Integration complexity", ""),
    "integration_person_weeks": (
        "Shaper: integration and retrieval",
        "Integration effort",
        "engineer-weeks",
    ),
    "corpus_tokens": ("Shaper: integration and retrieval", "Corpus to index", "tokens"),
    "corpus_documents": ("Shaper: integration and retrieval", "Corpus to index", "documents"),
    "fine_tuning_gpu_hours": ("Shaper: integration and retrieval", "Fine-tuning", "GPU-hours"),
    "gpu": ("GPUs", "GPU", ""),
    "gpu_hourly_price": ("GPUs", "GPU price", "USD per GPU-hour"),
    "parameters": ("Maker: the model to train", "Model size", "parameters"),
    "training_tokens": ("Maker: the model to train", "Training tokens", "tokens"),
    "utilization": ("Maker: the model to train", "Utilisation (MFU)", "share, 0 to 1"),
    "cluster_gpus": ("Maker: the model to train", "Training cluster", "GPUs"),
}
CHOICE_WORDS = {
    "own_draft": "The user, reviewing their own draft",
    "separate_team": "A separate team, before it goes out",
    "nobody": "Nobody",
    "none": "None",
    "some": "Some",
    "strong": "A strong team",
}


@dataclass(frozen=True)
class Spec:
    """One editable value of the document: where it is, and how the form shows it."""

    path: tuple[str, ...]
    group: str
    label: str
    kind: Kind
    unit: str = ""
    help: str = ""
    group_help: str = ""
    required: bool = True
    minimum: float | None = None
    above: bool = False
    maximum: float | None = None
    max_length: int | None = None
    choices: tuple[tuple[str, str], ...] = ()

    key: str = ""  # the form field's name when the path's would clash with another's

    @property
    def name(self) -> str:
        return self.key or "__".join(re.sub(r"\W", "_", part) for part in self.path)

    def bounds_text(self) -> str:
        """The bounds in words, with the unit: "From 0 to 366 days a year."."""
        if self.minimum is None and self.maximum is None:
            return ""
        unit = f" {self.unit}" if self.unit and not self.unit.startswith(("share", "times")) else ""
        low = _amount(self.minimum or 0.0)
        if self.maximum is None or math.isinf(self.maximum):
            return f"{'Above' if self.above else 'At least'} {low}{unit}."
        high = _amount(self.maximum)
        if self.above:
            return f"Above {low}, up to {high}{unit}."
        return f"From {low} to {high}{unit}."


def _amount(value: float) -> str:
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if abs(value) >= size:
            return f"{value / size:g} {word}"
    return f"{int(value):,}" if value == int(value) else f"{value:,}"


def _plain(value: Any) -> Any:
    """A number as a person types it: 7000000000, not 7e9 or 7000000000.0."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return int(value)
    return value


def _words(name: str) -> str:
    if name in NAMES:
        return NAMES[name]
    text = name.replace("_", " ")
    return text[:1].upper() + text[1:]


def _unwrap(annotation: Any) -> tuple[Any, list[Any], str | None, bool]:
    """(the type, its constraints, its description, whether None is allowed)."""
    metadata: list[Any] = []
    description = None
    optional = False
    while True:
        origin = get_origin(annotation)
        if origin is typing.Annotated:
            base, *extra = get_args(annotation)
            for item in extra:
                if isinstance(item, FieldInfo):
                    metadata.extend(item.metadata)
                    description = description or item.description
                else:
                    metadata.append(item)
            annotation = base
        elif origin in (Union, types.UnionType) and type(None) in get_args(annotation):
            rest = [arg for arg in get_args(annotation) if arg is not type(None)]
            optional = True
            annotation = rest[0] if len(rest) == 1 else Union[tuple(rest)]  # noqa: UP007
        else:
            return annotation, metadata, description, optional


def _limits(metadata: Sequence[Any]) -> dict[str, Any]:
    limits: dict[str, Any] = {}
    for item in metadata:
        if isinstance(item, annotated_types.Ge):
            limits["minimum"] = float(item.ge)  # type: ignore[arg-type]
        elif isinstance(item, annotated_types.Gt):
            limits["minimum"], limits["above"] = float(item.gt), True  # type: ignore[arg-type]
        elif isinstance(item, annotated_types.Le):
            limits["maximum"] = float(item.le)  # type: ignore[arg-type]
        elif isinstance(item, annotated_types.MaxLen):
            limits["max_length"] = item.max_length
    return limits


def _alias_unit(model: type[BaseModel], name: str) -> str:
    raw = str(getattr(model, "__annotations__", {}).get(name, ""))
    aliases = re.findall(r"\b([A-Z]\w+)\b", raw)
    return next((UNIT_OF_ALIAS[a] for a in reversed(aliases) if a in UNIT_OF_ALIAS), "")


# --- The assumptions ----------------------------------------------------------------------------


def assumptions_specs(document: Mapping[str, Any]) -> list[Spec]:
    """Every value of an assumptions document, as the editor shows it (``version`` is the
    service's)."""
    gpus = tuple((name, name) for name in document.get("gpus", {}))
    specs: list[Spec] = []
    _walk(Assumptions, document, (), specs, gpus, skip={"version"})
    # Keys given through the API may differ only in punctuation ("H100 SXM", "H100_SXM").
    seen: set[str] = set()
    for i, spec in enumerate(specs):
        if spec.name in seen:
            specs[i] = dataclasses.replace(spec, key=f"{spec.name}__{i}")
        seen.add(specs[i].name)
    return specs


def _walk(
    model: type[BaseModel],
    document: Mapping[str, Any],
    path: tuple[str, ...],
    specs: list[Spec],
    gpus: tuple[tuple[str, str], ...],
    skip: frozenset[str] | set[str] = frozenset(),
    inherited_unit: str = "",
) -> None:
    for name, info in model.model_fields.items():
        if name in skip:
            continue
        annotation, metadata, _, optional = _unwrap(info.annotation)
        metadata = [*info.metadata, *metadata]
        # A type's own description is its unit ("USD."), shown as the unit, not as help.
        description = info.description or ""
        unit = UNIT_OF_NAME.get(name) or inherited_unit or _alias_unit(model, name)
        here = (*path, name)
        value = document.get(name)
        if get_origin(annotation) is dict:
            key_type, value_type = get_args(annotation)
            value_type, value_meta, _, _ = _unwrap(value_type)
            stored = value if isinstance(value, Mapping) else {}
            if isinstance(value_type, type) and issubclass(value_type, BaseModel):
                for key in stored:
                    _walk(value_type, stored[key], (*here, str(key)), specs, gpus)
                continue
            keys = list(stored)
            if get_origin(key_type) is Literal:
                keys += [k for k in get_args(key_type) if k not in stored]
            for key in keys:
                specs.append(
                    Spec(
                        path=(*here, str(key)),
                        group=_group(here),
                        label=_words(str(key)),
                        kind="number",
                        unit=unit,
                        group_help=description,
                        required=key in stored,
                        **_limits(value_meta),
                    )
                )
            continue
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            stored_part = value if isinstance(value, Mapping) else {}
            _walk(
                annotation,
                stored_part,
                here,
                specs,
                gpus,
                inherited_unit=UNIT_OF_NAME.get(name, ""),
            )
            continue
        common: dict[str, Any] = {
            "path": here,
            "group": _group(path),
            "label": _words(name),
            "help": description,
            "required": not optional,
        }
        if get_origin(annotation) is Literal:
            choices = tuple(
                (str(c), CHOICE_WORDS.get(str(c), _words(str(c)))) for c in get_args(annotation)
            )
            specs.append(Spec(kind="choice", choices=choices, **common))
        elif name in ("gpu", "default_gpu"):
            specs.append(Spec(kind="choice", choices=gpus, **common))
        elif annotation is datetime.date:
            specs.append(Spec(kind="date", **common))
        elif annotation is bool:
            specs.append(Spec(kind="bool", **{**common, "required": False}))
        elif annotation is str:
            specs.append(Spec(kind="text", **{**common, "required": False}, **_limits(metadata)))
        else:
            specs.append(Spec(kind="number", unit=unit, **common, **_limits(metadata)))


def _literal_choices(annotation: Any) -> tuple[tuple[str, str], ...]:
    return tuple((str(c), CHOICE_WORDS.get(str(c), _words(str(c)))) for c in get_args(annotation))


def _group(path: tuple[str, ...]) -> str:
    return " · ".join(_words(part) for part in path) if path else "General"


# --- A case's drivers ---------------------------------------------------------------------------


def drivers_specs(gpus: Sequence[str] = (), models: Sequence[tuple[str, str]] = ()) -> list[Spec]:
    """Every driver of :class:`EstimateInput` but the archetype (the page's)."""
    specs = []
    for name, (group, label, unit) in DRIVERS.items():
        info = EstimateInput.model_fields[name]
        annotation, metadata, _, _ = _unwrap(info.annotation)
        common: dict[str, Any] = {
            "path": (name,),
            "group": group,
            "label": label,
            "unit": unit,
            "help": _driver_help(info.description or ""),
            "required": False,
        }
        if name in BOUNDS:
            bounds = BOUNDS[name]
            specs.append(
                Spec(
                    kind="uncertain",
                    minimum=bounds.minimum,
                    above=bounds.above,
                    maximum=bounds.maximum,
                    **common,
                )
            )
        elif name == "gpu":
            specs.append(Spec(kind="choice", choices=tuple((g, g) for g in gpus), **common))
        elif name == "model":
            specs.append(Spec(kind="choice", choices=tuple(models), **common))
        elif get_origin(annotation) is Literal:
            choices = tuple(
                (str(c), CHOICE_WORDS.get(str(c), _words(str(c)))) for c in get_args(annotation)
            )
            specs.append(Spec(kind="choice", choices=choices, **common))
        else:
            specs.append(Spec(kind="number", **common, **_limits([*info.metadata, *metadata])))
    return specs


def _driver_help(description: str) -> str:
    # The model's descriptions name other drivers by their keys; the page names them in words.
    for key, (_, label, _) in DRIVERS.items():
        if "_" in key:
            description = re.sub(rf"\b{key}\b", f"“{label.lower()}”", description)
    return description.replace("'oversight'", "“oversight”")


# --- The form ------------------------------------------------------------------------------------


@dataclass
class Shown:
    """One spec on the page with its bound field(s): one, or low / likely / high."""

    spec: Spec
    fields: list[forms.BoundField]
    note: str = ""


@dataclass
class Fieldset:
    legend: str
    help: str = ""
    items: list[Shown] = field(default_factory=list)
    heading: str = ""  # the legend under its section's title


@dataclass
class Section:
    """Fieldsets under one heading, shown open when they need attention (or all are open)."""

    title: str
    fieldsets: list[Fieldset] = field(default_factory=list)
    open: bool = False


def _get(document: Any, path: Sequence[str]) -> Any:
    for part in path:
        if not isinstance(document, Mapping) or part not in document:
            return None
        document = document[part]
    return document


def _set(document: dict[str, Any], path: Sequence[str], value: Any) -> None:
    for part in path[:-1]:
        document = document.setdefault(part, {})
    if value is None:
        document.pop(path[-1], None)
    else:
        document[path[-1]] = value


def _ends(value: Any) -> dict[str, Any] | None:
    """low / likely / high of a stored uncertain value; None when it is a distribution the
    form cannot show (normal, lognormal)."""
    if value is None:
        return {}
    if isinstance(value, int | float):
        return {"likely": _plain(value)}
    if isinstance(value, Mapping):
        kind = value.get("distribution")
        if kind in (None, "uniform", "triangular"):
            return {
                "low": _plain(value.get("low")),
                "likely": _plain(value.get("mode")),
                "high": _plain(value.get("high")),
            }
    return None


class EditorForm(StorableTextMixin, forms.Form):
    """The fields of ``specs``, filled from ``stored``; :meth:`document` is the new document."""

    comment = forms.CharField(
        required=False,
        label="What changed, and why",
        widget=forms.TextInput(attrs=widget_limits(AssumptionsChange, "comment")),
    )

    def __init__(
        self,
        specs: Sequence[Spec],
        stored: Mapping[str, Any],
        *args: Any,
        with_comment: bool = True,
        collapsed: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.collapsed = collapsed  # sections closed but the first (and those with problems)
        self.specs = list(specs)
        self.stored = copy.deepcopy(dict(stored))
        self.kept: dict[str, str] = {}  # uncertain drivers the form cannot show, kept as stored
        if not with_comment:
            del self.fields["comment"]
        for spec in self.specs:
            value = _get(self.stored, spec.path)
            if spec.kind == "uncertain":
                ends = _ends(value)
                if ends is None:
                    self.kept[spec.name] = (
                        f"Set through the API as a {value.get('distribution')} distribution; "
                        "kept as it is."
                    )
                for end in ENDS:
                    self.fields[f"{spec.name}__{end}"] = self._number(
                        spec,
                        required=False,
                        label=end.title(),
                        initial=(ends or {}).get(end),
                        disabled=ends is None,
                    )
            elif spec.kind == "number":
                self.fields[spec.name] = self._number(
                    spec, required=spec.required, label=spec.label, initial=_plain(value)
                )
            elif spec.kind == "choice":
                choices = list(spec.choices)
                if value is not None and str(value) not in dict(choices):
                    choices.append((str(value), str(value)))
                if not spec.required:
                    choices.insert(0, ("", "Not set"))
                self.fields[spec.name] = forms.ChoiceField(
                    label=spec.label, choices=choices, required=spec.required, initial=value
                )
            elif spec.kind == "date":
                self.fields[spec.name] = forms.DateField(
                    label=spec.label,
                    required=spec.required,
                    initial=value,
                    widget=forms.DateInput(attrs={"type": "date"}),
                )
            elif spec.kind == "bool":
                self.fields[spec.name] = forms.BooleanField(
                    label=spec.label, required=False, initial=value
                )
            else:
                self.fields[spec.name] = forms.CharField(
                    label=spec.label,
                    required=False,
                    initial=value,
                    max_length=spec.max_length,
                    strip=True,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )
            if spec.kind != "uncertain":
                self.fields[spec.name].help_text = spec.help
        for form_field in self.fields.values():  # Bootstrap's controls (portal.forms)
            widget = form_field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select"
            else:
                widget.attrs["class"] = "form-control"

    @staticmethod
    def _number(spec: Spec, **kwargs: Any) -> forms.FloatField:
        attrs: dict[str, Any] = {"step": "any", "inputmode": "decimal"}
        if spec.minimum is not None:
            attrs["min"] = _plain(spec.minimum)
        if spec.maximum is not None and math.isfinite(spec.maximum):
            attrs["max"] = _plain(spec.maximum)
        # The bounds are the model's to check, with its words (shown on the field).
        return forms.FloatField(widget=forms.NumberInput(attrs=attrs), **kwargs)

    # --- The page ---

    def sections(self) -> list[Section]:
        """The fieldsets by the document's top-level parts (salaries, GPUs, the intake...)."""
        found: dict[str, Section] = {}
        for fieldset in self.fieldsets():
            title = fieldset.legend.split(" · ")[0]
            section = found.setdefault(title, Section(title, open=not self.collapsed))
            fieldset.heading = fieldset.legend.removeprefix(title).removeprefix(" · ")
            section.fieldsets.append(fieldset)
            if any(bound.errors for item in fieldset.items for bound in item.fields):
                section.open = True
        if found:
            next(iter(found.values())).open = True
        return list(found.values())

    def fieldsets(self) -> list[Fieldset]:
        if self.is_bound:  # the fields with a problem, marked for the eye (Bootstrap)
            for name in self.errors:
                if name in self.fields:
                    widget = self.fields[name].widget
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
        sets: dict[str, Fieldset] = {}
        for spec in self.specs:
            names = (
                [f"{spec.name}__{end}" for end in ENDS] if spec.kind == "uncertain" else [spec.name]
            )
            shown = Shown(spec, [self[name] for name in names], self.kept.get(spec.name, ""))
            sets.setdefault(spec.group, Fieldset(spec.group, spec.group_help)).items.append(shown)
        return list(sets.values())

    # --- Saving ---

    def document(self) -> dict[str, Any]:
        """The stored document with the form's values laid over it (call after ``is_valid``);
        problems of a low / likely / high triple are added to the form."""
        document = copy.deepcopy(self.stored)
        data = self.cleaned_data
        for spec in self.specs:
            if spec.kind == "uncertain":
                if spec.name in self.kept:
                    continue
                low, likely, high = (data.get(f"{spec.name}__{end}") for end in ENDS)
                if low is None and high is None:
                    value: Any = likely
                elif low is None or high is None:
                    missing = "low" if low is None else "high"
                    self.add_error(
                        f"{spec.name}__{missing}",
                        "Give both the low and the high end, or only the likely value.",
                    )
                    continue
                else:
                    value = {"low": low, "high": high}
                    if likely is not None:
                        value["mode"] = likely
                _set(document, spec.path, value)
                continue
            value = data.get(spec.name)
            if spec.kind == "choice" and value == "":
                value = None
            elif spec.kind == "date" and value is not None:
                value = value.isoformat()
            elif spec.kind == "text" and value is None:
                value = ""
            _set(document, spec.path, value)
        return document

    def check(self, validate: Callable[[dict[str, Any]], object], document: dict[str, Any]) -> bool:
        """True when ``validate`` (the model's) takes ``document``; else its problems are shown
        on the fields."""
        try:
            validate(document)
        except ValidationError as error:
            self.show(error)
            return False
        return not self.errors

    def removed(self, document: Mapping[str, Any]) -> dict[str, None]:
        """Top-level keys of the stored document the form emptied (``null`` removes them)."""
        return {key: None for key in self.stored if key not in document}

    def show(self, error: ValidationError) -> None:
        """Each of the model's problems next to the field it is about; the rest above the form."""
        for problem in error.errors():
            words = error_words(problem)
            location = tuple(
                part
                for part in problem.get("loc", ())
                if isinstance(part, str) and part not in TAGS
            )
            named = re.match(r"^(\w+): (.+)$", words)
            if not location and named:  # the model's own rule, naming the field in its words
                location, words = (named.group(1),), named.group(2)
                words = words[:1].upper() + words[1:]
            self.add_error(self._field_for(location, problem), words)

    def _field_for(self, location: tuple[str, ...], problem: Mapping[str, Any]) -> str | None:
        for size in range(len(location), 0, -1):
            spec = next((s for s in self.specs if s.path == location[:size]), None)
            if spec is None:
                continue
            if spec.kind != "uncertain":
                return spec.name
            rest = location[size:]
            if rest and rest[0] in ("low", "high", "mode"):
                return f"{spec.name}__{'likely' if rest[0] == 'mode' else rest[0]}"
            return self._out_of_bounds_end(spec, problem)
        return None

    def _out_of_bounds_end(self, spec: Spec, problem: Mapping[str, Any]) -> str:
        bounds = BOUNDS.get(spec.path[0])
        for end in ("low", "high", "likely"):
            value = self.cleaned_data.get(f"{spec.name}__{end}")
            if bounds is not None and value is not None and bounds.describe_violation(value):
                return f"{spec.name}__{end}"
        # A range in the wrong order ("high must be greater than or equal to low"): its high end.
        ranged = self.cleaned_data.get(f"{spec.name}__high") is not None
        return f"{spec.name}__{'high' if ranged else 'likely'}"
