"""The services: each transition, each refusal, and that a refusal changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from policies.models import RegisterEntry
from portal.boundary import Refused
from portal.models import AuditEvent, User
from usecases import services
from usecases.inputs import (
    CommentInput,
    ExceptionGrant,
    IntakeChange,
    Move,
    NewIntake,
    Ratings,
    RiskRegister,
    SignOffInput,
)
from usecases.models import GuardrailException, Status, UseCase
from usecases.scoring import Criterion

from .conftest import advance, an_exception, assess, make_draft, make_tool, ready_for_approval

pytestmark = pytest.mark.django_db


def events_of(case: UseCase) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="usecases.usecase", object_id=str(case.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_drafts_get_readable_references_never_reused(lead: User) -> None:
    first = make_draft(lead)
    second = make_draft(lead, title="Second")
    assert first.reference == f"UC-{first.pk:04d}"
    assert second.reference != first.reference
    first.delete()
    third = make_draft(lead, title="Third")
    assert third.reference not in {first.reference, second.reference}


def test_a_draft_may_be_incomplete_but_needs_a_title(lead: User) -> None:
    case = services.usecase_create_draft(by=lead, data=NewIntake.parse({"title": "Just an idea"}))
    assert case.status == Status.DRAFT and case.department == lead.department
    with pytest.raises(Refused) as error:
        services.usecase_create_draft(by=lead, data=NewIntake.parse({"title": "  "}))
    assert "title" in error.value.errors


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("people_affected", -3, "cannot be negative"),
        ("benefit_confidence", 150, "at most 100"),
        ("hours_saved_per_person_per_week", "lots", "as a number"),
        ("value_lever", "magic", "is not one of"),
        ("data_categories", ["dreams"], "Unknown"),
    ],
)
def test_impossible_values_are_refused_and_nothing_changes(
    draft: UseCase, lead: User, field: str, value: object, words: str
) -> None:
    before = UseCase.objects.get(pk=draft.pk)
    with pytest.raises(Refused) as error:
        services.usecase_update_draft(
            usecase=draft, by=lead, data=IntakeChange.parse({field: value})
        )
    assert words in " ".join(error.value.errors[field])
    after = UseCase.objects.get(pk=draft.pk)
    assert (after.version, getattr(after, field)) == (before.version, getattr(before, field))


def test_only_leads_of_their_own_department_create(
    employee: User, lead: User, other_department
) -> None:
    with pytest.raises(Refused):
        services.usecase_create_draft(by=employee, data=NewIntake.parse({"title": "x"}))
    with pytest.raises(Refused) as error:
        services.usecase_create_draft(
            by=lead, data=NewIntake.parse({"title": "x"}, department=other_department)
        )
    assert "own department" in error.value.errors["department"][0]
    assert UseCase.objects.count() == 0


def test_submit_reports_every_missing_field(lead: User) -> None:
    case = services.usecase_create_draft(by=lead, data=NewIntake.parse({"title": "Half done"}))
    with pytest.raises(Refused) as error:
        services.usecase_submit(usecase=case, by=lead)
    assert {"problem", "value_lever", "people_affected", "human_oversight"} <= set(
        error.value.errors
    )
    assert UseCase.objects.get(pk=case.pk).status == Status.DRAFT


def test_the_whole_happy_path_with_a_timeline(draft: UseCase, lead: User, reviewer: User) -> None:
    case = advance(draft, (lead, Status.SUBMITTED), (reviewer, Status.IN_REVIEW))
    case = ready_for_approval(assess(case, reviewer), reviewer)
    case = advance(
        case,
        (reviewer, Status.APPROVED),
        (reviewer, Status.IN_DELIVERY),
        (reviewer, Status.LIVE),
        (reviewer, Status.RETIRED),
    )
    assert case.status == Status.RETIRED and case.submitted_at and case.decided_at
    assert events_of(case) == [
        "usecase.created",
        "usecase.submitted",
        "usecase.in_review",
        "usecase.risk_assessed",
        "usecase.rated",
        "usecase.archetype_answered",
        "usecase.archetype_chosen",
        "usecase.approved",
        "usecase.in_delivery",
        "usecase.live",
        "usecase.retired",
    ]


def test_editing_a_submitted_case_is_refused(draft: UseCase, lead: User) -> None:
    case = advance(draft, (lead, Status.SUBMITTED))
    with pytest.raises(Refused, match="no longer a draft"):
        services.usecase_update_draft(
            usecase=case, by=lead, data=IntakeChange.parse({"title": "Changed"})
        )
    assert UseCase.objects.get(pk=case.pk).title == draft.title


@pytest.mark.parametrize(
    ("who", "to"),
    [("lead", Status.IN_REVIEW), ("reviewer", Status.SUBMITTED), ("other_lead", Status.SUBMITTED)],
)
def test_a_transition_by_the_wrong_role_is_refused(
    draft: UseCase, cast: dict[str, User], who: str, to: str
) -> None:
    with pytest.raises(Refused) as refusal:
        services.usecase_transition(usecase=draft, by=cast[who], data=Move.parse(to=to))
    assert refusal.value.kind == "forbidden"
    assert UseCase.objects.get(pk=draft.pk).status == Status.DRAFT


def test_a_transition_from_the_wrong_state_is_refused(draft: UseCase, reviewer: User) -> None:
    with pytest.raises(Refused, match="cannot move"):
        services.usecase_transition(usecase=draft, by=reviewer, data=Move.parse(to=Status.APPROVED))
    assert UseCase.objects.get(pk=draft.pk).version == draft.version


@pytest.mark.parametrize("to", [Status.REJECTED, Status.ON_HOLD])
def test_rejection_and_hold_need_a_reason(in_review: UseCase, reviewer: User, to: str) -> None:
    with pytest.raises(Refused) as error:
        services.usecase_transition(
            usecase=in_review, by=reviewer, data=Move.parse(to=to, comment="  ")
        )
    assert "reason" in error.value.errors["comment"][0]
    case = advance(in_review, (reviewer, to), comment="Not now: budget is frozen.")
    assert case.status == to
    case = advance(case, (reviewer, Status.IN_REVIEW)) if to == Status.ON_HOLD else case
    assert case.status in {Status.IN_REVIEW, Status.REJECTED}


def test_withdraw_by_the_submitter_before_a_decision_only(
    draft: UseCase, lead: User, reviewer: User
) -> None:
    case = advance(draft, (lead, Status.SUBMITTED), (lead, Status.WITHDRAWN))
    assert case.status == Status.WITHDRAWN
    other = make_draft(lead, title="Other")
    other = advance(other, (lead, Status.SUBMITTED), (reviewer, Status.IN_REVIEW))
    other = ready_for_approval(other, reviewer)
    other = advance(other, (reviewer, Status.APPROVED))
    with pytest.raises(Refused):
        services.usecase_transition(usecase=other, by=lead, data=Move.parse(to=Status.WITHDRAWN))


def test_approval_needs_the_risk_questionnaire(draft: UseCase, lead: User, reviewer: User) -> None:
    case = advance(draft, (lead, Status.SUBMITTED), (reviewer, Status.IN_REVIEW))
    with pytest.raises(Refused, match="questionnaire"):
        services.usecase_transition(usecase=case, by=reviewer, data=Move.parse(to=Status.APPROVED))


def test_a_prohibited_case_cannot_be_approved(in_review: UseCase, reviewer: User) -> None:
    case = assess(in_review, reviewer, prohibited_practices=["social_scoring"])
    with pytest.raises(Refused, match="prohibited"):
        services.usecase_transition(usecase=case, by=reviewer, data=Move.parse(to=Status.APPROVED))
    assert UseCase.objects.get(pk=case.pk).status == Status.IN_REVIEW


def test_a_high_risk_case_needs_a_second_reviewers_sign_off(
    in_review: UseCase, reviewer: User, second_reviewer: User
) -> None:
    case = ready_for_approval(in_review, reviewer, high_risk_areas=["employment"])
    services.usecase_sign_off(usecase=case, by=reviewer)  # the approver's own does not count
    with pytest.raises(Refused, match="second reviewer"):
        services.usecase_transition(usecase=case, by=reviewer, data=Move.parse(to=Status.APPROVED))
    services.usecase_sign_off(
        usecase=case, by=second_reviewer, data=SignOffInput.parse(comment="Looked at it.")
    )
    case = advance(case, (reviewer, Status.APPROVED))
    assert case.status == Status.APPROVED


def test_open_findings_block_approval_until_an_exception_is_granted(
    lead: User, reviewer: User, second_reviewer: User, internal_only_tool: RegisterEntry
) -> None:
    case = make_draft(lead, [internal_only_tool], data_classification="confidential")
    case = advance(case, (lead, Status.SUBMITTED), (reviewer, Status.IN_REVIEW))
    case = ready_for_approval(case, reviewer)
    with pytest.raises(Refused, match="open guardrail findings"):
        services.usecase_transition(usecase=case, by=reviewer, data=Move.parse(to=Status.APPROVED))
    key = f"data_above_tool_approval:{internal_only_tool.slug}"
    with pytest.raises(Refused) as short:
        an_exception(case, key, reviewer, None, reason="ok")
    assert "reason" in short.value.errors
    with pytest.raises(Refused) as not_theirs:
        an_exception(case, key, lead, None, reason="I think it is fine really.")
    assert not_theirs.value.kind == "forbidden"
    an_exception(case, key, reviewer, None)
    # Requested is not granted: approval still waits, and the requester cannot grant it.
    with pytest.raises(Refused, match="open guardrail findings"):
        services.usecase_transition(usecase=case, by=reviewer, data=Move.parse(to=Status.APPROVED))
    with pytest.raises(Refused, match="You requested this exception") as own:
        services.usecase_exception_grant(
            usecase=case, by=reviewer, data=ExceptionGrant.parse(finding_key=key)
        )
    assert own.value.kind == "forbidden"
    assert GuardrailException.objects.get(usecase=case).granted_by is None
    services.usecase_exception_grant(
        usecase=case, by=second_reviewer, data=ExceptionGrant.parse(finding_key=key)
    )
    exception = GuardrailException.objects.get(usecase=case)
    assert (exception.requested_by, exception.granted_by) == (reviewer, second_reviewer)
    assert exception.conditions and exception.expires_on
    case = advance(case, (reviewer, Status.APPROVED))
    assert case.status == Status.APPROVED
    events = events_of(case)
    assert "usecase.exception_requested" in events and "usecase.exception_granted" in events


def test_an_administrator_may_grant_an_exception_a_reviewer_requested(
    lead: User, reviewer: User, admin_user: User, internal_only_tool: RegisterEntry
) -> None:
    case = make_draft(lead, [internal_only_tool], data_classification="confidential")
    case = advance(case, (lead, Status.SUBMITTED), (reviewer, Status.IN_REVIEW))
    key = f"data_above_tool_approval:{internal_only_tool.slug}"
    an_exception(case, key, reviewer, admin_user)
    assert GuardrailException.objects.get(usecase=case).granted_by == admin_user
    granted = AuditEvent.objects.get(action="usecase.exception_granted", object_id=str(case.pk))
    after = granted.after or {}
    assert granted.actor == admin_user and after["state"] == "granted"
    assert after["requested_by"] == reviewer.username


def test_a_prohibited_tool_can_never_be_excepted(
    lead: User, reviewer: User, second_reviewer: User
) -> None:
    banned = make_tool("banned-chat", status="prohibited", max_data_classification="public")
    case = make_draft(lead, [banned], data_classification="restricted")
    case = advance(case, (lead, Status.SUBMITTED), (reviewer, Status.IN_REVIEW))
    key = f"tool_not_approved:{banned.slug}"
    with pytest.raises(Refused, match="no exception can be granted") as refusal:
        an_exception(case, key, reviewer, None)
    assert refusal.value.kind == "conflict"
    assert not GuardrailException.objects.filter(usecase=case).exists()
    # Even a row written behind the services' back does not lift a hard rule.
    GuardrailException.objects.create(
        usecase=case, finding_key=key, reason="x" * 20, requested_by=reviewer
    )
    GuardrailException.objects.filter(usecase=case).update(
        granted_by=second_reviewer, granted_at=timezone.now()
    )
    from usecases.approval import approval_missing

    assert "findings" in {m.key for m in approval_missing(UseCase.objects.get(pk=case.pk))}
    # The data above the tool's approval is another finding: four eyes, as any other.
    an_exception(case, f"data_above_tool_approval:{banned.slug}", reviewer, second_reviewer)


def test_the_database_refuses_an_exception_granted_by_its_requester(
    draft: UseCase, reviewer: User
) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        GuardrailException.objects.create(
            usecase=draft,
            finding_key="any",
            reason="Behind the services' back.",
            requested_by=reviewer,
            granted_by=reviewer,
            granted_at=timezone.now(),
        )


def test_an_expired_exception_reopens_its_finding_and_tells_the_owner_and_the_cio_office(
    lead: User,
    reviewer: User,
    second_reviewer: User,
    internal_only_tool: RegisterEntry,
    mailoutbox: list,
) -> None:
    import datetime

    from usecases.models import Notification
    from usecases.tasks import notify_usecase_event

    case = make_draft(lead, [internal_only_tool], data_classification="confidential")
    case = advance(case, (lead, Status.SUBMITTED), (reviewer, Status.IN_REVIEW))
    key = f"data_above_tool_approval:{internal_only_tool.slug}"
    an_exception(case, key, reviewer, second_reviewer, days=30)
    assert UseCase.objects.get(pk=case.pk).open_findings_count == 0
    today = timezone.localdate()
    assert services.exceptions_expire(today=today + datetime.timedelta(days=30)) == 0
    assert services.exceptions_expire(today=today + datetime.timedelta(days=31)) == 1
    assert services.exceptions_expire(today=today + datetime.timedelta(days=31)) == 0  # twice
    after = UseCase.objects.get(pk=case.pk)
    assert after.open_findings_count == 1 and after.version == case.version + 3
    expired = AuditEvent.objects.get(action="usecase.exception_expired", object_id=str(case.pk))
    facts = expired.after or {}
    assert expired.actor is None and facts["state"] == "expired"
    assert "not approved for confidential data" in facts["title"]
    waiting = Notification.objects.get(event=expired)
    assert notify_usecase_event(waiting.event_id) >= 2
    (mail,) = mailoutbox
    assert set(mail.to) >= {lead.email, reviewer.email, second_reviewer.email}
    assert "has ended" in mail.subject and "not approved for confidential data" in mail.body
    # A new request may follow; the old row stays as the record.
    an_exception(after, key, second_reviewer, reviewer)
    assert GuardrailException.objects.filter(usecase=case).count() == 2


def test_two_reviewers_deciding_at_once_one_wins(
    in_review: UseCase, reviewer: User, second_reviewer: User
) -> None:
    in_review = ready_for_approval(in_review, reviewer)
    seen = in_review.version
    services.usecase_transition(
        usecase=in_review, by=reviewer, data=Move.parse(to=Status.APPROVED, expected_version=seen)
    )
    with pytest.raises(Refused, match="changed under you"):
        services.usecase_transition(
            usecase=in_review,
            by=second_reviewer,
            data=Move.parse(to=Status.REJECTED, comment="No.", expected_version=seen),
        )
    assert UseCase.objects.get(pk=in_review.pk).status == Status.APPROVED


def test_comments_by_the_people_involved_only(
    draft: UseCase, lead: User, reviewer: User, other_lead: User
) -> None:
    services.usecase_comment_add(
        usecase=draft, by=reviewer, data=CommentInput.parse(body="Which mailbox?")
    )
    services.usecase_comment_add(
        usecase=draft, by=lead, data=CommentInput.parse(body="The support one.")
    )
    with pytest.raises(Refused):
        services.usecase_comment_add(
            usecase=draft, by=other_lead, data=CommentInput.parse(body="Hello")
        )
    with pytest.raises(Refused):
        services.usecase_comment_add(usecase=draft, by=lead, data=CommentInput.parse(body=" "))
    assert [c.body for c in draft.comments.all()] == ["Which mailbox?", "The support one."]


def test_ratings_score_the_case(in_review: UseCase, reviewer: User, lead: User) -> None:
    ratings = {c.value: (5, "strong") for c in Criterion}
    services.usecase_rate(usecase=in_review, by=reviewer, data=Ratings.of(ratings))
    case = UseCase.objects.get(pk=in_review.pk)
    assert (case.value_score, case.priority_score, case.quadrant) == (100, 100, "quick_win")
    assert len(case.score_breakdown) == len(Criterion)
    with pytest.raises(Refused):
        services.usecase_rate(usecase=case, by=reviewer, data=Ratings.of({"reach": (9, "")}))
    with pytest.raises(Refused):
        services.usecase_rate(usecase=case, by=lead, data=Ratings.of({"reach": (3, "")}))


def test_risk_register_checks_levels(in_review: UseCase, reviewer: User) -> None:
    rows = [
        {"risk": "confabulation", "likelihood": 3, "severity": 4, "mitigation": "Human review"},
        {"risk": "cbrn", "likelihood": 1, "severity": 1},
    ]
    services.usecase_risk_register_save(
        usecase=in_review, by=reviewer, data=RiskRegister.parse(rows=rows)
    )
    assert in_review.risks.count() == 2
    with pytest.raises(Refused) as error:
        services.usecase_risk_register_save(
            usecase=in_review,
            by=reviewer,
            data=RiskRegister.parse(
                rows=[{"risk": "confabulation", "likelihood": 0, "severity": 6}]
            ),
        )
    assert "confabulation.likelihood" in error.value.errors
    assert in_review.risks.count() == 2


def test_a_high_risk_case_with_an_unmitigated_severe_risk_has_a_finding(
    in_review: UseCase, reviewer: User
) -> None:
    case = assess(in_review, reviewer, high_risk_areas=["education"])
    services.usecase_risk_register_save(
        usecase=case,
        by=reviewer,
        data=RiskRegister.parse(rows=[{"risk": "harmful_bias", "likelihood": 3, "severity": 5}]),
    )
    from usecases.selectors import open_findings, usecase_for

    loaded = usecase_for(reviewer, case.reference or "")
    assert loaded is not None
    assert [f.rule for f in open_findings(loaded)] == ["unmitigated_severe_risk"]


def test_prohibited_tool_is_flagged(lead: User, reviewer: User) -> None:
    banned = make_tool("banned-bot", status="prohibited")
    case = make_draft(lead, [banned])
    from usecases.selectors import open_findings, usecase_for

    loaded = usecase_for(reviewer, case.reference or "")
    assert loaded is not None
    assert [f.rule for f in open_findings(loaded)] == ["tool_not_approved"]


def _missing(case: UseCase, approver: User | None = None) -> set[str]:
    from usecases.approval import approval_missing

    return {item.key for item in approval_missing(UseCase.objects.get(pk=case.pk), approver)}


def test_the_approval_gate_names_each_thing_missing(
    draft: UseCase, lead: User, reviewer: User, second_reviewer: User
) -> None:
    from usecases.estimates.models import EstimateRun, RunStatus

    case = advance(draft, (lead, Status.SUBMITTED), (reviewer, Status.IN_REVIEW))
    assert _missing(case) == {"risk_tier", "ratings", "archetype"}
    case = ready_for_approval(case, reviewer)
    assert _missing(case, reviewer) == set()
    # A tier above minimal asks for the NIST register (saved by a reviewer).
    case = assess(case, reviewer, transparency_duties=["chatbot"])
    assert _missing(case, reviewer) == {"risk_register"}
    case = ready_for_approval(case, reviewer)
    assert _missing(case, reviewer) == set()
    # The chosen archetype's estimate must be done.
    run = EstimateRun.objects.get(usecase=case, archetype=case.chosen_archetype, is_current=True)
    EstimateRun.objects.filter(pk=run.pk).update(status=RunStatus.WAITING)
    assert _missing(case, reviewer) == {"estimates"}
    with pytest.raises(Refused) as refusal:
        services.usecase_transition(usecase=case, by=reviewer, data=Move.parse(to=Status.APPROVED))
    assert refusal.value.kind == "conflict"
    assert [item["key"] for item in refusal.value.extra["missing"]] == ["estimates"]
    EstimateRun.objects.filter(pk=run.pk).update(status=RunStatus.DONE)
    # High risk: a second reviewer's sign-off, never the approver's own.
    case = ready_for_approval(case, reviewer, high_risk_areas=["employment"])
    assert _missing(case, reviewer) == {"sign_off"}
    services.usecase_sign_off(usecase=case, by=reviewer)
    assert _missing(case, reviewer) == {"sign_off"}
    assert _missing(case, second_reviewer) == set()
    assert UseCase.objects.get(pk=case.pk).status == Status.IN_REVIEW


def test_the_predicate_and_the_gate_agree(in_review: UseCase, reviewer: User, lead: User) -> None:
    case = UseCase.objects.get(pk=in_review.pk)
    assert not reviewer.has_perm("usecases.approve_usecase", case)
    case = ready_for_approval(case, reviewer)
    fresh = User.objects.get(pk=reviewer.pk)
    assert fresh.has_perm("usecases.approve_usecase", case)
    assert not User.objects.get(pk=lead.pk).has_perm("usecases.approve_usecase", case)


def _override(
    case: UseCase, by: User, tier: str, reason: str = "The DPO's assessment differs."
) -> Any:
    from usecases.inputs import TierOverrideInput

    return services.usecase_tier_override(
        usecase=UseCase.objects.get(pk=case.pk),
        by=by,
        data=TierOverrideInput.parse(tier=tier, reason=reason),
    )


def test_raising_the_tier_takes_effect_at_once_with_its_reason_on_the_record(
    in_review: UseCase, reviewer: User, lead: User
) -> None:
    with pytest.raises(Refused) as no_reason:
        _override(in_review, reviewer, "high", reason="because")
    assert "reason" in no_reason.value.errors
    with pytest.raises(Refused) as not_theirs:
        _override(in_review, lead, "high")
    assert not_theirs.value.kind == "forbidden"
    assert UseCase.objects.get(pk=in_review.pk).risk_tier == "minimal"
    override = _override(in_review, reviewer, "high")
    case = UseCase.objects.get(pk=in_review.pk)
    assert case.risk_tier == "high" and override.state == "applied"
    event = AuditEvent.objects.get(action="usecase.tier_overridden", object_id=str(case.pk))
    assert event.actor == reviewer and event.comment == "The DPO's assessment differs."
    assert (event.before, event.after) == (
        {"risk_tier": "minimal"},
        {"risk_tier": "high", "state": "applied"},
    )


def test_lowering_the_tier_waits_for_a_second_reviewer(
    in_review: UseCase, reviewer: User, second_reviewer: User
) -> None:
    from usecases.models import TierOverride

    case = assess(in_review, reviewer, high_risk_areas=["employment"])
    override = _override(case, reviewer, "limited")
    assert override.state == "pending"
    assert UseCase.objects.get(pk=case.pk).risk_tier == "high"  # not yet
    proposed = AuditEvent.objects.get(
        action="usecase.tier_lowering_proposed", object_id=str(case.pk)
    )
    assert (proposed.after or {})["proposed_tier"] == "limited"
    with pytest.raises(Refused, match="already proposed"):
        _override(case, second_reviewer, "minimal")
    with pytest.raises(Refused, match="You proposed this lowering") as own:
        services.usecase_tier_override_agree(usecase=case, by=reviewer)
    assert own.value.kind == "forbidden"
    assert UseCase.objects.get(pk=case.pk).risk_tier == "high"
    services.usecase_tier_override_agree(usecase=case, by=second_reviewer)
    case = UseCase.objects.get(pk=case.pk)
    assert case.risk_tier == "limited"
    row = TierOverride.objects.get(pk=override.pk)
    assert (row.state, row.agreed_by) == ("applied", second_reviewer)
    agreed = AuditEvent.objects.get(action="usecase.tier_lowering_agreed", object_id=str(case.pk))
    assert agreed.actor == second_reviewer and (agreed.before or {})["risk_tier"] == "high"
    # Answering the questionnaire again: its tier stands, the override is superseded.
    case = assess(case, reviewer, high_risk_areas=["employment"])
    assert case.risk_tier == "high"
    assert TierOverride.objects.get(pk=override.pk).state == "superseded"


def test_a_prohibited_practice_is_never_lowered_by_an_override(
    in_review: UseCase, reviewer: User
) -> None:
    case = assess(in_review, reviewer, prohibited_practices=["social_scoring"])
    with pytest.raises(Refused, match="never lowered"):
        _override(case, reviewer, "minimal")
    assert UseCase.objects.get(pk=case.pk).risk_tier == "prohibited"


def test_the_database_refuses_a_lowering_agreed_by_its_proposer(
    in_review: UseCase, reviewer: User
) -> None:
    from django.db import IntegrityError, transaction

    from usecases.models import TierOverride

    with pytest.raises(IntegrityError), transaction.atomic():
        TierOverride.objects.create(
            usecase=in_review,
            from_tier="high",
            to_tier="minimal",
            reason="Behind the services' back.",
            state="applied",
            proposed_by=reviewer,
            agreed_by=reviewer,
        )
