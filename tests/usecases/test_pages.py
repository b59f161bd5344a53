"""Pages: visibility per role (404, never 403, for a case you may not see), the intake steps,
the decisions, the review queue and the rubric, with query counts pinned on the lists."""

from __future__ import annotations

import pytest
from django.test import Client

from portal.models import AuditEvent, User
from usecases.inputs import CommentInput, IntakeChange
from usecases.models import RubricVersion, Status, UseCase

from .conftest import advance, make_draft, ready_for_approval

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


CASE_PAGES = ["", "edit/idea/", "risk/", "risks/", "ratings/"]


@pytest.mark.parametrize("who", ["employee", "other_lead", "author", "approver"])
@pytest.mark.parametrize("page", CASE_PAGES)
def test_people_outside_the_case_get_404(
    draft: UseCase, cast: dict[str, User], who: str, page: str
) -> None:
    response = client_for(cast[who]).get(f"/usecases/{draft.reference}/{page}")
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["lead", "reviewer", "admin"])
def test_submitter_lead_reviewer_and_admin_see_the_case(
    draft: UseCase, cast: dict[str, User], who: str
) -> None:
    response = client_for(cast[who]).get(f"/usecases/{draft.reference}/")
    assert response.status_code == 200
    assert draft.title in response.content.decode()


def test_posts_on_an_invisible_case_are_404_and_change_nothing(
    draft: UseCase, other_lead: User
) -> None:
    client = client_for(other_lead)
    for action, data in [
        ("transition", {"to": "submitted", "expected_version": draft.version}),
        ("comment", {"body": "hi"}),
    ]:
        assert client.post(f"/usecases/{draft.reference}/{action}/", data).status_code == 404
    assert UseCase.objects.get(pk=draft.pk).status == Status.DRAFT


def test_lists_show_only_visible_cases(lead: User, other_lead: User, reviewer: User) -> None:
    mine = str(make_draft(lead, title="Mine").reference)
    theirs = str(make_draft(other_lead, title="Theirs").reference)
    page = client_for(lead).get("/usecases/").content.decode()
    assert mine in page and theirs not in page
    page = client_for(reviewer).get("/usecases/").content.decode()
    assert mine in page and theirs in page
    filtered = client_for(lead).get("/usecases/?status=approved").content.decode()
    assert mine not in filtered and "No use case matches these filters" in filtered


def test_an_employee_has_no_use_case_pages(employee: User) -> None:
    client = client_for(employee)
    assert client.get("/usecases/").status_code == 403
    assert client.get("/review/").status_code == 403


def test_intake_in_steps_then_submit(lead: User, reviewer: User) -> None:
    client = client_for(lead)
    response = client.post(
        "/usecases/new/",
        {"title": "Summarise tickets", "problem": "", "action": "next"},
    )
    case = UseCase.objects.get(title="Summarise tickets")
    assert response.status_code == 302 and response["Location"].endswith("/edit/value/")
    response = client.post(
        f"/usecases/{case.reference}/edit/value/",
        {"people_affected": "-4", "action": "save"},
    )
    assert "The number of people cannot be negative." in response.content.decode()
    assert UseCase.objects.get(pk=case.pk).people_affected is None
    review = client.get(f"/usecases/{case.reference}/edit/review/").content.decode()
    assert "still missing" in review and "Describe the problem" in review
    client.post(
        f"/usecases/{case.reference}/edit/idea/",
        {
            "title": "Summarise tickets",
            "problem": "Agents read long ticket threads before answering.",
            "proposed_solution": "Summarise each thread at the top of the ticket.",
            "value_lever": "productivity",
            "business_function": "customer_service",
            "action": "next",
        },
    )
    client.post(
        f"/usecases/{case.reference}/edit/value/",
        {
            "people_affected": "30",
            "benefit_kind": "hours_saved",
            "hours_saved_per_person_per_week": "2",
            "benefit_confidence": "60",
            "action": "next",
        },
    )
    client.post(
        f"/usecases/{case.reference}/edit/data/",
        {
            "data_classification": "internal",
            "output_audience": ["internal"],
            "human_oversight": "every_output",
            "action": "next",
        },
    )
    case.refresh_from_db()
    response = client.post(
        f"/usecases/{case.reference}/transition/",
        {"to": "submitted", "expected_version": case.version, "comment": ""},
        follow=True,
    )
    assert "is now submitted" in response.content.decode()
    assert UseCase.objects.get(pk=case.pk).status == Status.SUBMITTED


