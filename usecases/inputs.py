"""The typed inputs of the use-case writes: intake, the workflow, risk, ratings, exceptions,
sign-offs, the rubric, archetypes, drivers, assumptions and the guardrails' policies.

Each carries its ranges, choices and messages; forms and serializers take their choices and
limits from here, and the services take these (``data: <Input>``). See :mod:`portal.inputs`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Annotated, Any

from django.utils import timezone
from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator

from policies.models import DataClassification, Policy, RegisterEntry
from portal.inputs import Choice, Choices, Input, Needed, Number, Text
from portal.models import Department
from usecases.estimates.archetype import ArchetypeAnswers
from usecases.guardrails import Rule
from usecases.models import (
    AccessControl,
    Archetype,
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
from usecases.risk import NistRisk, RiskAnswers, RiskTier
from usecases.scoring import Criterion, Rubric
from usecases.workflow import TRANSITIONS, Status

# --- Intake -----------------------------------------------------------------------------------

TITLE_NEEDED = "Give the case a short title, even a provisional one."

Title = Annotated[str, Text(200, required=TITLE_NEEDED, one_line=True)]
LongText = Annotated[str, Text(5000)]
PeopleAffected = Annotated[
    int | None,
    Number(
        what="the number of people",
        high=10_000_000,
        below="The number of people cannot be negative.",
    ),
]
HoursSaved = Annotated[
    Decimal | None,
    Number(
        what="hours per person per week",
        high=60,
        places=1,
        below="Hours saved cannot be negative.",
        above="At most 60 hours a week per person.",
    ),
]
RevenuePerYear = Annotated[
    Decimal | None,
    Number(
        what="revenue per year",
        high=Decimal("999999999999.99"),
        places=2,
        below="Revenue cannot be negative.",
        above="Enter revenue per year below 1,000,000,000,000.",
    ),
]
Confidence = Annotated[
    int | None,
    Number(
        what="a confidence in percent",
        high=100,
        below="Confidence is a percentage from 0 to 100; it cannot be negative.",
        above="Confidence is a percentage from 0 to 100; enter at most 100.",
    ),
]

EmployeeUsers = Annotated[
    int | None,
    Number(what="the number of employee users", high=10_000_000, below="It cannot be negative."),
]
Interactions = Annotated[
    int | None,
    Number(
        what="interactions a month",
        high=1_000_000_000,
        below="It cannot be negative.",
        above="Enter at most 1,000,000,000 interactions a month.",
    ),
]
UsesPerDay = Annotated[
    Decimal | None,
    Number(
        what="uses per person per working day",
        high=1_000,
        places=1,
        below="It cannot be negative.",
        above="At most 1,000 uses a person a day.",
    ),
]
Tokens = Annotated[
    int | None,
    Number(
        what="a number of tokens",
        high=2_000_000,
        below="A token count cannot be negative.",
        above="At most 2,000,000 tokens (the largest context windows).",
    ),
]
Percent = Annotated[
    int | None,
    Number(
        what="a percentage",
        high=100,
        below="A share is from 0 to 100 %.",
        above="A share is from 0 to 100 %; enter at most 100.",
    ),
]
SmallCount = Annotated[
    int | None,
    Number(what="a count", high=1_000, below="It cannot be negative.", above="At most 1,000."),
]
Documents = Annotated[
    int | None,
    Number(
        what="a number of documents",
        high=1_000_000_000,
        below="It cannot be negative.",
        above="At most 1,000,000,000 documents.",
    ),
]


class IntakeChange(Input):
    """The intake fields of a draft, each optional: only those given are changed, and a draft
    may stay incomplete until it is submitted (:class:`IntakeSubmission`)."""

    form_name = "the intake form"

    title: Title = ""
    problem: LongText = ""
    proposed_solution: LongText = ""
    value_lever: Annotated[str, Choice(ValueLever)] = ""
    business_function: Annotated[str, Choice(BusinessFunction)] = ""
    people_affected: PeopleAffected = None
    benefit_kind: Annotated[str, Choice(BenefitKind)] = ""
    hours_saved_per_person_per_week: HoursSaved = None
    revenue_per_year: RevenuePerYear = None
    benefit_confidence: Confidence = None
    data_classification: Annotated[str, Choice(DataClassification)] = ""
    data_categories: Annotated[tuple[str, ...], Choices(DataCategory)] = ()
    output_audience: Annotated[tuple[str, ...], Choices(OutputAudience)] = ()
    human_oversight: Annotated[str, Choice(HumanOversight)] = ""
    employee_users: EmployeeUsers = None
    customer_interactions_per_month: Interactions = None
    uses_per_person_per_day: UsesPerDay = None
    request_kind: Annotated[str, Choice(RequestKind)] = ""
    request_input_tokens: Tokens = None
    request_output_tokens: Tokens = None
    reviewed_by: Annotated[str, Choice(ReviewedBy)] = ""
    review_share_percent: Percent = None
    review_team_function: Annotated[str, Choice(BusinessFunction)] = ""
    systems_connected: SmallCount = None
    writes_back: bool | None = None
    data_sources: SmallCount = None
    access_control: Annotated[str, Choice(AccessControl)] = ""
    corpus_documents: Documents = None
    task_kind: Annotated[str, Choice(TaskKind)] = ""
    preferred_tools: tuple[RegisterEntry, ...] | None = None
    expected_version: int | None = None

    def intake(self) -> dict[str, Any]:
        """The intake fields given, as the case stores them (lists for the JSON fields)."""
        return {
            name: list(value) if isinstance(value, tuple) else value
            for name, value in self.given().items()
            if name not in ("preferred_tools", "expected_version")
        }


class NewIntake(IntakeChange):
    """A new draft: a title at least, for the proposer's department (their own by default)."""

    title: Title = Field(default="", validate_default=True)
    department: Department | None = None


