"""Writes of the use-case feature: intake, workflow, risk, ratings, exceptions and the rubric.

Each service takes the person acting, the case and a typed input (:mod:`usecases.inputs`); the
case is changed through :func:`usecases.changes.case_change`, which checks the person's
permission on it (``portal.roles``), locks it, refuses a decision taken on a stale page, bumps
its version, recomputes what is derived from it and records the audit event on the case (the
case's timeline reads them back). Emails wait in an outbox and are enqueued after commit.
Refusals are :class:`portal.boundary.Refused`.
"""

from __future__ import annotations

import datetime
import logging
from functools import reduce
from operator import or_
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from portal.audit import audit_record
from portal.boundary import Refused, require
from portal.models import AuditEvent, User
from usecases.approval import approval_missing, approval_refusal_words
from usecases.changes import SCORE_FIELDS, case_change, case_created, derived_refresh, scores_of
from usecases.estimates.services import estimates_for_submission
from usecases.inputs import (
    CommentInput,
    ExceptionGrant,
    ExceptionRequest,
    GuardrailPolicies,
    IntakeChange,
    IntakeSubmission,
    Move,
    NewIntake,
    Ratings,
    RiskAssessment,
    RiskRegister,
    RubricChange,
    SignOffInput,
    Submission,
    TierOverrideAgreement,
    TierOverrideInput,
)
from usecases.models import (
    Comment,
    GuardrailException,
    GuardrailPolicy,
    Notification,
    Rating,
    RiskEntry,
    RubricVersion,
    SignOff,
    TierOverride,
    UseCase,
)
from usecases.risk import RiskTier, classify_risk
from usecases.selectors import FindingState, findings_for, latest_rubric, with_guardrail_inputs
from usecases.workflow import DECISIONS, NOT_RATED, TRANSITIONS, Status, is_notified

logger = logging.getLogger(__name__)

# An email unsent this long after its event is enqueued again by the sweeper.
NOTIFICATION_GRACE = datetime.timedelta(minutes=2)

OWNERS_ONLY = "Only the submitter or a lead of the department can do this."
CIO_OFFICE_ONLY = "Only the CIO office (reviewers) can do this."

# --- Intake ---------------------------------------------------------------------------------


@transaction.atomic
def usecase_create_draft(*, by: User, data: NewIntake) -> UseCase:
    """A new draft for the lead's own department; everything but the title may stay empty."""
    require(by, "usecases.create_usecase", None, "Only business leads can propose use cases.")
    department = data.department or by.department
    if department is None:
        raise Refused.invalid(
            {"department": "You belong to no department; ask an administrator to set yours."}
        )
    if department.pk != by.department_id:
        raise Refused.invalid(
            {"department": "You can propose use cases only for your own department."}
        )
    usecase = UseCase.objects.create(department=department, submitter=by, **data.intake())
    usecase.reference = f"UC-{usecase.pk:04d}"
    usecase.save(update_fields=["reference"])
    tools = list(data.preferred_tools or ())
    usecase.preferred_tools.set(tools)
    case_created(
        usecase,
        by=by,
        after={**usecase.snapshot(), "preferred_tools": sorted(t.slug for t in tools)},
    )
    return usecase


def usecase_update_draft(*, by: User, usecase: UseCase, data: IntakeChange) -> UseCase:
    """Change a draft's intake fields (only those given); incomplete is fine until submitting."""
    with case_change(
        usecase,
        by=by,
        may="usecases.own_usecase",
        refused="Only the submitter or a lead of the department can edit this case.",
        action="usecase.updated",
        expected_version=data.expected_version,
    ) as change:
        case = change.case
        if case.status != Status.DRAFT:
            raise Refused.conflict(
                f"{case.reference} is {case.get_status_display().lower()}, no longer a draft, "
                "so it cannot be edited. Add a comment instead."
            )
        before = case.snapshot()
        changed = change.set(**data.intake())
        change.before = {name: before[name] for name in changed}
        change.after = {name: getattr(case, name) for name in changed}
        if data.preferred_tools is not None:
            old = sorted(case.preferred_tools.values_list("slug", flat=True))
            new = sorted(tool.slug for tool in data.preferred_tools)
            if old != new:
                case.preferred_tools.set(data.preferred_tools)
                change.touched()
                change.before["preferred_tools"] = old
                change.after["preferred_tools"] = new
    return change.case


