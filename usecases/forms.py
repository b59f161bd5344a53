"""Forms of the use-case pages. They check the shape of the input (text, a number, one of the
choices); the limits, choices and messages are the typed inputs' (:mod:`usecases.inputs`),
which the services take."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.urls import reverse_lazy

from policies.models import DataClassification, Policy, RegisterEntry
from portal.forms import PortalFormMixin, StorableTextMixin
from portal.inputs import widget_limits
from usecases.guardrails import Rule
from usecases.inputs import (
    TITLE_NEEDED,
    CommentInput,
    ExceptionGrant,
    ExceptionRequest,
    IntakeChange,
    Move,
    RiskRow,
    SignOffInput,
    TierOverrideAgreement,
    TierOverrideInput,
)
from usecases.models import (
    AccessControl,
    BenefitKind,
    BusinessFunction,
    DataCategory,
    HumanOversight,
    OutputAudience,
    RequestKind,
    ReviewedBy,
    RiskStatus,
    TaskKind,
    ValueLever,
)
from usecases.risk import (
    Exemption,
    HighRiskArea,
    NistRisk,
    ProhibitedPractice,
    RiskTier,
    TransparencyDuty,
)
from usecases.scoring import CRITERION_HELP, Criterion, Rubric


def _text(model: type[Any], name: str, rows: int = 0, css: str = "") -> forms.Widget:
    limits = {**widget_limits(model, name), **({"class": css} if css else {})}
    if rows:
        return forms.Textarea(attrs={"rows": str(rows), **limits})
    return forms.TextInput(attrs=limits)


def _number(name: str) -> forms.NumberInput:
    return forms.NumberInput(attrs=widget_limits(IntakeChange, name))


def _blank(choices: list[tuple[str, str]], label: str = "Choose…") -> list[tuple[str, str]]:
    return [("", label), *choices]


class IdeaForm(PortalFormMixin, forms.Form):
    title = forms.CharField(
        widget=_text(IntakeChange, "title"),
        help_text="A few words anyone would recognise, e.g. “Draft answers to customer emails”.",
        error_messages={"required": TITLE_NEEDED},
    )
    problem = forms.CharField(
        required=False,
        widget=_text(IntakeChange, "problem", rows=4),
        label="What problem does it solve?",
        help_text="Who struggles with what today, and what it costs. Plain words are best.",
    )
    proposed_solution = forms.CharField(
        required=False,
        widget=_text(IntakeChange, "proposed_solution", rows=4),
        label="How would AI help?",
        help_text="What the AI would do, and what people would still do themselves.",
    )
    value_lever = forms.ChoiceField(
        required=False,
        choices=_blank(ValueLever.choices),
        label="Kind of value",
        help_text="Productivity: the same work in less time. Growth: more sales or customers. "
        "New business model: something we could not offer before.",
    )
    business_function = forms.ChoiceField(
        required=False, choices=_blank(BusinessFunction.choices), label="Business function"
    )


class ValueForm(PortalFormMixin, forms.Form):
    people_affected = forms.IntegerField(
        required=False,
        widget=_number("people_affected"),
        label="People who would use it or be affected",
        help_text="A rough count is fine: e.g. 40 agents in the contact centre.",
    )
    benefit_kind = forms.ChoiceField(
        required=False,
        choices=_blank(BenefitKind.choices),
        label="Main benefit",
        help_text="Choose time saved for productivity cases, revenue for growth cases.",
    )
    hours_saved_per_person_per_week = forms.DecimalField(
        required=False,
        widget=_number("hours_saved_per_person_per_week"),
        label="Hours saved per person per week",
        help_text="For time saved: e.g. 2.5 hours a week for each person.",
    )
    task_kind = forms.ChoiceField(
        required=False,
        choices=_blank(TaskKind.choices, "None of these / not sure"),
        label="Kind of task the time is saved on",
        help_text="If you cannot say how many hours it saves, leave the hours empty and choose "
        "the task: the estimate then uses the range published studies found for it.",
    )
    revenue_per_year = forms.DecimalField(
        required=False,
        widget=_number("revenue_per_year"),
        label="Revenue per year",
        help_text="For revenue: extra revenue a year, in USD.",
    )
    benefit_confidence = forms.IntegerField(
        required=False,
        widget=_number("benefit_confidence"),
        label="Confidence in this estimate (%)",
        help_text="50 means an educated guess; 90 means you have measured it.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.task_evidence = _task_evidence()


def _task_evidence() -> list[dict[str, Any]]:
    """The default hours-saved ranges by kind of task, with their sources (assumptions in force)."""
    from usecases.estimates.services import assumptions_current

    assumptions = assumptions_current().assumptions()
    hours = assumptions.intake.working_hours_per_week
    rows = []
    for slug, evidence in assumptions.intake.hours_saved_by_task.items():
        if slug not in TaskKind.values:
            continue
        low, likely, high = evidence.hours_per_week(hours)
        rows.append(
            {"kind": slug, "evidence": evidence, "low": low, "likely": likely, "high": high}
        )
    return rows


class DataForm(PortalFormMixin, forms.Form):
    data_classification = forms.ChoiceField(
        required=False,
        choices=_blank(DataClassification.choices),
        label="Most sensitive data it would use",
        help_text="Public: on our website. Internal: meeting notes, wikis. Confidential: customer "
        "records, contracts. Restricted: health data, credentials, unreleased financials.",
    )
    data_categories = forms.MultipleChoiceField(
        required=False,
        choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        label="Kinds of data",
        help_text="Tick every kind the AI would see. Leave all empty if none applies.",
    )
    output_audience = forms.MultipleChoiceField(
        required=False,
        choices=OutputAudience.choices,
        widget=forms.CheckboxSelectMultiple,
        label="Who sees the output",
    )
    human_oversight = forms.ChoiceField(
        required=False,
        choices=_blank(HumanOversight.choices),
        label="How people check the output",
        help_text="Fully automated means nobody looks at an output before it takes effect.",
    )


class ToolChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        status = obj.get_status_display().lower()
        data = obj.get_max_data_classification_display().lower()
        return f"{obj.name} ({status}, up to {data} data)"


class ToolsForm(PortalFormMixin, forms.Form):
    preferred_tools = ToolChoiceField(
        required=False,
        queryset=RegisterEntry.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        label="Preferred tools or models",
        help_text="From the AI tools register. Not sure? Leave it empty: the CIO office will "
        "suggest one.",
    )


def _kinds_in_words() -> str:
    """The named request kinds with their token counts, from the assumptions in force."""
    from usecases.estimates.services import assumptions_current

    kinds = assumptions_current().assumptions().intake.request_kinds
    return "; ".join(
        f"{RequestKind(slug).label.lower()}: {shape.input_tokens:,.0f} in, "
        f"{shape.output_tokens:,.0f} out"
        for slug, shape in kinds.items()
        if slug in RequestKind.values
    )


class UseForm(PortalFormMixin, forms.Form):
    """Who uses it, how often, what one request looks like and who reviews the outputs."""

    employee_users = forms.IntegerField(
        required=False,
        widget=_number("employee_users"),
        label="Employees who would use it",
        help_text="How many people of the company use it themselves. Only they get a licence.",
    )
    customer_interactions_per_month = forms.IntegerField(
        required=False,
        widget=_number("customer_interactions_per_month"),
        label="Customer or public interactions a month",
        help_text="Conversations, emails or requests from outside the company that it handles "
        "or drafts, e.g. 30,000 emails a month. Leave empty if none.",
    )
    uses_per_person_per_day = forms.DecimalField(
        required=False,
        widget=_number("uses_per_person_per_day"),
        label="Uses per employee per working day",
        help_text="How often one person would use it on a working day. Leave empty for the "
        "usual of the business function.",
    )
    request_kind = forms.ChoiceField(
        required=False,
        choices=_blank(RequestKind.choices),
        label="What one request looks like",
        help_text="Sets the tokens (about ¾ of a word each) per request.",
    )
    request_input_tokens = forms.IntegerField(
        required=False,
        widget=_number("request_input_tokens"),
        label="Tokens sent per request (optional)",
        help_text="Overrides the kind's count if you know better.",
    )
    request_output_tokens = forms.IntegerField(
        required=False,
        widget=_number("request_output_tokens"),
        label="Tokens produced per request (optional)",
    )
    reviewed_by = forms.ChoiceField(
        required=False,
        choices=_blank(ReviewedBy.choices),
        label="Who reviews what it produces",
        help_text="The user reviewing their own draft is part of their work: it is taken off "
        "the time saved. A separate team reviewing before an output goes out is a cost.",
    )
    review_share_percent = forms.IntegerField(
        required=False,
        widget=_number("review_share_percent"),
        label="Share of outputs reviewed (%)",
        help_text="100 when every output is read; e.g. 10 for spot checks.",
    )
    review_team_function = forms.ChoiceField(
        required=False,
        choices=_blank(BusinessFunction.choices),
        label="The reviewing team's function",
        help_text="For a separate team: its people's cost prices the review.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["request_kind"].help_text += f" Per request: {_kinds_in_words()}."


class SystemsForm(PortalFormMixin, forms.Form):
    """What it must be connected to: the integration effort and the retrieval index."""

    systems_connected = forms.IntegerField(
        required=False,
        widget=_number("systems_connected"),
        label="Company systems it connects to",
        help_text="E.g. 2 for the CRM and the ticketing system. 0 if none.",
    )
    writes_back = forms.NullBooleanField(
        required=False,
        widget=forms.NullBooleanSelect,
        label="Does it write back to a system?",
        help_text="Creating or changing records (a ticket, an order) needs more care than reading.",
    )
    data_sources = forms.IntegerField(
        required=False,
        widget=_number("data_sources"),
        label="Sources of company data it reads",
        help_text="E.g. the knowledge base and the policy library: 2.",
    )
    access_control = forms.ChoiceField(
        required=False,
        choices=_blank(AccessControl.choices),
        label="Who may see which data",
    )
    corpus_documents = forms.IntegerField(
        required=False,
        widget=_number("corpus_documents"),
        label="Documents it searches (roughly)",
        help_text="The size of the knowledge it answers from, e.g. 5,000 articles.",
    )


@dataclass(frozen=True)
class IntakeStep:
    slug: str
    title: str
    intro: str
    form_class: type[forms.Form]


INTAKE_STEPS = [
    IntakeStep("idea", "The idea", "Say what you want to change and why.", IdeaForm),
    IntakeStep("value", "The value", "Rough numbers are fine; say how sure you are.", ValueForm),
    IntakeStep(
        "data", "Data and people", "What the AI sees, and who checks what it produces.", DataForm
    ),
    IntakeStep(
        "use", "Use and review", "How much it would be used, and who checks its work.", UseForm
    ),
    IntakeStep("tools", "Tools", "Which approved tools or models you have in mind.", ToolsForm),
    IntakeStep("systems", "Systems", "What it must be connected to (skip if unsure).", SystemsForm),
]
STEP_OF_FIELD = {name: step.slug for step in INTAKE_STEPS for name in step.form_class.base_fields}


_INCOMPLETE = {
    "required": "The form was incomplete; reload the page and try again.",
    "invalid": "The form was incomplete; reload the page and try again.",
}


class TransitionForm(PortalFormMixin, forms.Form):
    to = forms.CharField(widget=forms.HiddenInput, error_messages=_INCOMPLETE)
    expected_version = forms.IntegerField(widget=forms.HiddenInput, error_messages=_INCOMPLETE)
    comment = forms.CharField(
        required=False, widget=_text(Move, "comment", rows=2), label="Comment"
    )


class CommentForm(PortalFormMixin, forms.Form):
    body = forms.CharField(
        error_messages={"required": "Write something before posting."},
        widget=_text(CommentInput, "body", rows=3),
        label="Add a comment",
        help_text="The submitter, the department's leads and the CIO office see comments.",
    )


class ExceptionForm(PortalFormMixin, forms.Form):
    """A reviewer's request for an exception; another reviewer or an administrator grants it."""

    finding_key = forms.CharField(widget=forms.HiddenInput, error_messages=_INCOMPLETE)
    reason = forms.CharField(
        error_messages={"required": "Explain why the exception is acceptable (a sentence)."},
        widget=_text(ExceptionRequest, "reason", rows=2),
        label="Why is this acceptable?",
        help_text="Recorded in the audit log with your name.",
    )
    conditions = forms.CharField(
        error_messages={"required": "Say on what conditions the exception holds (a sentence)."},
        widget=_text(ExceptionRequest, "conditions", rows=2),
        label="On what conditions?",
        help_text="What must stay true while the exception holds, e.g. anonymised data only.",
    )
    expires_on = forms.DateField(
        error_messages={
            "required": "Give the date the exception ends, such as 2027-03-31.",
            "invalid": "Give a date, such as 2027-03-31.",
        },
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        label="Ends on",
        help_text="Within a year. The finding opens again after this date.",
    )
    expected_version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ExceptionGrantForm(PortalFormMixin, forms.Form):
    finding_key = forms.CharField(widget=forms.HiddenInput, error_messages=_INCOMPLETE)
    comment = forms.CharField(
        required=False, widget=_text(ExceptionGrant, "comment", rows=1), label="Comment (optional)"
    )
    expected_version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class TierOverrideForm(PortalFormMixin, forms.Form):
    tier = forms.ChoiceField(
        choices=_blank(RiskTier.choices),
        label="Tier",
        error_messages={"required": "Choose the tier the case should have."},
    )
    reason = forms.CharField(
        error_messages={"required": "Explain in writing why the tier differs."},
        widget=_text(TierOverrideInput, "reason", rows=2),
        label="Why this tier?",
        help_text="Raising takes effect at once; lowering waits for a second reviewer.",
    )
    expected_version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class TierAgreementForm(PortalFormMixin, forms.Form):
    comment = forms.CharField(
        required=False,
        widget=_text(TierOverrideAgreement, "comment", rows=1),
        label="Comment (optional)",
    )
    expected_version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class SignOffForm(PortalFormMixin, forms.Form):
    comment = forms.CharField(
        required=False, widget=_text(SignOffInput, "comment", rows=2), label="Comment"
    )