def _at_least(characters: int) -> Callable[[Any], bool]:
    return lambda text: len(str(text or "").strip()) >= characters


class IntakeSubmission(Input):
    """What a case must hold before it goes to the CIO office, read from the case itself
    (``UseCase.snapshot()``): each message says what is missing."""

    model_config = ConfigDict(extra="ignore", frozen=True, validate_default=True)
    refused = "Some answers are still missing; see below."

    problem: Annotated[
        str,
        Needed(
            "Describe the problem in a sentence or two (at least 20 characters).", _at_least(20)
        ),
    ] = ""
    proposed_solution: Annotated[
        str,
        Needed(
            "Describe how AI would help, in a sentence or two (at least 20 characters).",
            _at_least(20),
        ),
    ] = ""
    value_lever: Annotated[str, Needed("Choose the kind of value the case brings.")] = ""
    business_function: Annotated[str, Needed("Choose the business function it serves.")] = ""
    people_affected: Annotated[
        int | None, Needed("Say how many people would use it or be affected (1 or more).")
    ] = None
    benefit_kind: Annotated[str, Needed("Choose whether the benefit is time saved or revenue.")] = (
        ""
    )
    benefit_confidence: Annotated[
        int | None,
        Needed("Say how confident you are in the estimate (0-100 %).", lambda v: v is not None),
    ] = None
    data_classification: Annotated[
        str, Needed("Choose the most sensitive data the case would use.")
    ] = ""
    output_audience: Annotated[list[str], Needed("Choose who sees the output.")] = []
    human_oversight: Annotated[str, Needed("Choose how people check the output.")] = ""

    @classmethod
    def cross_checks(cls, raw: Mapping[str, Any]) -> dict[str, str]:
        kind = raw.get("benefit_kind")
        no_hours = not raw.get("hours_saved_per_person_per_week")
        if kind == BenefitKind.HOURS_SAVED and no_hours and not raw.get("task_kind"):
            return {
                "hours_saved_per_person_per_week": (
                    "Estimate the hours saved per person per week (a rough figure is fine), "
                    "or choose the kind of task to use the published range for it."
                )
            }
        if kind == BenefitKind.REVENUE and not raw.get("revenue_per_year"):
            return {"revenue_per_year": "Estimate the revenue per year (a rough figure is fine)."}
        return {}

    @classmethod
    def missing(cls, snapshot: Mapping[str, Any]) -> dict[str, str]:
        """What is still missing (field → message); empty when the case can be submitted."""
        from portal.boundary import Refused

        try:
            cls.parse(snapshot)
        except Refused as refusal:
            return {field: problems[0] for field, problems in refusal.errors.items()}
        return {}


