"""Forms of the policy pages. They check the shape of the input; the limits, choices and
messages come from the typed inputs (:mod:`policies.inputs`), which the services take."""

from __future__ import annotations

from django import forms

from policies.inputs import (
    REASON_NEEDED,
    REJECT_REASON_NEEDED,
    PolicySettings,
    RejectReason,
    ReturnReason,
    VersionText,
)
from policies.models import PolicyCategory
from policies.rendering import MAX_BODY_BYTES
from portal.forms import PortalFormMixin
from portal.inputs import widget_limits
from portal.models import Department

BODY_HELP = (
    "Markdown: # for headings, **bold**, - for lists, [text](https://…) for links. "
    "The preview beside it shows what readers will see."
)


def _body(rows: int) -> forms.CharField:
    # The renderer refuses a body over MAX_BODY_BYTES (policies.rendering), with its message.
    return forms.CharField(
        widget=forms.Textarea(attrs={"rows": rows, "maxlength": str(MAX_BODY_BYTES)}),
        required=False,
        label="Text",
        help_text=BODY_HELP,
    )


class PolicySettingsForm(PortalFormMixin, forms.Form):
    title = forms.CharField(widget=forms.TextInput(attrs=widget_limits(PolicySettings, "title")))
    category = forms.ChoiceField(choices=PolicyCategory.choices)
    summary = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs=widget_limits(PolicySettings, "summary")),
        help_text="One sentence shown in lists: what this policy is about.",
    )
    requires_acknowledgement = forms.BooleanField(
        required=False,
        initial=True,
        help_text="People in the audience must confirm they read it.",
    )
    audience_everyone = forms.BooleanField(
        required=False,
        initial=True,
        label="Everyone in the company",
        help_text="Untick to address chosen departments only.",
    )
    audience_departments = forms.ModelMultipleChoiceField(
        queryset=Department.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Departments",
    )


class NewPolicyForm(PolicySettingsForm):
    body_markdown = _body(18)


class VersionForm(PortalFormMixin, forms.Form):
    body_markdown = _body(22)
    summary_of_changes = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs=widget_limits(VersionText, "summary_of_changes")),
        help_text="For readers: what changed since the last version, in a sentence.",
    )
    is_material = forms.BooleanField(
        required=False,
        label="Material change",
        help_text="A material change asks everyone to acknowledge again; a minor one does not.",
    )


class ReasonForm(PortalFormMixin, forms.Form):
    reason = forms.CharField(
        error_messages={"required": REASON_NEEDED},
        widget=forms.Textarea(attrs={"rows": 3, **widget_limits(ReturnReason, "reason")}),
    )


class RejectForm(PortalFormMixin, forms.Form):
    reason = forms.CharField(
        error_messages={"required": REJECT_REASON_NEEDED},
        widget=forms.Textarea(attrs={"rows": 2, **widget_limits(RejectReason, "reason")}),
    )