def test_a_stale_decision_is_refused_with_a_clear_message(
    in_review: UseCase, reviewer: User
) -> None:
    stale = in_review.version
    advance(in_review, (reviewer, Status.ON_HOLD), comment="Waiting for legal.")
    response = client_for(reviewer).post(
        f"/usecases/{in_review.reference}/transition/",
        {"to": "approved", "expected_version": stale, "comment": ""},
        follow=True,
    )
    assert "The case changed under you" in response.content.decode()
    assert UseCase.objects.get(pk=in_review.pk).status == Status.ON_HOLD


def test_a_lead_cannot_use_the_reviewers_pages(in_review: UseCase, lead: User) -> None:
    client = client_for(lead)
    assert client.get(f"/usecases/{in_review.reference}/ratings/").status_code == 403
    response = client.post(
        f"/usecases/{in_review.reference}/transition/",
        {"to": "approved", "expected_version": in_review.version},
    )
    assert response.status_code == 403
    assert UseCase.objects.get(pk=in_review.pk).status == Status.IN_REVIEW


def test_the_approve_panel_lists_what_is_missing_with_links_until_the_case_is_ready(
    in_review: UseCase, reviewer: User
) -> None:
    client = client_for(reviewer)
    page = client.get(f"/usecases/{in_review.reference}/").content.decode()
    assert 'data-testid="approval-missing"' in page
    assert f'data-missing="ratings"><a href="/usecases/{in_review.reference}/ratings/"' in page
    assert 'data-missing="archetype"' in page
    assert ">Approve</button>" not in page  # no button the reviewer may not use
    # Posted all the same (an old tab): refused with the same list, nothing changed.
    refused = client.post(
        f"/usecases/{in_review.reference}/transition/",
        {"to": "approved", "expected_version": in_review.version},
        follow=True,
    ).content.decode()
    assert "cannot be approved yet" in refused and "Rate every criterion" in refused
    assert UseCase.objects.get(pk=in_review.pk).status == Status.IN_REVIEW
    case = ready_for_approval(in_review, reviewer)
    page = client.get(f"/usecases/{case.reference}/").content.decode()
    assert 'data-testid="approval-missing"' not in page and ">Approve</button>" in page
    approved = client.post(
        f"/usecases/{case.reference}/transition/",
        {"to": "approved", "expected_version": case.version},
        follow=True,
    )
    assert "is now approved" in approved.content.decode()
    assert UseCase.objects.get(pk=case.pk).status == Status.APPROVED


def test_the_case_page_with_its_gate_costs_a_fixed_number_of_queries(
    in_review: UseCase, reviewer: User, django_assert_max_num_queries
) -> None:
    client = client_for(reviewer)
    with django_assert_max_num_queries(45):
        assert client.get(f"/usecases/{in_review.reference}/").status_code == 200


def test_ratings_page_scores_the_case(in_review: UseCase, reviewer: User) -> None:
    data: dict[str, object] = {"expected_version": in_review.version}
    data.update({c: "4" for c in ["strategic_fit", "financial_impact", "reach"]})
    data.update({c: "2" for c in ["data_readiness", "technical_complexity", "skills"]})
    data["integration_effort"] = "2"
    response = client_for(reviewer).post(
        f"/usecases/{in_review.reference}/ratings/", data, follow=True
    )
    assert "Ratings saved" in response.content.decode()
    case = UseCase.objects.get(pk=in_review.pk)
    assert case.value_score == 75 and case.feasibility_score == 25
    assert case.quadrant == "strategic_bet"