# --- The workflow -----------------------------------------------------------------------------

Comment = Annotated[str, Text(5000, too_long="Keep the comment under 5,000 characters.")]


class Move(Input):
    """A move along the workflow, with the comment (a reason, for the moves that need one)."""

    to: Annotated[
        str,
        Choice(Status, blank=False, unknown="“{value}” is not a status a case can move to."),
    ]
    comment: Comment = ""
    expected_version: int | None = None

    @classmethod
    def cross_checks(cls, raw: Mapping[str, Any]) -> dict[str, str]:
        to = str(getattr(raw.get("to"), "value", raw.get("to")) or "")
        if to in Status.values and to not in TRANSITIONS:
            return {"to": f"“{to}” is not a status a case can move to."}
        transition = TRANSITIONS.get(to)
        needs_reason = transition is not None and transition.needs_reason
        if needs_reason and not str(raw.get("comment") or "").strip():
            return {"comment": "Give a reason: the submitter will read it."}
        return {}


class Submission(Input):
    """Sending a draft to the CIO office."""

    comment: Comment = ""
    expected_version: int | None = None


class CommentInput(Input):
    body: Annotated[
        str,
        Text(
            5000,
            required="Write something before posting.",
            too_long="Keep comments under 5,000 characters.",
        ),
    ]


# --- Risk -------------------------------------------------------------------------------------


class RiskAssessment(Input):
    """The EU AI Act questionnaire's answers (their own typed model) on a case."""

    answers: RiskAnswers
    expected_version: int | None = None


def _level(name: str) -> Number:
    message = f"Rate the {name} from 1 (lowest) to 5 (highest)."
    return Number(what=name, low=1, high=5, below=message, above=message, not_a_number=message)


class RiskRow(Input):
    """One NIST AI 600-1 risk of the case's register."""

    risk: Annotated[
        str, Choice(NistRisk, blank=False, unknown="“{value}” is not one of the twelve NIST risks.")
    ]
    likelihood: Annotated[int, _level("likelihood")]
    severity: Annotated[int, _level("severity")]
    mitigation: Annotated[
        str, Text(2000, too_long="Keep the mitigation under 2,000 characters.")
    ] = ""
    # What is left once the mitigation works: both or neither, never above the risk itself.
    residual_likelihood: Annotated[int | None, _level("residual likelihood")] = None
    residual_severity: Annotated[int | None, _level("residual severity")] = None
    # The person who sees the mitigation through: a username from the directory (the service
    # checks that an active person has it).
    owner: Annotated[str, Text(150, too_long="Keep the owner under 150 characters.")] = ""
    status: Annotated[str, Choice(RiskStatus, blank=False, unknown="Choose one of: {known}.")] = (
        RiskStatus.OPEN
    )

    @field_validator("residual_likelihood")
    @classmethod
    def _residual_likelihood_within(cls, value: int | None, info: ValidationInfo) -> int | None:
        inherent = info.data.get("likelihood")
        if value is not None and inherent is not None and value > inherent:
            raise ValueError(
                f"The residual likelihood cannot be above the likelihood ({inherent}): "
                "a mitigation does not make a risk likelier."
            )
        return value

    @field_validator("residual_severity")
    @classmethod
    def _residual_severity_within(cls, value: int | None, info: ValidationInfo) -> int | None:
        inherent = info.data.get("severity")
        if value is not None and inherent is not None and value > inherent:
            raise ValueError(
                f"The residual severity cannot be above the severity ({inherent}): "
                "a mitigation does not make a risk worse."
            )
        return value

    @model_validator(mode="after")
    def _residual_both_or_neither(self) -> RiskRow:
        if (self.residual_likelihood is None) != (self.residual_severity is None):
            raise ValueError(
                "Rate both the residual likelihood and severity, or neither if the mitigation "
                "is not yet judged."
            )
        return self