# --- Workflow -------------------------------------------------------------------------------


def _enqueue_notification(event: AuditEvent) -> None:
    """Put the event's email in the outbox (this transaction) and enqueue it after commit; if
    the broker is down, the change is saved all the same and the sweeper sends it later."""
    from usecases.tasks import notify_usecase_event

    Notification.objects.create(event=event)

    def send() -> None:
        try:
            notify_usecase_event.delay(event.pk)
        except Exception:
            logger.warning("email of audit event %s waits in the outbox: broker down", event.pk)

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


def usecase_transition(*, by: User, usecase: UseCase, data: Move) -> UseCase:
    """Move the case along the workflow, if ``by`` owns that move and the case allows it now."""
    transition = TRANSITIONS[data.to]
    with case_change(
        usecase,
        by=by,
        may="usecases.own_usecase" if transition.by_owner else "usecases.review_usecases",
        refused=OWNERS_ONLY if transition.by_owner else CIO_OFFICE_ONLY,
        action=f"usecase.{transition.to}",
        expected_version=data.expected_version,
    ) as change:
        case = change.case
        if case.status not in transition.sources:
            raise Refused.conflict(
                f"{case.reference} is {case.get_status_display().lower()}; it cannot move to "
                f"“{transition.to.label.lower()}” from there."
            )
        if transition.to == Status.SUBMITTED:
            IntakeSubmission.parse(case.snapshot())  # every missing field at once
        if transition.to == Status.APPROVED and not by.has_perm("usecases.approve_usecase", case):
            missing = approval_missing(case, by)  # the gate: the same list the page shows
            raise Refused.conflict(
                approval_refusal_words(missing), missing=[item.as_dict() for item in missing]
            )
        change.before = {"status": case.status}
        now = timezone.now()
        change.set(status=transition.to)
        if transition.to == Status.SUBMITTED:
            change.set(submitted_at=now)
            change.then(lambda: estimates_for_submission(change.case))  # all three archetypes
        if transition.to in DECISIONS:
            change.set(decided_at=now)
        if transition.to == Status.DRAFT:  # a hold answered: decided again once resubmitted
            change.set(decided_at=None)
        change.after = {"status": transition.to.value}
        change.comment = data.comment
        if is_notified(transition.to):
            change.then(lambda: _enqueue_notification(_event(change.event)))
    return change.case


def _event(event: AuditEvent | None) -> AuditEvent:
    assert event is not None  # recorded before the steps that follow it run
    return event


def usecase_submit(*, by: User, usecase: UseCase, data: Submission | None = None) -> UseCase:
    """Send a complete draft to the CIO office; every missing field is reported at once."""
    data = data or Submission()
    move = Move.parse(
        to=Status.SUBMITTED, comment=data.comment, expected_version=data.expected_version
    )
    return usecase_transition(by=by, usecase=usecase, data=move)


@transaction.atomic
def usecase_comment_add(*, by: User, usecase: UseCase, data: CommentInput) -> Comment:
    require(
        by,
        "usecases.comment_usecase",
        usecase,
        "Only the submitter, leads of the department and the CIO office can comment.",
    )
    comment = Comment.objects.create(usecase=usecase, author=by, body=data.body)
    audit_record(actor=by, action="usecase.commented", obj=usecase, comment=data.body)
    return comment


# --- Risk -----------------------------------------------------------------------------------


def usecase_risk_assess(*, by: User, usecase: UseCase, data: RiskAssessment) -> UseCase:
    """Record the questionnaire's answers and the EU AI Act tier they lead to."""
    with case_change(
        usecase,
        by=by,
        may="usecases.assess_risk",
        refused="Only the submitter, leads of the department and the CIO office can answer the "
        "questionnaire.",
        action="usecase.risk_assessed",
        expected_version=data.expected_version,
    ) as change:
        if not by.has_perm("usecases.change_risk_answers", change.case):
            raise Refused.conflict(
                "The case is with the CIO office now; ask a reviewer to change the risk answers."
            )
        result = classify_risk(data.answers)
        change.before = {"risk_tier": change.case.risk_tier}
        # Answered again: the questionnaire's tier stands, any override is asked again.
        change.case.tier_overrides.exclude(state=TierOverride.State.SUPERSEDED).update(
            state=TierOverride.State.SUPERSEDED
        )
        change.set(
            risk_answers=data.answers.model_dump(mode="json"),
            risk_tier=result.tier.value,
            risk_reasons=result.reasons,
        )
        change.touched()  # answered again, even if to the same tier
        change.after = {"risk_tier": result.tier.value, "reasons": result.reasons}
    return change.case


