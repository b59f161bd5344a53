"""Forms of the estimates' pages. They check the shape of the input; the choices and rules are
the typed inputs' (:mod:`usecases.inputs`) and the engine's (``ArchetypeAnswers``,
``EstimateInput``, ``Assumptions``)."""

from __future__ import annotations

import json
from typing import Any, get_args

from django import forms

from portal.forms import StorableTextMixin
from portal.inputs import widget_limits
from portal.validators import TOO_DEEP, json_depth_exceeds
from usecases.estimates.archetype import DataVolume
from usecases.estimates.inputs import Skills
from usecases.inputs import CHOOSE_ARCHETYPE, ArchetypeChoice, AssumptionsChange
from usecases.models import Archetype

SKILL_LABELS = {"strong": "A strong team"}
YES_NO = [("yes", "Yes"), ("no", "No")]


class ArchetypeForm(forms.Form):
    model_does_job_as_is = forms.ChoiceField(
        label="Does an available model (such as a chat assistant) already do the job as it is?",
        help_text="Try the task in an approved assistant: if its answers are good enough "
        "without your data, say yes.",
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    needs_company_data = forms.ChoiceField(
        label="Does it need the company's own data (documents, records, code)?",
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    must_run_on_company_infrastructure = forms.ChoiceField(
        label="Must it run on the company's own infrastructure?",
        help_text="Yes when the data may not leave the company, by law or contract.",
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    capability_is_differentiator = forms.ChoiceField(
        label="Is this capability something that sets the company apart from competitors?",
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    data_volume = forms.ChoiceField(
        label="How much proprietary data is there for it?",
        help_text="Small: thousands of documents. Large: hundreds of thousands. Massive: "
        "billions of words, enough to train a model.",
        choices=[(volume, volume.title()) for volume in get_args(DataVolume)],
    )
    budget_ceiling = forms.DecimalField(
        label="Budget ceiling (USD, one-time plus the first year)",
        help_text="Leave empty if there is none yet.",
        required=False,
        decimal_places=0,  # whole dollars on the page
        widget=forms.NumberInput(attrs={"min": "0"}),
    )
    skills_in_house = forms.ChoiceField(
        label="AI engineering skills in house",
        choices=[(skill, SKILL_LABELS.get(skill, skill.title())) for skill in get_args(Skills)],
    )
    expected_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def answering(self) -> dict[str, Any]:
        """What ``usecases.inputs.ArchetypeAnswering`` takes."""
        data = dict(self.cleaned_data)
        expected_version = data.pop("expected_version", None)
        for name in (
            "model_does_job_as_is",
            "needs_company_data",
            "must_run_on_company_infrastructure",
            "capability_is_differentiator",
        ):
            data[name] = data[name] == "yes"
        budget = data.get("budget_ceiling")
        data["budget_ceiling"] = float(budget) if budget is not None else None
        return {"answers": data, "expected_version": expected_version}

    @classmethod
    def initial_from(cls, answers: dict[str, Any] | None) -> dict[str, Any]:
        if not answers:
            return {}
        return {
            key: ("yes" if value else "no") if isinstance(value, bool) else value
            for key, value in answers.items()
        }


class ChooseArchetypeForm(StorableTextMixin, forms.Form):
    archetype = forms.ChoiceField(
        choices=Archetype.choices,
        error_messages={"required": CHOOSE_ARCHETYPE, "invalid_choice": CHOOSE_ARCHETYPE},
    )
    justification = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, **widget_limits(ArchetypeChoice, "justification")}),
        help_text="Needed when you depart from the recommendation.",
    )
    expected_version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class JsonForm(StorableTextMixin, forms.Form):
    document = forms.CharField(widget=forms.Textarea(attrs={"rows": 18, "class": "font-monospace"}))
    comment = forms.CharField(
        required=False, widget=forms.TextInput(attrs=widget_limits(AssumptionsChange, "comment"))
    )

    def clean_document(self) -> Any:
        try:
            document = json.loads(self.cleaned_data["document"])
        except json.JSONDecodeError as error:
            raise forms.ValidationError(f"This is not valid JSON: {error}") from None
        except RecursionError:
            raise forms.ValidationError(TOO_DEEP) from None
        if json_depth_exceeds(document):
            raise forms.ValidationError(TOO_DEEP)
        return document
