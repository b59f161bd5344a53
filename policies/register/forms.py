"""Forms of the register pages. They check the shape of the input; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.boundfield import BoundField

from policies.models import (
    DataClassification,
    EntryKind,
    EntryStatus,
    Indemnity,
    Policy,
    TrainingDataDisclosure,
)
from policies.register.inputs import RegisterEntryInput
from policies.register.lookup import CLASSIFICATION_HINTS
from portal.forms import StorableTextMixin
from portal.inputs import widget_limits


def _blank_first(choices: list[tuple[str, str]], blank: str) -> list[tuple[str, str]]:
    return [("", blank), *choices]


class LookupForm(forms.Form):
    """``?tool=<slug>&data=<classification>``: a question that can be shared as a link.

    The fields are added in ``__init__`` because ``data`` is also the name of the form's input.
    Neither is required: a half-asked question (a tool, no data yet) gets a prompt, not an error.
    """

    def __init__(self, *args: Any, tools: list[tuple[str, str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tool"] = forms.ChoiceField(
            label="Tool or model",
            required=False,
            choices=_blank_first(
                [(slug, f"{name} ({vendor})" if vendor else name) for slug, name, vendor in tools],
                "Choose a tool or model…",
            ),
            error_messages={"invalid_choice": "There is no tool “%(value)s” in the register."},
        )
        self.fields["data"] = forms.ChoiceField(
            label="The most sensitive data you would use with it",
            required=False,
            choices=_blank_first(
                [
                    (value, f"{label} — {CLASSIFICATION_HINTS[DataClassification(value)]}")
                    for value, label in DataClassification.choices
                ],
                "Choose a data classification…",
            ),
            error_messages={"invalid_choice": "“%(value)s” is not a data classification."},
        )


class RegisterFilterForm(forms.Form):
    kind = forms.ChoiceField(
        required=False, choices=_blank_first(EntryKind.choices, "Any kind"), label="Kind"
    )
    status = forms.ChoiceField(
        required=False, choices=_blank_first(EntryStatus.choices, "Any status"), label="Status"
    )
    search = forms.CharField(required=False, max_length=100, label="Name or vendor")


def _text(name: str, **kwargs: Any) -> forms.CharField:
    # The limits are the input's (policies.register.inputs), which refuses what breaks them.
    attrs = widget_limits(RegisterEntryInput, name)
    return forms.CharField(widget=forms.TextInput(attrs=attrs), **kwargs)


def _price(name: str, label: str, help_text: str) -> forms.DecimalField:
    attrs = {**widget_limits(RegisterEntryInput, name), "inputmode": "decimal"}
    return forms.DecimalField(
        label=label, required=False, help_text=help_text, widget=forms.NumberInput(attrs=attrs)
    )


class _BootstrapBoundField(BoundField):
    """Marks a field with errors for Bootstrap and points it at its message."""

    def build_widget_attrs(self, attrs: dict[str, Any], widget: Any = None) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        if self.errors:
            attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
            attrs["aria-describedby"] = f"{self.auto_id}_error"
        return attrs


class RegisterEntryForm(StorableTextMixin, forms.Form):
    bound_field_class = _BootstrapBoundField
    name = _text(
        "name", label="Name", help_text="As people know it, e.g. “GitHub Copilot Business”."
    )
    vendor = _text("vendor", label="Vendor", required=False)
    kind = forms.ChoiceField(label="Kind", choices=_blank_first(EntryKind.choices, "Choose…"))
    description = _text(
        "description",
        label="Short description",
        required=False,
        help_text="One sentence: what it is for.",
    )
    status = forms.ChoiceField(label="Status", choices=EntryStatus.choices)
    max_data_classification = forms.ChoiceField(
        label="Approved for data up to",
        choices=DataClassification.choices,
        help_text="The most sensitive data classification this tool may be used with.",
    )
    conditions_of_use = forms.CharField(
        label="Conditions of use",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What people must do or avoid when using it. Leave empty if there are none.",
    )
    governing_policy = forms.ModelChoiceField(
        label="Governing policy",
        queryset=Policy.objects.order_by("title"),
        required=False,
        empty_label="None",
    )
    training_data_disclosure = forms.ChoiceField(
        label="Training data sources", choices=TrainingDataDisclosure.choices
    )
    licence = _text("licence", label="Licence or terms", required=False)
    output_ownership = _text("output_ownership", label="Who owns the output", required=False)
    indemnity = forms.ChoiceField(
        label="IP indemnity from the provider",
        choices=Indemnity.choices,
        widget=forms.RadioSelect,
    )
    price_per_million_input_tokens = _price(
        "price_per_million_input_tokens",
        "Input price (USD per million tokens)",
        "The public list price.",
    )
    price_per_million_output_tokens = _price(
        "price_per_million_output_tokens",
        "Output price (USD per million tokens)",
        "The public list price.",
    )
    gpu_type = _text(
        "gpu_type", label="GPU type", required=False, help_text="For self-hosted models."
    )
    gpu_hourly_price = _price(
        "gpu_hourly_price", "GPU price (USD per GPU-hour)", "For self-hosted models."
    )
    seat_price_monthly = _price(
        "seat_price_monthly",
        "Seat price (USD per user per month)",
        "For tools licensed per user, such as Microsoft 365 Copilot ($30).",
    )
    prices_checked_on = forms.DateField(
        label="Prices checked on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Needed whenever a price is given.",
    )

    SECTIONS = (
        ("What it is", ("name", "vendor", "kind", "description")),
        (
            "Approval",
            ("status", "max_data_classification", "conditions_of_use", "governing_policy"),
        ),
        (
            "Intellectual property",
            ("training_data_disclosure", "licence", "output_ownership", "indemnity"),
        ),
        (
            "Prices",
            (
                "price_per_million_input_tokens",
                "price_per_million_output_tokens",
                "gpu_type",
                "gpu_hourly_price",
                "seat_price_monthly",
                "prices_checked_on",
            ),
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = css

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in self.SECTIONS]