TIER_RANK = {RiskTier.MINIMAL: 0, RiskTier.LIMITED: 1, RiskTier.HIGH: 2, RiskTier.PROHIBITED: 3}


def _tier_words(tier: str) -> str:
    return RiskTier(tier).label.lower() if tier in RiskTier.values else tier


def usecase_tier_override(*, by: User, usecase: UseCase, data: TierOverrideInput) -> TierOverride:
    """A reviewer sets the EU AI Act tier against the questionnaire's, with the reason. Raising
    it takes effect now; lowering it is proposed and waits for a second reviewer's agreement. A
    prohibited practice is never lowered: the case must change and be answered again."""
    with case_change(
        usecase,
        by=by,
        may="usecases.override_tier",
        refused="Only the CIO office (reviewers) overrides the risk tier.",
        action="usecase.tier_overridden",
        expected_version=data.expected_version,
    ) as change:
        case = change.case
        current, wanted = case.risk_tier, data.tier
        if not current:
            raise Refused.conflict(
                "Answer the EU AI Act questionnaire first; then its tier can be overridden."
            )
        if wanted == current:
            raise Refused.invalid({"tier": f"The case is {_tier_words(current)} already."})
        if current == RiskTier.PROHIBITED:
            raise Refused.conflict(
                "A prohibited practice (Article 5) is never lowered by an override: change what "
                "the case does and answer the questionnaire again."
            )
        lowers = TIER_RANK[RiskTier(wanted)] < TIER_RANK[RiskTier(current)]
        pending = case.tier_overrides.filter(state=TierOverride.State.PENDING)
        if lowers and pending.exists():
            raise Refused.conflict(
                "A lowering of the tier is already proposed; a second reviewer agrees to it first."
            )
        pending.update(state=TierOverride.State.SUPERSEDED)  # a raise replaces a proposal
        override = TierOverride.objects.create(
            usecase=case,
            from_tier=current,
            to_tier=wanted,
            reason=data.reason,
            proposed_by=by,
            state=TierOverride.State.PENDING if lowers else TierOverride.State.APPLIED,
        )
        change.before = {"risk_tier": current}
        change.comment = data.reason
        if lowers:
            change.touched()
            change.action = "usecase.tier_lowering_proposed"
            change.after = {"proposed_tier": wanted, "state": "pending"}
        else:
            change.set(risk_tier=wanted)
            change.after = {"risk_tier": wanted, "state": "applied"}
    return override


def usecase_tier_override_agree(
    *, by: User, usecase: UseCase, data: TierOverrideAgreement | None = None
) -> TierOverride:
    """A second reviewer (not the proposer) agrees to the proposed lowering: it takes effect."""
    data = data or TierOverrideAgreement()
    with case_change(
        usecase,
        by=by,
        may="usecases.override_tier",
        refused="Only the CIO office (reviewers) agrees to a tier override.",
        action="usecase.tier_lowering_agreed",
        expected_version=data.expected_version,
    ) as change:
        case = change.case
        override = (
            case.tier_overrides.select_for_update().filter(state=TierOverride.State.PENDING).first()
        )
        if override is None:
            raise Refused.conflict("No lowering of the tier is waiting for agreement.")
        require(
            by,
            "usecases.agree_tier_override",
            override,
            "You proposed this lowering, so a second reviewer agrees to it.",
        )
        if case.risk_tier != override.from_tier:
            override.state = TierOverride.State.SUPERSEDED
            override.save(update_fields=["state"])
            raise Refused.conflict(
                "The tier changed since the lowering was proposed; propose it again."
            )
        override.state = TierOverride.State.APPLIED
        override.agreed_by = by
        override.agreed_at = timezone.now()
        override.save(update_fields=["state", "agreed_by", "agreed_at"])
        change.before = {"risk_tier": case.risk_tier}
        change.set(risk_tier=override.to_tier)
        change.after = {
            "risk_tier": override.to_tier,
            "proposed_by": override.proposed_by.username,
            "reason": override.reason,
        }
        change.comment = data.comment or override.reason
    return override


