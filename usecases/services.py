"""Writes of the use-case feature: intake, workflow, risk, ratings, exceptions and the rubric.

Each service checks who may act, runs in one transaction, locks the case it changes, bumps the
case's ``version`` (so a decision taken on a stale page is refused), records an audit event on
the case (the case's timeline reads them back) and enqueues emails after commit.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from pydantic import ValidationError as PydanticValidationError

from policies.models import DataClassification, RegisterEntry
from portal.audit import audit_record
from portal.models import Department, User
from usecases.estimates.services import estimates_for_submission, usecase_benefit_refresh
from usecases.findings import open_findings_refresh
from usecases.models import (
    BenefitKind,
    BusinessFunction,
    Comment,
    DataCategory,
    GuardrailException,
    HumanOversight,
    Notification,
    OutputAudience,
    Rating,
    RiskEntry,
    RiskStatus,
    RubricVersion,
    SignOff,
    Status,
    UseCase,
    ValueLever,
)
from usecases.risk import NistRisk, RiskAnswers, RiskTier, classify_risk
from usecases.scoring import Criterion, Rubric, score_usecase
from usecases.selectors import findings_for, latest_rubric, with_guardrail_inputs

logger = logging.getLogger(__name__)

# An email unsent this long after its event is enqueued again by the sweeper.
NOTIFICATION_GRACE = datetime.timedelta(minutes=2)


class UseCaseRefused(Exception):
    """The action is not allowed now; ``str(error)`` tells the person why and what to do.

    ``kind`` says what went wrong: ``"forbidden"`` (not this person's to do), ``"conflict"``
    (the case is not in a state that allows it, or changed under them) or ``"invalid"``.
    """

    def __init__(self, message: str, kind: str = "conflict") -> None:
        super().__init__(message)
        self.kind = kind


CHANGED_UNDER_YOU = (
    "The case changed under you: someone else updated it while you were looking. "
    "Reload the page to see the latest version, then try again."
)

# --- Intake ---------------------------------------------------------------------------------

TEXT_FIELDS = {"title": 200, "problem": 5000, "proposed_solution": 5000}
CHOICE_FIELDS: dict[str, Any] = {
    "value_lever": ValueLever,
    "business_function": BusinessFunction,
    "benefit_kind": BenefitKind,
    "data_classification": DataClassification,
    "human_oversight": HumanOversight,
}
LIST_FIELDS: dict[str, Any] = {"data_categories": DataCategory, "output_audience": OutputAudience}
NUMBER_FIELDS = {
    # field: (lowest, highest, whole numbers only, what the number is)
    "people_affected": (0, 10_000_000, True, "the number of people"),
    "hours_saved_per_person_per_week": (0, 60, False, "hours per person per week"),
    "revenue_per_year": (0, 1_000_000_000_000, False, "revenue per year"),
    "benefit_confidence": (0, 100, True, "a confidence in percent"),
}
INTAKE_FIELDS = {*TEXT_FIELDS, *CHOICE_FIELDS, *LIST_FIELDS, *NUMBER_FIELDS}


def _clean_number(field: str, value: Any) -> Any:
    low, high, whole, what = NUMBER_FIELDS[field]
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError({field: f"Enter {what} as a number."}) from None
    if not number.is_finite():
        raise ValidationError({field: f"Enter {what} as a number."})
    if whole and number != number.to_integral_value():
        raise ValidationError({field: f"Enter {what} as a whole number."})
    if number < low:
        raise ValidationError({field: f"Enter {what} of {low} or more; it cannot be negative."})
    if number > high:
        raise ValidationError({field: f"Enter {what} of at most {high:,}."})
    if whole:
        return int(number)
    return number.quantize(Decimal("0.1") if field.startswith("hours") else Decimal("0.01"))


def clean_intake(data: Mapping[str, Any]) -> dict[str, Any]:
    """Check the intake fields given (a draft may leave any out); messages name the field."""
    unknown = sorted(set(data) - INTAKE_FIELDS)
    if unknown:
        raise ValidationError({name: "This is not a field of the intake form." for name in unknown})
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for field, value in data.items():
        try:
            if field in TEXT_FIELDS:
                text = str(value or "").strip()
                if field == "title":
                    text = " ".join(text.split())
                    if not text:
                        raise ValidationError({field: "Give the case a short title."})
                if len(text) > TEXT_FIELDS[field]:
                    raise ValidationError(
                        {field: f"Keep this under {TEXT_FIELDS[field]:,} characters."}
                    )
                cleaned[field] = text
            elif field in CHOICE_FIELDS:
                choice = str(value or "")
                if choice and choice not in CHOICE_FIELDS[field].values:
                    known = ", ".join(CHOICE_FIELDS[field].values)
                    raise ValidationError({field: f"“{choice}” is not one of: {known}."})
                cleaned[field] = choice
            elif field in LIST_FIELDS:
                items = list(value or [])
                bad = [str(item) for item in items if item not in LIST_FIELDS[field].values]
                if bad:
                    known = ", ".join(LIST_FIELDS[field].values)
                    raise ValidationError(
                        {field: f"Unknown: {', '.join(bad)}. Choose from: {known}."}
                    )
                cleaned[field] = [v for v in LIST_FIELDS[field].values if v in items]
            else:
                cleaned[field] = _clean_number(field, value)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return cleaned


def missing_for_submission(usecase: UseCase) -> dict[str, str]:
    """What a case still needs before it can be submitted, as field → message."""
    missing: dict[str, str] = {}
    if len(usecase.problem.strip()) < 20:
        missing["problem"] = "Describe the problem in a sentence or two (at least 20 characters)."
    if len(usecase.proposed_solution.strip()) < 20:
        missing["proposed_solution"] = (
            "Describe how AI would help, in a sentence or two (at least 20 characters)."
        )
    if not usecase.value_lever:
        missing["value_lever"] = "Choose the kind of value the case brings."
    if not usecase.business_function:
        missing["business_function"] = "Choose the business function it serves."
    if not usecase.people_affected:
        missing["people_affected"] = "Say how many people would use it or be affected (1 or more)."
    if not usecase.benefit_kind:
        missing["benefit_kind"] = "Choose whether the benefit is time saved or revenue."
    elif (
        usecase.benefit_kind == BenefitKind.HOURS_SAVED
        and not usecase.hours_saved_per_person_per_week
    ):
        missing["hours_saved_per_person_per_week"] = (
            "Estimate the hours saved per person per week (a rough figure is fine)."
        )
    elif usecase.benefit_kind == BenefitKind.REVENUE and not usecase.revenue_per_year:
        missing["revenue_per_year"] = "Estimate the revenue per year (a rough figure is fine)."
    if usecase.benefit_confidence is None:
        missing["benefit_confidence"] = "Say how confident you are in the estimate (0-100 %)."
    if not usecase.data_classification:
        missing["data_classification"] = "Choose the most sensitive data the case would use."
    if not usecase.output_audience:
        missing["output_audience"] = "Choose who sees the output."
    if not usecase.human_oversight:
        missing["human_oversight"] = "Choose how people check the output."
    return missing


def _lock(usecase: UseCase, expected_version: int | None = None) -> UseCase:
    locked = UseCase.objects.select_for_update().get(pk=usecase.pk)
    if expected_version is not None and locked.version != expected_version:
        raise UseCaseRefused(CHANGED_UNDER_YOU, "conflict")
    return locked


def _bump(usecase: UseCase, *fields: str) -> None:
    usecase.version += 1
    usecase.save(update_fields=[*fields, "version", "updated_at"])


def _require(user: User, perm: str, usecase: UseCase | None, message: str) -> None:
    if not user.has_perm(perm, usecase):
        raise UseCaseRefused(message, "forbidden")


@transaction.atomic
def usecase_create_draft(
    *,
    by: User,
    data: Mapping[str, Any],
    tools: Iterable[RegisterEntry] = (),
    department: Department | None = None,
) -> UseCase:
    """A new draft for the lead's own department; everything but the title may stay empty."""
    _require(by, "usecases.create_usecase", None, "Only business leads can propose use cases.")
    if department is None:
        department = by.department
    if department is None:
        raise ValidationError(
            {"department": "You belong to no department; ask an administrator to set yours."}
        )
    if department.pk != by.department_id:
        raise ValidationError(
            {"department": "You can propose use cases only for your own department."}
        )
    cleaned = clean_intake({"title": "", **data})
    usecase = UseCase.objects.create(department=department, submitter=by, **cleaned)
    usecase.reference = f"UC-{usecase.pk:04d}"
    usecase.save(update_fields=["reference"])
    tool_list = list(tools)
    usecase.preferred_tools.set(tool_list)
    usecase_benefit_refresh(usecase)
    open_findings_refresh(usecase)
    audit_record(
        actor=by,
        action="usecase.created",
        obj=usecase,
        after={**usecase.snapshot(), "preferred_tools": sorted(t.slug for t in tool_list)},
    )
    return usecase


@transaction.atomic
def usecase_update_draft(
    *,
    usecase: UseCase,
    by: User,
    data: Mapping[str, Any],
    tools: Iterable[RegisterEntry] | None = None,
    expected_version: int | None = None,
) -> UseCase:
    """Change a draft's intake fields (only those given); incomplete is fine until submitting."""
    usecase = _lock(usecase, expected_version)
    _require(
        by,
        "usecases.own_usecase",
        usecase,
        "Only the submitter or a lead of the department can edit this case.",
    )
    if usecase.status != Status.DRAFT:
        raise UseCaseRefused(
            f"{usecase.reference} is {usecase.get_status_display().lower()}, no longer a draft, "
            "so it cannot be edited. Add a comment instead.",
            "conflict",
        )
    cleaned = clean_intake(data)
    before = usecase.snapshot()
    for field, value in cleaned.items():
        setattr(usecase, field, value)
    changed = [f for f in cleaned if before.get(f) != getattr(usecase, f)]
    tool_change: dict[str, Any] = {}
    if tools is not None:
        old = sorted(usecase.preferred_tools.values_list("slug", flat=True))
        tool_list = list(tools)
        new = sorted(t.slug for t in tool_list)
        if old != new:
            usecase.preferred_tools.set(tool_list)
            tool_change = {"before": old, "after": new}
    if not changed and not tool_change:
        return usecase
    _bump(usecase, *changed)
    after = {f: getattr(usecase, f) for f in changed}
    before_changed = {f: before[f] for f in changed}
    if tool_change:
        before_changed["preferred_tools"] = tool_change["before"]
        after["preferred_tools"] = tool_change["after"]
    audit_record(
        actor=by, action="usecase.updated", obj=usecase, before=before_changed, after=after
    )
    usecase_benefit_refresh(usecase)
    open_findings_refresh(usecase)
    return usecase


# --- Workflow -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    to: Status
    sources: frozenset[str]
    by_owner: bool  # the submitter or a lead of the department; otherwise the CIO office
    needs_reason: bool = False
    verb: str = ""


TRANSITIONS: dict[str, Transition] = {
    t.to: t
    for t in [
        Transition(Status.SUBMITTED, frozenset({Status.DRAFT}), True, verb="Submit for review"),
        Transition(
            Status.IN_REVIEW,
            frozenset({Status.SUBMITTED, Status.ON_HOLD}),
            False,
            verb="Start review",
        ),
        Transition(Status.APPROVED, frozenset({Status.IN_REVIEW}), False, verb="Approve"),
        Transition(
            Status.REJECTED, frozenset({Status.IN_REVIEW}), False, needs_reason=True, verb="Reject"
        ),
        Transition(
            Status.ON_HOLD,
            frozenset({Status.IN_REVIEW}),
            False,
            needs_reason=True,
            verb="Put on hold",
        ),
        Transition(Status.IN_DELIVERY, frozenset({Status.APPROVED}), False, verb="Start delivery"),
        Transition(Status.LIVE, frozenset({Status.IN_DELIVERY}), False, verb="Mark as live"),
        Transition(Status.RETIRED, frozenset({Status.LIVE}), False, verb="Retire"),
        Transition(
            Status.WITHDRAWN,
            frozenset({Status.DRAFT, Status.SUBMITTED, Status.IN_REVIEW, Status.ON_HOLD}),
            True,
            verb="Withdraw",
        ),
    ]
}
DECISIONS = {Status.APPROVED, Status.REJECTED, Status.ON_HOLD}


def transitions_open_to(user: User, usecase: UseCase) -> list[Transition]:
    """The moves ``user`` may offer on this case now (the service still checks everything)."""
    owner = user.has_perm("usecases.own_usecase", usecase)
    reviewer = user.has_perm("usecases.review_usecases")
    return [
        t
        for t in TRANSITIONS.values()
        if usecase.status in t.sources and (owner if t.by_owner else reviewer)
    ]


def _approval_blockers(usecase: UseCase, by: User) -> list[str]:
    blockers = []
    if not usecase.risk_tier:
        blockers.append("Answer the EU AI Act questionnaire first, so the case has a risk tier.")
    elif usecase.risk_tier == RiskTier.PROHIBITED:
        blockers.append(
            "The case is a prohibited practice under the EU AI Act (Article 5); it cannot be "
            "approved."
        )
    elif usecase.risk_tier == RiskTier.HIGH and not usecase.sign_offs.exclude(reviewer=by).exists():
        blockers.append(
            "The case is high-risk: a second reviewer (not you) must sign it off before approval."
        )
    full = with_guardrail_inputs(UseCase.objects.filter(pk=usecase.pk)).get()
    still_open = [state.finding.title for state in findings_for(full) if state.is_open]
    if still_open:
        blockers.append(
            "Guardrail findings are still open: "
            + "; ".join(still_open)
            + ". Resolve them, or grant an exception with a reason."
        )
    return blockers


def _enqueue_notification(event_id: int) -> None:
    """Put the event's email in the outbox (this transaction) and enqueue it after commit; if
    the broker is down, the change is saved all the same and the sweeper sends it later."""
    from usecases.tasks import notify_usecase_event

    Notification.objects.create(event_id=event_id)

    def send() -> None:
        try:
            notify_usecase_event.delay(event_id)
        except Exception:
            logger.warning("email of audit event %s waits in the outbox: broker down", event_id)

    transaction.on_commit(send)


def notifications_sweep(*, older_than: datetime.timedelta = NOTIFICATION_GRACE) -> int:
    """Enqueue again the emails still unsent a while after their event; returns how many."""
    from usecases.tasks import notify_usecase_event

    cutoff = timezone.now() - older_than
    waiting = list(
        Notification.objects.filter(sent_at__isnull=True, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("event_id", flat=True)[:1000]
    )
    for event_id in waiting:
        notify_usecase_event.delay(event_id)  # sends once: the task claims each event
    return len(waiting)


@transaction.atomic
def usecase_transition(
    *,
    usecase: UseCase,
    by: User,
    to: str,
    comment: str = "",
    expected_version: int | None = None,
) -> UseCase:
    """Move the case along the workflow, if ``by`` owns that move and the case allows it now."""
    transition = TRANSITIONS.get(to)
    if transition is None:
        raise ValidationError({"to": f"“{to}” is not a status a case can move to."})
    usecase = _lock(usecase, expected_version)
    comment = (comment or "").strip()
    if transition.by_owner:
        _require(
            by,
            "usecases.own_usecase",
            usecase,
            "Only the submitter or a lead of the department can do this.",
        )
    else:
        _require(
            by, "usecases.review_usecases", usecase, "Only the CIO office (reviewers) can do this."
        )
    if usecase.status not in transition.sources:
        raise UseCaseRefused(
            f"{usecase.reference} is {usecase.get_status_display().lower()}; it cannot move to "
            f"“{transition.to.label.lower()}” from there.",
            "conflict",
        )
    if transition.needs_reason and not comment:
        raise ValidationError({"comment": "Give a reason: the submitter will read it."})
    if len(comment) > 5000:
        raise ValidationError({"comment": "Keep the comment under 5,000 characters."})
    if transition.to == Status.SUBMITTED:
        missing = missing_for_submission(usecase)
        if missing:
            raise ValidationError(missing)
    if transition.to == Status.APPROVED:
        blockers = _approval_blockers(usecase, by)
        if blockers:
            raise UseCaseRefused(" ".join(blockers), "conflict")
    before = usecase.status
    usecase.status = transition.to
    fields = ["status"]
    now = timezone.now()
    if transition.to == Status.SUBMITTED:
        usecase.submitted_at = now
        fields.append("submitted_at")
    if transition.to in DECISIONS:
        usecase.decided_at = now
        fields.append("decided_at")
    _bump(usecase, *fields)
    if transition.to == Status.SUBMITTED:
        estimates_for_submission(usecase)  # all three archetypes, computed after commit
    event = audit_record(
        actor=by,
        action=f"usecase.{transition.to}",
        obj=usecase,
        before={"status": before},
        after={"status": usecase.status},
        comment=comment,
    )
    if transition.to == Status.SUBMITTED or transition.to in DECISIONS:
        _enqueue_notification(event.pk)
    return usecase


def usecase_submit(
    *, usecase: UseCase, by: User, comment: str = "", expected_version: int | None = None
) -> UseCase:
    """Send a complete draft to the CIO office; every missing field is reported at once."""
    return usecase_transition(
        usecase=usecase,
        by=by,
        to=Status.SUBMITTED,
        comment=comment,
        expected_version=expected_version,
    )


@transaction.atomic
def usecase_comment_add(*, usecase: UseCase, by: User, body: str) -> Comment:
    _require(
        by,
        "usecases.comment_usecase",
        usecase,
        "Only the submitter, leads of the department and the CIO office can comment.",
    )
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write something before posting."})
    if len(body) > 5000:
        raise ValidationError({"body": "Keep comments under 5,000 characters."})
    comment = Comment.objects.create(usecase=usecase, author=by, body=body)
    audit_record(actor=by, action="usecase.commented", obj=usecase, comment=body)
    return comment


# --- Risk -----------------------------------------------------------------------------------


def parse_risk_answers(raw: Mapping[str, Any]) -> RiskAnswers:
    try:
        return RiskAnswers.model_validate(dict(raw))
    except PydanticValidationError as error:
        raise ValidationError(
            {
                str(problem["loc"][0]) if problem["loc"] else "answers": problem["msg"]
                for problem in error.errors()
            }
        ) from None


@transaction.atomic
def usecase_risk_assess(
    *, usecase: UseCase, by: User, answers: RiskAnswers, expected_version: int | None = None
) -> UseCase:
    """Record the questionnaire's answers and the EU AI Act tier they lead to."""
    usecase = _lock(usecase, expected_version)
    _require(
        by,
        "usecases.assess_risk",
        usecase,
        "Only the submitter, leads of the department and the CIO office can answer the "
        "questionnaire.",
    )
    if not by.has_perm("usecases.review_usecases") and usecase.status != Status.DRAFT:
        raise UseCaseRefused(
            "The case is with the CIO office now; ask a reviewer to change the risk answers.",
            "conflict",
        )
    result = classify_risk(answers)
    before = {"risk_tier": usecase.risk_tier}
    usecase.risk_answers = answers.model_dump(mode="json")
    usecase.risk_tier = result.tier
    usecase.risk_reasons = result.reasons
    _refresh_scores(usecase)
    _bump(usecase, "risk_answers", "risk_tier", "risk_reasons", *SCORE_FIELDS)
    audit_record(
        actor=by,
        action="usecase.risk_assessed",
        obj=usecase,
        before=before,
        after={"risk_tier": result.tier, "reasons": result.reasons},
    )
    open_findings_refresh(usecase)
    return usecase


@dataclass(frozen=True)
class RiskRow:
    risk: str
    likelihood: int
    severity: int
    mitigation: str = ""
    owner: str = ""
    status: str = RiskStatus.OPEN


def _clean_risk_rows(rows: Iterable[RiskRow]) -> list[RiskRow]:
    errors: dict[str, str] = {}
    seen: set[str] = set()
    cleaned = []
    for row in rows:
        if row.risk not in NistRisk.values:
            errors[row.risk or "risk"] = f"“{row.risk}” is not one of the twelve NIST risks."
            continue
        if row.risk in seen:
            errors[row.risk] = "Each risk appears once."
            continue
        seen.add(row.risk)
        for name, value in (("likelihood", row.likelihood), ("severity", row.severity)):
            if not isinstance(value, int) or not 1 <= value <= 5:
                errors[f"{row.risk}.{name}"] = f"Rate the {name} from 1 (lowest) to 5 (highest)."
        if row.status not in RiskStatus.values:
            errors[f"{row.risk}.status"] = f"Choose one of: {', '.join(RiskStatus.values)}."
        if len(row.mitigation) > 2000 or len(row.owner) > 150:
            errors[f"{row.risk}.mitigation"] = "Keep the mitigation under 2,000 characters."
        cleaned.append(row)
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def usecase_risk_register_save(
    *, usecase: UseCase, by: User, rows: Iterable[RiskRow], expected_version: int | None = None
) -> UseCase:
    """Replace the case's NIST risk register with ``rows`` (risks left out are not assessed)."""
    usecase = _lock(usecase, expected_version)
    _require(
        by,
        "usecases.review_usecases",
        usecase,
        "Only the CIO office (reviewers) keeps the risk register.",
    )
    cleaned = _clean_risk_rows(rows)
    before = {r.risk: [r.likelihood, r.severity] for r in usecase.risks.all()}
    usecase.risks.exclude(risk__in=[r.risk for r in cleaned]).delete()
    for row in cleaned:
        RiskEntry.objects.update_or_create(
            usecase=usecase,
            risk=row.risk,
            defaults={
                "likelihood": row.likelihood,
                "severity": row.severity,
                "mitigation": row.mitigation.strip(),
                "owner": row.owner.strip(),
                "status": row.status,
            },
        )
    _bump(usecase)
    audit_record(
        actor=by,
        action="usecase.risks_updated",
        obj=usecase,
        before=before,
        after={r.risk: [r.likelihood, r.severity] for r in cleaned},
    )
    open_findings_refresh(usecase)
    return usecase


# --- Guardrail exceptions and sign-off ------------------------------------------------------


@transaction.atomic
def usecase_exception_grant(
    *, usecase: UseCase, by: User, finding_key: str, reason: str
) -> GuardrailException:
    """Accept one open finding, with the reason (audited); approval then no longer waits on it."""
    usecase = _lock(usecase)
    _require(
        by,
        "usecases.review_usecases",
        usecase,
        "Only the CIO office (reviewers) can grant exceptions.",
    )
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise ValidationError({"reason": "Explain why the exception is acceptable (a sentence)."})
    full = with_guardrail_inputs(UseCase.objects.filter(pk=usecase.pk)).get()
    states = {state.finding.key: state for state in findings_for(full)}
    state = states.get(finding_key)
    if state is None:
        raise ValidationError({"finding_key": "There is no such finding on this case now."})
    if not state.is_open:
        raise UseCaseRefused("An exception was already granted for this finding.", "conflict")
    exception = GuardrailException.objects.create(
        usecase=usecase, finding_key=finding_key, reason=reason, granted_by=by
    )
    _bump(usecase)
    audit_record(
        actor=by,
        action="usecase.exception_granted",
        obj=usecase,
        after={"finding": finding_key, "rule": state.finding.rule, "title": state.finding.title},
        comment=reason,
    )
    open_findings_refresh(usecase)
    return exception


@transaction.atomic
def usecase_sign_off(*, usecase: UseCase, by: User, comment: str = "") -> SignOff:
    """A reviewer's sign-off of a high-risk case: lets another reviewer approve it."""
    usecase = _lock(usecase)
    _require(
        by,
        "usecases.review_usecases",
        usecase,
        "Only the CIO office (reviewers) can sign off cases.",
    )
    if usecase.status not in {Status.SUBMITTED, Status.IN_REVIEW, Status.ON_HOLD}:
        raise UseCaseRefused("Only a case under review can be signed off.", "conflict")
    if usecase.risk_tier != RiskTier.HIGH:
        raise UseCaseRefused("Only high-risk cases need a sign-off.", "conflict")
    try:
        with transaction.atomic():
            sign_off = SignOff.objects.create(usecase=usecase, reviewer=by, comment=comment.strip())
    except IntegrityError:
        raise UseCaseRefused("You have already signed this case off.", "conflict") from None
    _bump(usecase)
    audit_record(actor=by, action="usecase.signed_off", obj=usecase, comment=comment.strip())
    return sign_off


# --- Ratings and scores ---------------------------------------------------------------------

SCORE_FIELDS = (
    "value_score",
    "feasibility_score",
    "priority_score",
    "quadrant",
    "score_breakdown",
    "scored_with_rubric",
)


def _apply_scores(
    usecase: UseCase, ratings: Mapping[str, int], number: int | None, rubric: Rubric
) -> None:
    result = score_usecase(ratings, usecase.risk_tier or None, rubric)
    usecase.value_score = result.value
    usecase.feasibility_score = result.feasibility
    usecase.priority_score = result.priority
    usecase.quadrant = result.quadrant or ""
    usecase.score_breakdown = [c.model_dump(mode="json") for c in result.contributions]
    usecase.scored_with_rubric = number


def _refresh_scores(usecase: UseCase) -> None:
    number, rubric = latest_rubric()
    ratings = dict(usecase.ratings.values_list("criterion", "score"))
    _apply_scores(usecase, ratings, number, rubric)


@transaction.atomic
def usecase_rate(
    *,
    usecase: UseCase,
    by: User,
    ratings: Mapping[str, tuple[int | None, str]],
    expected_version: int | None = None,
) -> UseCase:
    """Record ratings (criterion → (1-5 or ``None`` to clear, note)) and re-score the case."""
    usecase = _lock(usecase, expected_version)
    _require(
        by, "usecases.review_usecases", usecase, "Only the CIO office (reviewers) rates cases."
    )
    if usecase.status in {Status.DRAFT, Status.WITHDRAWN}:
        raise UseCaseRefused("Cases are rated once they are submitted.", "conflict")
    errors = {}
    for criterion, (score, note) in ratings.items():
        if criterion not in Criterion.values:
            errors[criterion] = "This is not one of the rating criteria."
        elif score is not None and (not isinstance(score, int) or not 1 <= score <= 5):
            errors[criterion] = "Rate from 1 (weakest) to 5 (strongest)."
        elif len(note or "") > 500:
            errors[criterion] = "Keep the note under 500 characters."
    if errors:
        raise ValidationError(errors)
    existing = {r.criterion: r for r in usecase.ratings.all()}
    before = {c: r.score for c, r in existing.items()}
    for criterion, (score, note) in ratings.items():
        if score is None:
            if criterion in existing:
                existing[criterion].delete()
            continue
        Rating.objects.update_or_create(
            usecase=usecase,
            criterion=criterion,
            defaults={"score": score, "note": (note or "").strip(), "rated_by": by},
        )
    _refresh_scores(usecase)
    _bump(usecase, *SCORE_FIELDS)
    audit_record(
        actor=by,
        action="usecase.rated",
        obj=usecase,
        before=before,
        after={
            **dict(usecase.ratings.values_list("criterion", "score")),
            "priority": usecase.priority_score,
        },
    )
    return usecase


@transaction.atomic
def rubric_publish(*, by: User, rubric: Rubric, comment: str = "") -> RubricVersion:
    """A new rubric version; every case is re-scored in the background once it is committed."""
    if not by.has_perm("usecases.manage_rubric"):
        raise UseCaseRefused("Only administrators can change the scoring rubric.", "forbidden")
    number = (RubricVersion.objects.aggregate(top=Max("number"))["top"] or 0) + 1
    try:
        with transaction.atomic():
            row = RubricVersion.objects.create(
                number=number,
                rubric=rubric.model_dump(mode="json"),
                created_by=by,
                comment=comment.strip()[:300],
            )
    except IntegrityError:
        raise UseCaseRefused(
            "Someone else changed the rubric at the same moment; reload and try again.", "conflict"
        ) from None
    audit_record(actor=by, action="rubric.published", obj=row, after=row.rubric, comment=comment)

    from usecases.tasks import rescore_all_usecases

    transaction.on_commit(lambda: rescore_all_usecases.apply_async(args=(number,), queue="batch"))
    return row


def usecases_rescore_all(*, batch_size: int = 200) -> int:
    """Re-score every case with the rubric in force; safe to run twice. Returns cases scored."""
    number, rubric = latest_rubric()
    done = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(
                UseCase.objects.filter(pk__gt=last_pk)
                .order_by("pk")
                .select_for_update(skip_locked=False)
                .prefetch_related("ratings")[:batch_size]
            )
            if not batch:
                return done
            for case in batch:
                ratings = {r.criterion: r.score for r in case.ratings.all()}
                _apply_scores(case, ratings, number, rubric)
            UseCase.objects.bulk_update(batch, list(SCORE_FIELDS))
            done += len(batch)
            last_pk = batch[-1].pk
