"""The decision log: every workflow move of every case, from the audit log, filterable."""

from __future__ import annotations

import csv
import io
from typing import cast

from django.http import StreamingHttpResponse
from django.test import Client

from portal.models import User
from tests.usecases.conftest import advance
from usecases.models import Status, UseCase


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _decided(in_review: UseCase, reviewer: User) -> UseCase:
    advance(in_review, (reviewer, Status.ON_HOLD), comment="Waiting for the legal opinion")
    advance(in_review, (reviewer, Status.IN_REVIEW), comment="")
    return advance(in_review, (reviewer, Status.REJECTED), comment="Costs more than it saves")


def test_lists_transitions_with_reasons(in_review: UseCase, reviewer: User) -> None:
    case = _decided(in_review, reviewer)
    response = _client(reviewer).get("/portfolio/decisions/")
    assert response.status_code == 200
    rows = response.context["decisions"]
    moves = [(r.before, r.after, r.event.comment) for r in rows]
    assert moves[0] == ("in_review", "rejected", "Costs more than it saves")
    assert ("in_review", "on_hold", "Waiting for the legal opinion") in moves
    assert ("draft", "submitted", "ok") in moves
    assert all(r.reference == case.reference for r in rows)
    assert all(r.event.actor_label in ("rita", "leo") for r in rows)
    body = response.content.decode()
    assert "Costs more than it saves" in body
    # edits, comments and ratings are not decisions
    assert not any(r.event.action in ("usecase.created", "usecase.risk_assessed") for r in rows)


def test_filters(in_review: UseCase, reviewer: User) -> None:
    case = _decided(in_review, reviewer)
    client = _client(reviewer)
    only_rejections = client.get("/portfolio/decisions/", {"decision": "rejected"}).context[
        "decisions"
    ]
    assert [r.after for r in only_rejections] == ["rejected"]
    by_lead = client.get("/portfolio/decisions/", {"actor": "leo"}).context["decisions"]
    assert [r.after for r in by_lead] == ["submitted"]
    assert client.get("/portfolio/decisions/", {"reference": str(case.reference)}).context[
        "decisions"
    ]
    assert not client.get("/portfolio/decisions/", {"reference": "UC-9999"}).context["decisions"]
    assert not client.get("/portfolio/decisions/", {"since": "2999-01-01"}).context["decisions"]
    assert client.get("/portfolio/decisions/", {"until": "2999-01-01"}).context["decisions"]
    # A reversed range is refused in words (and ignored here, as the page says), not a 500.
    reversed_range = client.get(
        "/portfolio/decisions/", {"since": "2999-01-02", "until": "2999-01-01"}
    )
    assert reversed_range.status_code == 200
    assert reversed_range.context["decisions"]
    page = reversed_range.content.decode()
    assert "The range ends (2999-01-01) before it starts (2999-01-02)" in page
    assert "__all__" not in page


def test_csv_export(in_review: UseCase, reviewer: User) -> None:
    _decided(in_review, reviewer)
    response = _client(reviewer).get("/portfolio/decisions/export.csv", {"decision": "on_hold"})
    body = cast(StreamingHttpResponse, response).getvalue().decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == 1
    assert rows[0]["From"] == "In review" and rows[0]["To"] == "On hold"
    assert rows[0]["Reason"] == "Waiting for the legal opinion"
    assert rows[0]["Who"] == "rita"


def test_lead_is_refused(lead: User) -> None:
    assert _client(lead).get("/portfolio/decisions/").status_code == 403