def usecase_risk_register_save(*, by: User, usecase: UseCase, data: RiskRegister) -> UseCase:
    """Replace the case's NIST risk register with ``data.rows`` (risks left out: not assessed)."""
    with case_change(
        usecase,
        by=by,
        may="usecases.review_usecases",
        refused="Only the CIO office (reviewers) keeps the risk register.",
        action="usecase.risks_updated",
        expected_version=data.expected_version,
    ) as change:
        case = change.case
        owners = _risk_owners(data)
        before = list(case.risks.select_related("owner"))
        change.before = {entry.risk: _risk_facts(entry) for entry in before}
        case.risks.exclude(risk__in=[row.risk for row in data.rows]).delete()
        for row in data.rows:
            RiskEntry.objects.update_or_create(
                usecase=case,
                risk=row.risk,
                defaults={
                    "likelihood": row.likelihood,
                    "severity": row.severity,
                    "residual_likelihood": row.residual_likelihood,
                    "residual_severity": row.residual_severity,
                    "mitigation": row.mitigation,
                    "owner": owners.get(row.owner.casefold()) if row.owner else None,
                    "status": row.status,
                },
            )
        change.touched()
        change.after = {
            entry.risk: _risk_facts(entry) for entry in case.risks.select_related("owner")
        }
    return change.case


def _risk_owners(data: RiskRegister) -> dict[str, User]:
    """The owners named by username, each an active person of the directory (one query)."""
    named = {row.owner.strip().casefold(): row for row in data.rows if row.owner.strip()}
    if not named:
        return {}
    found = {
        person.username.casefold(): person
        for person in User.objects.filter(is_active=True).filter(
            reduce(or_, (Q(username__iexact=name) for name in named))
        )
    }
    unknown = {
        f"{row.risk}.owner": "Pick the owner from the directory: nobody active has the "
        f"username “{row.owner}”."
        for name, row in named.items()
        if name not in found
    }
    if unknown:
        raise Refused.invalid(unknown)
    return found


def _risk_facts(entry: RiskEntry) -> dict[str, Any]:
    """What the audit log keeps of one risk: its score and band before and after mitigation."""
    return {
        "likelihood": entry.likelihood,
        "severity": entry.severity,
        "score": entry.score,
        "band": entry.band.value,
        "residual": entry.residual_score,
        "owner": entry.owner.username if entry.owner else None,
        "status": entry.status,
    }


# --- Guardrail exceptions and sign-off ------------------------------------------------------


def _live_finding(case: UseCase, finding_key: str) -> FindingState:
    full = with_guardrail_inputs(UseCase.objects.filter(pk=case.pk)).get()
    state = {state.finding.key: state for state in findings_for(full)}.get(finding_key)
    if state is None:
        raise Refused.invalid({"finding_key": "There is no such finding on this case now."})
    return state


def _exception_facts(state: FindingState, exception: GuardrailException) -> dict[str, Any]:
    return {
        "finding": state.finding.key,
        "rule": state.finding.rule,
        "title": state.finding.title,
        "reason": exception.reason,
        "conditions": exception.conditions,
        "expires_on": exception.expires_on.isoformat() if exception.expires_on else None,
        "requested_by": exception.requested_by.username if exception.requested_by else None,
    }


def usecase_exception_request(
    *, by: User, usecase: UseCase, data: ExceptionRequest
) -> GuardrailException:
    """A reviewer asks for an exception to one open finding (reason, conditions, expiry);
    audited. It holds only once another reviewer or an administrator grants it. A finding of a
    hard rule (a prohibited tool) admits none: the case drops the tool instead."""
    with case_change(
        usecase,
        by=by,
        may="usecases.request_exception",
        refused="Only the CIO office (reviewers) can request exceptions.",
        action="usecase.exception_requested",
        expected_version=data.expected_version,
    ) as change:
        state = _live_finding(change.case, data.finding_key)
        if not state.finding.exceptable:
            raise Refused.conflict(
                f"No exception is possible: {state.finding.why}"
                if "no exception" in state.finding.why
                else f"No exception is possible for “{state.finding.title}”."
            )
        if state.exception is not None:
            raise Refused.conflict(
                "An exception was already granted for this finding."
                if state.exception.in_force
                else "An exception for this finding is already requested; another reviewer or "
                "an administrator decides it."
            )
        try:
            with transaction.atomic():
                exception = GuardrailException.objects.create(
                    usecase=change.case,
                    finding_key=data.finding_key,
                    reason=data.reason,
                    conditions=data.conditions,
                    expires_on=data.expires_on,
                    requested_by=by,
                    requested_at=timezone.now(),
                )
        except IntegrityError:
            raise Refused.conflict("An exception for this finding is already requested.") from None
        change.touched()
        change.after = _exception_facts(state, exception)
        change.comment = data.reason
    return exception