def _many_cases(lead: User, reviewer: User, count: int) -> None:
    for n in range(count):
        case = make_draft(lead, title=f"Case {n}")
        advance(case, (lead, Status.SUBMITTED))


@pytest.mark.parametrize("count", [5, 40])
def test_list_and_queue_cost_the_same_queries_for_5_or_40(
    lead: User, reviewer: User, count: int, django_assert_max_num_queries
) -> None:
    _many_cases(lead, reviewer, count)
    lead_client, reviewer_client = client_for(lead), client_for(reviewer)
    with django_assert_max_num_queries(12):
        assert lead_client.get("/usecases/").status_code == 200
    with django_assert_max_num_queries(12):
        assert reviewer_client.get("/usecases/").status_code == 200
    with django_assert_max_num_queries(14):
        page = reviewer_client.get("/review/")
    assert page.content.decode().count('data-testid="queue-row"') == count


def test_review_queue_flags_findings_and_missing_ratings(
    lead: User, reviewer: User, internal_only_tool
) -> None:
    case = make_draft(lead, [internal_only_tool], data_classification="confidential")
    advance(case, (lead, Status.SUBMITTED))
    page = client_for(reviewer).get("/review/").content.decode()
    assert "1 guardrail finding" in page and "7 ratings missing" in page


def test_rubric_page_refuses_nonsense_and_saves_sense(admin_user: User, reviewer: User) -> None:
    assert client_for(reviewer).get("/usecases/rubric/").status_code == 403
    client = client_for(admin_user)
    form = {
        "value_share": "0.5",
        "value_threshold": "50",
        "feasibility_threshold": "50",
        **{f"weight_{c}": "1" for c in [
            "strategic_fit", "financial_impact", "reach", "data_readiness",
            "technical_complexity", "skills", "integration_effort",
        ]},
        **{f"penalty_{t}": p for t, p in [
            ("prohibited", "100"), ("high", "20"), ("limited", "5"), ("minimal", "0"),
        ]},
    }  # fmt: skip
    bad = client.post("/usecases/rubric/", {**form, "weight_reach": "-2"})
    assert "Weights cannot be negative." in bad.content.decode()
    zero = {
        **form,
        "weight_strategic_fit": "0",
        "weight_financial_impact": "0",
        "weight_reach": "0",
    }
    assert "At least one value criterion" in client.post("/usecases/rubric/", zero).content.decode()
    assert RubricVersion.objects.count() == 0
    response = client.post("/usecases/rubric/", form, follow=True)
    assert "Rubric version 1 is in force" in response.content.decode()


def test_risk_register_page_refuses_half_rated_rows_and_saves_whole_ones(
    in_review: UseCase, reviewer: User
) -> None:
    from usecases.risk import NistRisk

    def form(first: dict[str, str]) -> dict[str, str]:
        data = {"risk-TOTAL_FORMS": "12", "risk-INITIAL_FORMS": "12"}
        for n, risk in enumerate(NistRisk):
            data[f"risk-{n}-risk"] = risk.value
            data[f"risk-{n}-status"] = "open"
        data.update({f"risk-0-{k}": v for k, v in first.items()})
        return data

    client = client_for(reviewer)
    url = f"/usecases/{in_review.reference}/risks/"
    half = client.post(url, form({"likelihood": "3"}))
    assert "Rate both likelihood and severity" in half.content.decode()
    assert in_review.risks.count() == 0
    client.post(url, form({"likelihood": "2", "severity": "5", "mitigation": "No CBRN topics."}))
    entry = in_review.risks.get()
    assert (entry.risk, entry.likelihood, entry.severity) == ("cbrn", 2, 5)