def _row_field(
    raw: Mapping[str, Any], rows: str, key: str, *, sub_fields: bool
) -> Callable[[tuple[Any, ...]], str]:
    """Errors of a list of rows, named by each row's key (``confabulation.likelihood``)."""
    given = raw.get(rows) or []

    def where(location: tuple[Any, ...]) -> str:
        if len(location) >= 2 and location[0] == rows and isinstance(location[1], int):
            row = given[location[1]] if location[1] < len(given) else {}
            name = str((row.get(key) if isinstance(row, Mapping) else "") or key)
            rest = [str(part) for part in location[2:] if isinstance(part, str)]
            return ".".join([name, *rest]) if sub_fields and rest and rest != [key] else name
        return ".".join(str(part) for part in location if isinstance(part, str))

    return where


class RiskRegister(Input):
    """The whole NIST risk register of a case: risks left out are not assessed."""

    rows: tuple[RiskRow, ...] = ()
    expected_version: int | None = None

    @classmethod
    def error_field(cls, raw: Mapping[str, Any]) -> Callable[[tuple[Any, ...]], str]:
        return _row_field(raw, "rows", "risk", sub_fields=True)

    @field_validator("rows")
    @classmethod
    def _each_risk_once(cls, rows: tuple[RiskRow, ...]) -> tuple[RiskRow, ...]:
        risks = [row.risk for row in rows]
        if len(set(risks)) != len(risks):
            raise ValueError("each risk appears once")
        return rows


# --- Ratings, exceptions, sign-offs and the rubric --------------------------------------------

RATING = "Rate from 1 (weakest) to 5 (strongest)."


class Rating(Input):
    criterion: Annotated[
        str,
        Choice(Criterion, blank=False, unknown="This is not one of the rating criteria."),
    ]
    score: Annotated[
        int | None,
        Number(what="a rating", low=1, high=5, below=RATING, above=RATING, not_a_number=RATING),
    ] = None  # None clears the rating
    note: Annotated[str, Text(500, too_long="Keep the note under 500 characters.")] = ""


class Ratings(Input):
    """A reviewer's ratings of some criteria (the others keep theirs)."""

    ratings: tuple[Rating, ...] = ()
    expected_version: int | None = None

    @classmethod
    def error_field(cls, raw: Mapping[str, Any]) -> Callable[[tuple[Any, ...]], str]:
        return _row_field(raw, "ratings", "criterion", sub_fields=False)

    @classmethod
    def of(
        cls, ratings: Mapping[str, tuple[int | None, str]], expected_version: int | None = None
    ) -> Ratings:
        """From criterion → (score or None, note)."""
        rows = [
            {"criterion": criterion, "score": score, "note": note}
            for criterion, (score, note) in ratings.items()
        ]
        return cls.parse(ratings=rows, expected_version=expected_version)


# The longest an exception may run before it is looked at again.
EXCEPTION_LONGEST = datetime.timedelta(days=366)


class ExceptionRequest(Input):
    """A reviewer asks for an exception to one open finding: why, on what conditions, until
    when (a date within a year). Another reviewer or an administrator grants it."""

    finding_key: Annotated[str, Text(120, required="There is no such finding on this case now.")]
    reason: Annotated[
        str,
        Text(
            2000,
            required="Explain why the exception is acceptable (a sentence).",
            min_length=10,
            too_short="Explain why the exception is acceptable (a sentence).",
        ),
    ]
    conditions: Annotated[
        str,
        Text(
            2000,
            required="Say on what conditions the exception holds (a sentence).",
            min_length=10,
            too_short="Say on what conditions the exception holds (a sentence).",
        ),
    ]
    expires_on: datetime.date
    expected_version: int | None = None

    @field_validator("expires_on", mode="before")
    @classmethod
    def _a_date(cls, expires_on: Any) -> Any:
        if expires_on in (None, ""):
            raise ValueError("Give the date the exception ends, such as 2027-03-31.")
        if isinstance(expires_on, datetime.date):
            return expires_on
        try:
            return datetime.date.fromisoformat(str(expires_on))
        except ValueError:
            raise ValueError("Give a date, such as 2027-03-31.") from None

    @field_validator("expires_on")
    @classmethod
    def _within_a_year(cls, expires_on: datetime.date) -> datetime.date:
        today = timezone.localdate()
        if expires_on <= today:
            raise ValueError("Give a date after today: the exception ends on it.")
        if expires_on > today + EXCEPTION_LONGEST:
            raise ValueError("An exception runs a year at most; give a date within a year.")
        return expires_on