def usecase_exception_grant(
    *, by: User, usecase: UseCase, data: ExceptionGrant
) -> GuardrailException:
    """Grant the exception requested for a finding: a reviewer or an administrator who did not
    request it (four eyes); audited. Approval then no longer waits on the finding until the
    exception's expiry date."""
    with case_change(
        usecase,
        by=by,
        may="usecases.decide_exceptions",
        refused="Only the CIO office (reviewers) or an administrator can grant exceptions.",
        action="usecase.exception_granted",
        expected_version=data.expected_version,
    ) as change:
        state = _live_finding(change.case, data.finding_key)
        exception = state.exception
        if exception is None:
            raise Refused.conflict(
                "No exception is requested for this finding: a reviewer requests one first, "
                "with the reason, conditions and expiry date."
            )
        if exception.in_force:
            raise Refused.conflict("An exception was already granted for this finding.")
        if not state.finding.exceptable:
            raise Refused.conflict(f"No exception is possible for “{state.finding.title}”.")
        require(
            by,
            "usecases.grant_exception",
            exception,
            "You requested this exception, so another reviewer or an administrator grants it.",
        )
        exception.granted_by = by
        exception.granted_at = timezone.now()
        exception.save(update_fields=["granted_by", "granted_at"])
        change.touched()
        change.before = {"finding": state.finding.key, "state": "requested"}
        change.after = {**_exception_facts(state, exception), "state": "granted"}
        change.comment = data.comment or exception.reason
    return exception


def exceptions_expire(*, today: datetime.date | None = None) -> int:
    """Expire the granted exceptions whose date has passed (the beat task, daily): each finding
    is open again, the case's timeline and the decision log say so, and the case's owner and
    the CIO office are emailed (through the outbox). Returns how many expired; safe twice."""
    today = today or timezone.localdate()
    due = list(
        GuardrailException.objects.filter(
            granted_by__isnull=False, expired_at__isnull=True, expires_on__lt=today
        ).values_list("pk", "usecase_id")
    )
    done = 0
    for exception_id, usecase_id in due:
        with transaction.atomic():
            case = UseCase.objects.select_for_update().get(pk=usecase_id)
            exception = (
                GuardrailException.objects.select_for_update()
                .filter(pk=exception_id, expired_at__isnull=True)
                .first()
            )
            if exception is None:
                continue  # expired by another run meanwhile
            exception.expired_at = timezone.now()
            exception.save(update_fields=["expired_at"])
            full = with_guardrail_inputs(UseCase.objects.filter(pk=case.pk)).get()
            titles = {state.finding.key: state.finding.title for state in findings_for(full)}
            title = titles.get(exception.finding_key, exception.finding_key)
            case.version += 1
            case.save(update_fields=["version", "updated_at"])
            derived_refresh(case, ["findings"])
            event = audit_record(
                actor=None,
                action="usecase.exception_expired",
                obj=case,
                before={"finding": exception.finding_key, "state": "granted"},
                after={
                    "finding": exception.finding_key,
                    "title": title,
                    "state": "expired",
                    "expires_on": exception.expires_on.isoformat()
                    if exception.expires_on
                    else None,
                },
                comment=f"The exception ended on {exception.expires_on:%d %b %Y}; the finding is "
                "open again.",
            )
            _enqueue_notification(event)
            done += 1
    return done


def usecase_sign_off(*, by: User, usecase: UseCase, data: SignOffInput | None = None) -> SignOff:
    """A reviewer's sign-off of a high-risk case: lets another reviewer approve it."""
    data = data or SignOffInput()
    with case_change(
        usecase,
        by=by,
        may="usecases.review_usecases",
        refused="Only the CIO office (reviewers) can sign off cases.",
        action="usecase.signed_off",
        expected_version=data.expected_version,
    ) as change:
        case = change.case
        if not case.awaits_review:
            raise Refused.conflict("Only a case under review can be signed off.")
        if not case.is_high_risk:
            raise Refused.conflict("Only high-risk cases need a sign-off.")
        try:
            with transaction.atomic():
                sign_off = SignOff.objects.create(usecase=case, reviewer=by, comment=data.comment)
        except IntegrityError:
            raise Refused.conflict("You have already signed this case off.") from None
        change.touched()
        change.comment = data.comment
    return sign_off