class RiskQuestionnaireForm(PortalFormMixin, forms.Form):
    prohibited_practices = forms.MultipleChoiceField(
        required=False,
        choices=ProhibitedPractice.choices,
        widget=forms.CheckboxSelectMultiple,
        label="1. Does the system do any of these? (prohibited practices, Article 5)",
    )
    high_risk_areas = forms.MultipleChoiceField(
        required=False,
        choices=HighRiskArea.choices,
        widget=forms.CheckboxSelectMultiple,
        label="2. Is it used in any of these areas? (high-risk areas, Annex III)",
    )
    exemptions = forms.MultipleChoiceField(
        required=False,
        choices=Exemption.choices,
        widget=forms.CheckboxSelectMultiple,
        label="3. If you ticked an area: does one of these describe all it does? (Article 6(3))",
    )
    profiles_people = forms.BooleanField(
        required=False,
        label="It profiles people (evaluates their work, behaviour, preferences or reliability)",
    )
    safety_component = forms.BooleanField(
        required=False,
        label="It is a safety component of a regulated product (machinery, toys, medical devices, "
        "vehicles…)",
    )
    transparency_duties = forms.MultipleChoiceField(
        required=False,
        choices=TransparencyDuty.choices,
        widget=forms.CheckboxSelectMultiple,
        label="4. Does any of these apply? (transparency duties, Article 50)",
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput)

    def assessment(self) -> dict[str, Any]:
        """What ``usecases.inputs.RiskAssessment`` takes."""
        answers = {k: v for k, v in self.cleaned_data.items() if k != "expected_version"}
        return {"answers": answers, "expected_version": self.cleaned_data["expected_version"]}