def test_every_kind_of_decision_is_on_the_record_in_words(
    lead: User,
    reviewer: User,
    second_reviewer: User,
    author: User,
    approver: User,
    django_assert_max_num_queries,
) -> None:
    """Exceptions requested, granted and expired, sign-offs, tier and archetype overrides,
    policy publications and settings, register changes: each is a row with who, what before
    and after and the reason, and the page and the CSV name it in words, never the code."""
    import datetime

    from django.utils import timezone

    from policies import services as policy_services
    from policies.inputs import NewPolicy, PolicySettings
    from policies.models import PolicyCategory, RegisterEntry
    from tests.policies.conftest import change_entry, change_settings, publish_new_version
    from tests.usecases.conftest import an_exception, make_draft, make_tool, ready_for_approval
    from usecases import services
    from usecases.inputs import SignOffInput, TierOverrideInput

    tool = make_tool("internal-chat", max_data_classification="internal")
    case = make_draft(lead, [tool], data_classification="confidential")
    case = advance(case, (lead, Status.SUBMITTED), (reviewer, Status.IN_REVIEW))
    case = ready_for_approval(case, reviewer, high_risk_areas=["employment"])
    key = f"data_above_tool_approval:{tool.slug}"
    an_exception(case, key, reviewer, second_reviewer, reason="Anonymised pilot data only.")
    services.exceptions_expire(today=timezone.localdate() + datetime.timedelta(days=120))
    services.usecase_sign_off(
        usecase=case, by=second_reviewer, data=SignOffInput.parse(comment="Read the DPIA.")
    )
    services.usecase_tier_override(
        usecase=case,
        by=reviewer,
        data=TierOverrideInput.parse(tier="limited", reason="Drafts only; people decide."),
    )
    services.usecase_tier_override_agree(usecase=case, by=second_reviewer)
    policy = policy_services.policy_create(
        by=author,
        data=NewPolicy.parse(
            title="Acceptable use", category=PolicyCategory.ACCEPTABLE_USE, body_markdown="Be."
        ),
    )
    publish_new_version(policy, author, approver, "# Acceptable use\n\nBe careful.")
    change_settings(
        policy,
        author,
        approver,
        PolicySettings.parse(
            title="Acceptable use of AI",
            category=PolicyCategory.ACCEPTABLE_USE,
            requires_acknowledgement=True,
        ),
    )
    change_entry(RegisterEntry.objects.get(pk=tool.pk), author, approver, status="restricted")
    client = _client(reviewer)
    with django_assert_max_num_queries(20):
        response = client.get("/portfolio/decisions/")
    rows = {row.label: row for row in response.context["decisions"]}
    expected = {
        "Exception requested",
        "Exception granted",
        "Exception expired",
        "Signed off (second reviewer)",
        "Risk tier lowering proposed",
        "Risk tier lowering agreed",
        "Archetype chosen",
        "Policy version published",
        "Policy settings changed",
        "Register entry changed",
        "Policy settings change proposed",
        "Policy settings change approved",
        "Register entry change proposed",
        "Register entry change approved",
    }
    assert expected <= set(rows), set(rows)
    granted = rows["Exception granted"]
    assert granted.event.actor_label == second_reviewer.username
    assert "not approved for confidential data" in granted.after_label
    assert granted.event.comment == "Anonymised pilot data only."
    agreed = rows["Risk tier lowering agreed"]
    assert (agreed.before_label, agreed.after_label) == (
        "High risk",
        "Limited risk (transparency duties)",
    )
    assert "Acceptable use of AI" in rows["Policy settings changed"].after_label
    assert rows["Register entry changed"].after_label == "status: restricted"
    body = response.content.decode()
    assert 'data-testid="decision-kind">Exception expired<' in body
    assert 'data-testid="decision-kind">usecase.' not in body
    export = _client(reviewer).get("/portfolio/decisions/export.csv")
    lines = list(
        csv.DictReader(io.StringIO(cast(StreamingHttpResponse, export).getvalue().decode()))
    )
    kinds = {line["Decision"] for line in lines}
    assert expected <= kinds and not any("." in kind for kind in kinds)
    only = client.get("/portfolio/decisions/", {"decision": "usecase.exception_granted"})
    assert [row.label for row in only.context["decisions"]] == ["Exception granted"]