# --- Ratings and scores ---------------------------------------------------------------------


def usecase_rate(*, by: User, usecase: UseCase, data: Ratings) -> UseCase:
    """Record ratings (1-5, or none to clear one) and re-score the case."""
    with case_change(
        usecase,
        by=by,
        may="usecases.review_usecases",
        refused="Only the CIO office (reviewers) rates cases.",
        action="usecase.rated",
        expected_version=data.expected_version,
    ) as change:
        case = change.case
        if case.status in NOT_RATED:
            raise Refused.conflict("Cases are rated once they are submitted.")
        existing = {rating.criterion: rating for rating in case.ratings.all()}
        change.before = {criterion: rating.score for criterion, rating in existing.items()}
        for rating in data.ratings:
            if rating.score is None:
                if rating.criterion in existing:
                    existing[rating.criterion].delete()
                continue
            Rating.objects.update_or_create(
                usecase=case,
                criterion=rating.criterion,
                defaults={"score": rating.score, "note": rating.note, "rated_by": by},
            )
        change.touched()
        change.after = _ratings_and_priority
    return change.case


def _ratings_and_priority(case: UseCase) -> dict[str, Any]:
    return {
        **dict(case.ratings.values_list("criterion", "score")),
        "priority": case.priority_score,
    }


@transaction.atomic
def rubric_publish(*, by: User, data: RubricChange) -> RubricVersion:
    """A new rubric version; every case is re-scored in the background once it is committed."""
    require(
        by, "usecases.manage_rubric", None, "Only administrators can change the scoring rubric."
    )
    number = (RubricVersion.objects.aggregate(top=Max("number"))["top"] or 0) + 1
    try:
        with transaction.atomic():
            row = RubricVersion.objects.create(
                number=number,
                rubric=data.rubric.model_dump(mode="json"),
                created_by=by,
                comment=data.comment,
            )
    except IntegrityError:
        raise Refused.conflict(
            "Someone else changed the rubric at the same moment; reload and try again."
        ) from None
    audit_record(
        actor=by, action="rubric.published", obj=row, after=row.rubric, comment=data.comment
    )

    from usecases.tasks import rescore_all_usecases

    transaction.on_commit(lambda: rescore_all_usecases.apply_async(args=(number,), queue="batch"))
    return row


def usecases_rescore_all(*, batch_size: int = 200) -> int:
    """Re-score every case with the rubric in force; safe to run twice. Returns cases scored.

    A derived figure only (no decision): saved in batches, without a new version or an event."""
    rubric = latest_rubric()
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
                for name, value in scores_of(case, ratings, rubric).items():
                    setattr(case, name, value)
            UseCase.objects.bulk_update(batch, list(SCORE_FIELDS))
            done += len(batch)
            last_pk = batch[-1].pk


# --- The guardrails' policies ---------------------------------------------------------------


@transaction.atomic
def guardrail_policies_set(*, by: User, data: GuardrailPolicies) -> dict[str, str | None]:
    """Name the policy each guardrail rule comes from (audited); returns rule → policy slug of
    the rules that changed. The findings' counts do not depend on it: nothing is recounted."""
    require(
        by,
        "usecases.manage_guardrail_policies",
        None,
        "Only administrators name the policies of the guardrails.",
    )
    current = {row.rule: row for row in GuardrailPolicy.objects.select_for_update()}
    before: dict[str, str | None] = {}
    after: dict[str, str | None] = {}
    for rule, policy in data.policies.items():
        row = current.get(rule)
        old = row.policy if row is not None else None
        if old == policy:
            continue
        before[rule] = old.slug if old is not None else None
        after[rule] = policy.slug if policy is not None else None
        GuardrailPolicy.objects.update_or_create(
            rule=rule, defaults={"policy": policy, "updated_by": by}
        )
    if after:
        audit_record(actor=by, action="guardrail_policies.named", before=before, after=after)
    return after
