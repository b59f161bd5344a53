from __future__ import annotations

from django import forms

from policies.models import PolicyCategory
from policies.rendering import MAX_BODY_BYTES
from portal.forms import PortalFormMixin
from portal.models import Department

BODY_HELP = (
    "Markdown: # for headings, **bold**, - for lists, [text](https://…) for links. "
    "The preview beside it shows what readers will see."
)


class PolicySettingsForm(PortalFormMixin, forms.Form):
    title = forms.CharField(max_length=200)
    category = forms.ChoiceField(choices=PolicyCategory.choices)
    summary = forms.CharField(
        max_length=300,
        required=False,
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
    body_markdown = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 18}),
        required=False,
        label="Text",
        help_text=BODY_HELP,
        max_length=MAX_BODY_BYTES,
    )


class VersionForm(PortalFormMixin, forms.Form):
    body_markdown = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 22}),
        required=False,
        label="Text",
        help_text=BODY_HELP,
        max_length=MAX_BODY_BYTES,
    )
    summary_of_changes = forms.CharField(
        max_length=500,
        required=False,
        help_text="For readers: what changed since the last version, in a sentence.",
    )
    is_material = forms.BooleanField(
        required=False,
        label="Material change",
        help_text="A material change asks everyone to acknowledge again; a minor one does not.",
    )


class ReasonForm(PortalFormMixin, forms.Form):
    reason = forms.CharField(
        max_length=2000,
        error_messages={"required": "Say what the author should change."},
        widget=forms.Textarea(attrs={"rows": 3}),
    )