class ExceptionGrant(Input):
    """A second reviewer (or an administrator) grants the exception requested for a finding."""

    finding_key: Annotated[str, Text(120, required="There is no such finding on this case now.")]
    comment: Annotated[str, Text(2000, too_long="Keep the comment under 2,000 characters.")] = ""
    expected_version: int | None = None


class TierOverrideInput(Input):
    """A reviewer overrides the EU AI Act tier, with the reason in writing."""

    tier: Annotated[str, Choice(RiskTier, blank=False, unknown="Choose one of the tiers: {known}.")]
    reason: Annotated[
        str,
        Text(
            2000,
            required="Explain in writing why the tier differs from the questionnaire's.",
            min_length=10,
            too_short="Explain in writing why the tier differs from the questionnaire's.",
        ),
    ]
    expected_version: int | None = None


class TierOverrideAgreement(Input):
    """A second reviewer agrees to a proposed lowering of the tier."""

    comment: Annotated[str, Text(2000, too_long="Keep the comment under 2,000 characters.")] = ""
    expected_version: int | None = None


class SignOffInput(Input):
    comment: Annotated[str, Text(2000, too_long="Keep the comment under 2,000 characters.")] = ""
    expected_version: int | None = None


class RubricChange(Input):
    """A new version of the scoring rubric (its own typed model), with what changed and why."""

    rubric: Rubric
    comment: Annotated[str, Text(300)] = ""


# --- Archetypes, estimates and assumptions ----------------------------------------------------

CHOOSE_ARCHETYPE = "Choose taker, shaper or maker."
ArchetypeName = Annotated[
    str, Choice(Archetype, blank=False, missing=CHOOSE_ARCHETYPE, unknown=CHOOSE_ARCHETYPE)
]


class ArchetypeAnswering(Input):
    """The archetype questionnaire's answers (their own typed model) on a case."""

    answers: ArchetypeAnswers
    expected_version: int | None = None


class ArchetypeChoice(Input):
    """The CIO office's archetype; departing from the recommendation needs a justification."""

    archetype: ArchetypeName
    justification: Annotated[
        str, Text(2000, too_long="Keep the justification under 2,000 characters.")
    ] = ""
    expected_version: int | None = None


class EstimateRerun(Input):
    archetype: ArchetypeName


class DriversChange(Input):
    """A reviewer's drivers of one archetype's estimate, checked against the engine's input
    model (``EstimateInput``) by the service."""

    archetype: ArchetypeName
    drivers: dict[str, Any]


class AssumptionsChange(Input):
    """A new version of the estimate assumptions (checked against ``Assumptions``)."""

    data: dict[str, Any]
    comment: Annotated[str, Text(300)] = ""


def _a_policy(policy: Any) -> bool:
    return policy is None or isinstance(policy, Policy)


class GuardrailPolicies(Input):
    """Which policy each guardrail rule comes from (``None``: no policy named yet); rules left
    out keep theirs."""

    policies: dict[Annotated[str, Choice(Rule, blank=False)], Policy | None]

    @field_validator("policies", mode="before")
    @classmethod
    def _policies(cls, policies: Any) -> Any:
        if isinstance(policies, Mapping):
            wrong = [
                rule for rule, p in policies.items() if p is not None and not isinstance(p, Policy)
            ]
            if wrong:
                raise ValueError(f"choose a policy from the list for: {', '.join(map(str, wrong))}")
        return policies