_RATING_CHOICES = [("", "Not rated"), *[(str(n), str(n)) for n in range(1, 6)]]


class RatingsForm(PortalFormMixin, forms.Form):
    expected_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for criterion in Criterion:
            self.fields[criterion.value] = forms.TypedChoiceField(
                required=False,
                choices=_RATING_CHOICES,
                coerce=int,
                empty_value=None,
                label=criterion.label,
                help_text=CRITERION_HELP[criterion],
            )
            self.fields[f"{criterion.value}_note"] = forms.CharField(
                required=False, label=f"Note on {criterion.label.lower()}"
            )
        for name in self.fields:
            widget = self.fields[name].widget
            if not widget.attrs.get("class"):
                widget.attrs["class"] = (
                    "form-select form-select-sm"
                    if isinstance(widget, forms.Select)
                    else "form-control form-control-sm"
                )

    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[c.value], self[f"{c.value}_note"]) for c in Criterion]

    def ratings(self) -> dict[str, Any]:
        """What ``usecases.inputs.Ratings`` takes: every criterion (unrated ones cleared)."""
        return {
            "ratings": [
                {
                    "criterion": c.value,
                    "score": self.cleaned_data.get(c.value),
                    "note": self.cleaned_data.get(f"{c.value}_note", ""),
                }
                for c in Criterion
            ],
            "expected_version": self.cleaned_data["expected_version"],
        }