def test_comment_and_exception_pages(
    lead: User, reviewer: User, second_reviewer: User, other_lead: User
) -> None:
    from .conftest import make_tool

    tool = make_tool("internal-chat", max_data_classification="internal")
    case = make_draft(lead, [tool], data_classification="confidential")
    url = f"/usecases/{case.reference}/"
    client_for(lead).post(url + "comment/", {"body": "Is the data anonymised first?"})
    assert case.comments.get().body == "Is the data anonymised first?"
    key = f"data_above_tool_approval:{tool.slug}"
    assert client_for(other_lead).post(url + "exception/", {"finding_key": key}).status_code == 404
    assert (
        client_for(lead)
        .post(url + "exception/", {"finding_key": key, "reason": "Because I want it."})
        .status_code
        == 403
    )
    request = {
        "finding_key": key,
        "reason": "Anonymised sample only.",
        "conditions": "One team, anonymised sample, during the pilot.",
        "expires_on": "",
    }
    no_date = client_for(reviewer).post(url + "exception/", request, follow=True)
    assert "Give the date the exception ends" in no_date.content.decode()
    assert not case.exceptions.exists()
    import datetime

    from django.utils import timezone

    request["expires_on"] = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    response = client_for(reviewer).post(url + "exception/", request, follow=True)
    assert "Exception requested" in response.content.decode()
    assert case.exceptions.get().reason == "Anonymised sample only."
    # The requester sees no grant button; another reviewer does, and grants it.
    assert ">Grant exception</button>" not in client_for(reviewer).get(url).content.decode()
    own = client_for(reviewer).post(url + "exception/grant/", {"finding_key": key})
    assert own.status_code == 403 and case.exceptions.get().granted_by is None
    page = client_for(second_reviewer).get(url).content.decode()
    assert ">Grant exception</button>" in page and "Requested by" in page
    granted = client_for(second_reviewer).post(
        url + "exception/grant/", {"finding_key": key}, follow=True
    )
    assert "Exception granted" in granted.content.decode()
    assert case.exceptions.get().granted_by == second_reviewer


def test_risk_questionnaire_page_sets_the_tier(draft: UseCase, lead: User) -> None:
    response = client_for(lead).post(
        f"/usecases/{draft.reference}/risk/",
        {"high_risk_areas": ["employment"], "expected_version": draft.version},
        follow=True,
    )
    assert "Risk tier: High risk" in response.content.decode()
    assert UseCase.objects.get(pk=draft.pk).risk_tier == "high"


def test_timeline_shows_who_changed_what(draft: UseCase, lead: User, reviewer: User) -> None:
    from usecases import services

    services.usecase_update_draft(
        usecase=draft, by=lead, data=IntakeChange.parse({"people_affected": 12})
    )
    advance(draft, (lead, Status.SUBMITTED))
    services.usecase_comment_add(
        usecase=draft, by=reviewer, data=CommentInput.parse(body="Which inbox?")
    )
    page = client_for(reviewer).get(f"/usecases/{draft.reference}/").content.decode()
    for words in ["created the draft", "edited the draft: people affected", "submitted it"]:
        assert words in page
    assert "Which inbox?" in page