_LEVEL_CHOICES = [("", "—"), *[(str(n), str(n)) for n in range(1, 6)]]


def _level() -> forms.TypedChoiceField:
    """A 1 to 5 level of the register, or none (the risk does not apply, or is not judged yet)."""
    return forms.TypedChoiceField(
        required=False,
        choices=_LEVEL_CHOICES,
        coerce=int,
        empty_value=None,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )


class RiskRowForm(StorableTextMixin, forms.Form):
    risk = forms.ChoiceField(choices=NistRisk.choices, widget=forms.HiddenInput)
    likelihood = _level()
    severity = _level()
    mitigation = forms.CharField(
        required=False,
        widget=_text(RiskRow, "mitigation", rows=1, css="form-control form-control-sm"),
    )
    residual_likelihood = _level()
    residual_severity = _level()
    # A username from the directory: a search field, not a select (100,000 people); the
    # people picker (portal.js) suggests usernames from names as one types.
    owner = forms.CharField(
        required=False,
        widget=forms.TextInput(
            attrs={
                **widget_limits(RiskRow, "owner"),
                "class": "form-control form-control-sm",
                "list": "risk-owner-options",
                "data-people-picker": reverse_lazy("usecases:risk-owners"),
                "autocomplete": "off",
                "placeholder": "name or username",
            }
        ),
    )
    status = forms.ChoiceField(
        choices=RiskStatus.choices,
        initial=RiskStatus.OPEN,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("likelihood") is None) != (data.get("severity") is None):
            raise forms.ValidationError(
                "Rate both likelihood and severity, or neither if the risk does not apply."
            )
        if data.get("likelihood") is None and (
            data.get("residual_likelihood") is not None or data.get("residual_severity") is not None
        ):
            raise forms.ValidationError(
                "Rate the risk itself before what is left of it after the mitigation."
            )
        return data


RiskRegisterFormSet = forms.formset_factory(RiskRowForm, extra=0, max_num=12, absolute_max=12)


def risk_register_data(formset: Any) -> dict[str, Any]:
    """What ``usecases.inputs.RiskRegister`` takes: the rows rated (the others: not assessed)."""
    return {"rows": [row for row in formset.cleaned_data if row.get("likelihood") is not None]}


class RubricForm(PortalFormMixin, forms.Form):
    """The rubric's figures; ``scoring.Rubric`` says which make sense."""

    value_share = forms.FloatField(
        label="Weight of value in priority (0-1)",
        help_text="0.5 weighs value and feasibility equally; 0.7 favours value.",
    )
    value_threshold = forms.FloatField(label="High value from (0-100)")
    feasibility_threshold = forms.FloatField(label="High feasibility from (0-100)")
    comment = forms.CharField(
        required=False,
        label="What changed and why",
        help_text="Kept with the version.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for criterion in Criterion:
            self.fields[f"weight_{criterion.value}"] = forms.FloatField(
                label=criterion.label,
                widget=forms.NumberInput(attrs={"class": "form-control", "step": "any"}),
            )
        for tier in RiskTier:
            self.fields[f"penalty_{tier.value}"] = forms.FloatField(
                label=tier.label,
                help_text="Points taken off priority.",
                widget=forms.NumberInput(attrs={"class": "form-control", "step": "any"}),
            )

    @staticmethod
    def initial_from(rubric: Rubric) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "value_share": rubric.value_share,
            "value_threshold": rubric.value_threshold,
            "feasibility_threshold": rubric.feasibility_threshold,
        }
        initial.update({f"weight_{c.value}": w for c, w in rubric.weights.items()})
        initial.update({f"penalty_{t.value}": p for t, p in rubric.risk_penalty.items()})
        return initial

    def weight_fields(self) -> list[forms.BoundField]:
        return [self[f"weight_{c.value}"] for c in Criterion]

    def penalty_fields(self) -> list[forms.BoundField]:
        return [self[f"penalty_{t.value}"] for t in RiskTier]

    def change(self) -> dict[str, Any]:
        """What ``usecases.inputs.RubricChange`` takes."""
        data = self.cleaned_data
        return {
            "rubric": {
                "weights": {c.value: data[f"weight_{c.value}"] for c in Criterion},
                "value_share": data["value_share"],
                "risk_penalty": {t.value: data[f"penalty_{t.value}"] for t in RiskTier},
                "value_threshold": data["value_threshold"],
                "feasibility_threshold": data["feasibility_threshold"],
            },
            "comment": data["comment"],
        }


class GuardrailPoliciesForm(PortalFormMixin, forms.Form):
    """For each guardrail rule, the policy it comes from (or none yet)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for rule in Rule:
            self.fields[rule.value] = forms.ModelChoiceField(
                queryset=Policy.objects.order_by("title"),
                required=False,
                empty_label="No policy named yet",
                label=rule.label,
                widget=forms.Select(attrs={"class": "form-select"}),
            )

    def policies(self) -> dict[str, Any]:
        """What ``usecases.inputs.GuardrailPolicies`` takes."""
        return {"policies": {rule.value: self.cleaned_data.get(rule.value) for rule in Rule}}