@pytest.mark.django_db
def test_the_review_queue_reads_a_page_off_its_partial_index(reviewer: User) -> None:
    """The queue's statuses and order match ``usecase_awaiting_review``: PostgreSQL can read the
    oldest waiting cases off it in order, with no sort of every waiting case. (On the test's few
    rows the planner may prefer to sort anyway, so sorting is priced out: a Sort left in the plan
    would mean no index gives this order.)"""
    from django.db import connection

    from usecases.selectors import review_queue_cases

    if connection.vendor != "postgresql":
        pytest.skip("the partial index is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        plan = review_queue_cases(reviewer)[:50].explain()
    assert "usecase_awaiting_review" in plan, plan
    assert "Sort" not in plan, plan


def test_the_tier_override_on_the_case_page_and_its_timeline(
    in_review: UseCase, reviewer: User, second_reviewer: User, lead: User
) -> None:
    url = f"/usecases/{in_review.reference}/"
    assert "Override the tier" not in client_for(lead).get(url).content.decode()
    no_reason = client_for(reviewer).post(
        url + "tier/", {"tier": "high", "reason": ""}, follow=True
    )
    assert "Explain in writing why the tier differs" in no_reason.content.decode()
    assert UseCase.objects.get(pk=in_review.pk).risk_tier == "minimal"
    client_for(reviewer).post(url + "tier/", {"tier": "high", "reason": "It ranks applicants."})
    proposed = (
        client_for(reviewer)
        .post(
            url + "tier/", {"tier": "limited", "reason": "Drafts only; people decide."}, follow=True
        )
        .content.decode()
    )
    assert "Lowering to limited risk" in proposed and "Agree to lower the tier" not in proposed
    page = client_for(second_reviewer).get(url).content.decode()
    assert "Agree to lower the tier" in page and "Drafts only; people decide." in page
    client_for(second_reviewer).post(url + "tier/agree/", {})
    page = client_for(lead).get(url).content.decode()
    assert UseCase.objects.get(pk=in_review.pk).risk_tier == "limited"
    assert "agreed to lower the EU AI Act tier" in page and "overrode the EU AI Act tier" in page
    assert "It ranks applicants." in page


def test_the_timeline_shows_each_comments_text(draft: UseCase, lead: User) -> None:
    url = f"/usecases/{draft.reference}/"
    client_for(lead).post(url + "comment/", {"body": "Is the data anonymised first?"})
    page = client_for(lead).get(url).content.decode()
    timeline = page[page.index('data-testid="timeline"') :]
    assert "commented" in timeline and "Is the data anonymised first?" in timeline


def test_a_lead_answers_a_hold_back_in_draft_and_resubmits(
    in_review: UseCase, lead: User, reviewer: User
) -> None:
    case = advance(in_review, (reviewer, Status.ON_HOLD), comment="Name the data owner first.")
    url = f"/usecases/{case.reference}/"
    page = client_for(lead).get(url).content.decode()
    assert "Take back to draft to answer" in page
    assert "Take back to draft" not in client_for(reviewer).get(url).content.decode()
    refused = client_for(reviewer).post(
        url + "transition/", {"to": "draft", "expected_version": case.version}
    )
    assert refused.status_code == 403
    back = client_for(lead).post(
        url + "transition/", {"to": "draft", "expected_version": case.version}, follow=True
    )
    assert "is now draft" in back.content.decode()
    case = UseCase.objects.get(pk=case.pk)
    assert case.status == Status.DRAFT and case.decided_at is None
    form = client_for(lead).get(url + "edit/idea/").content.decode()
    assert 'data-testid="hold-reason"' in form and "Name the data owner first." in form
    client_for(lead).post(
        url + "edit/idea/",
        {
            "title": case.title,
            "problem": case.problem + " The data owner is the CRM team.",
            "proposed_solution": case.proposed_solution,
            "value_lever": case.value_lever,
            "business_function": case.business_function,
            "expected_version": case.version,
        },
    )
    assert "CRM team" in UseCase.objects.get(pk=case.pk).problem
    case = advance(case, (lead, Status.SUBMITTED))
    assert case.status == Status.SUBMITTED
    events = list(
        AuditEvent.objects.filter(object_id=str(case.pk)).values_list("action", flat=True)
    )
    assert "usecase.draft" in events and events.count("usecase.submitted") == 2


def test_a_reason_typed_on_a_stale_page_is_given_back_in_the_form(
    in_review: UseCase, reviewer: User, second_reviewer: User
) -> None:
    stale = in_review.version
    advance(in_review, (second_reviewer, Status.ON_HOLD), comment="Waiting for legal.")
    advance(in_review, (second_reviewer, Status.IN_REVIEW), comment="")
    typed = "The vendor contract forbids this use; see clause 12."
    response = client_for(reviewer).post(
        f"/usecases/{in_review.reference}/transition/",
        {"to": "rejected", "expected_version": stale, "comment": typed},
        follow=True,
    )
    body = response.content.decode()
    assert "The case changed under you" in body
    assert typed in body  # back in the reject form's reason
    assert UseCase.objects.get(pk=in_review.pk).status == Status.IN_REVIEW
    # Given back once: the next visit starts clean.
    again = client_for(reviewer).get(f"/usecases/{in_review.reference}/").content.decode()
    assert typed not in again
