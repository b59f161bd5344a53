"""No one alone: each control tried by one person on their own, through the page and through the
API. Every attempt is refused with a message that says why, and no row of the portal changes
(the permission matrix's fingerprint of every table)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from policies.models import RegisterEntry
from portal.models import User
from tests.portal.test_permission_matrix import fingerprint
from usecases import services
from usecases.inputs import TierOverrideInput
from usecases.models import Status, UseCase

from .conftest import advance, an_exception, assess, make_draft, make_tool, ready_for_approval

pytestmark = pytest.mark.django_db

People = dict[str, User]


@dataclass(frozen=True)
class Attempt:
    """One person alone trying to get around one rule."""

    name: str
    who: str  # a key of ``cast``
    setup: Callable[[People], UseCase]
    page: tuple[str, dict[str, Any]]  # path after /usecases/<ref>/, form
    api: tuple[str, dict[str, Any]]  # path after /api/v1/usecases/<ref>/, JSON body
    status: int  # the API's answer
    says: str  # in the page's message (or its 403) and the API's detail


def _in_review(cast: People, **intake: Any) -> UseCase:
    case = make_draft(cast["lead"], **intake)
    return advance(case, (cast["lead"], Status.SUBMITTED), (cast["reviewer"], Status.IN_REVIEW))


def _bare_case(cast: People) -> UseCase:
    return assess(_in_review(cast), cast["reviewer"])


def _high_risk_signed_by_approver(cast: People) -> UseCase:
    case = ready_for_approval(_in_review(cast), cast["reviewer"], high_risk_areas=["employment"])
    services.usecase_sign_off(usecase=case, by=cast["reviewer"])  # their own does not count
    return UseCase.objects.get(pk=case.pk)


def _internal_tool() -> RegisterEntry:
    return make_tool("internal-chat", max_data_classification="internal")


def _own_exception_request(cast: People) -> UseCase:
    tool = _internal_tool()
    case = _in_review(cast, data_classification="confidential")
    case.preferred_tools.set([tool])
    an_exception(case, f"data_above_tool_approval:{tool.slug}", cast["reviewer"], None)
    return UseCase.objects.get(pk=case.pk)


def _prohibited_tool(cast: People) -> UseCase:
    banned = make_tool("banned-chat", status="prohibited", max_data_classification="public")
    case = _in_review(cast)
    case.preferred_tools.set([banned])
    return UseCase.objects.get(pk=case.pk)


def _own_tier_lowering(cast: People) -> UseCase:
    case = assess(_in_review(cast), cast["reviewer"], high_risk_areas=["employment"])
    services.usecase_tier_override(
        usecase=case,
        by=cast["reviewer"],
        data=TierOverrideInput.parse(tier="minimal", reason="Drafts only; people decide."),
    )
    return UseCase.objects.get(pk=case.pk)


EXCEPTION = {
    "reason": "Accepted for the pilot.",
    "conditions": "One team, anonymised records only.",
    "expires_on": "",  # set within a year by _dated: the rule is what is tried
}

ATTEMPTS = [
    Attempt(
        "approve a case with nothing assessed",
        "reviewer",
        _bare_case,
        ("transition/", {"to": "approved"}),
        ("transition/", {"to": "approved"}),
        409,
        "cannot be approved yet",
    ),
    Attempt(
        "approve a high-risk case with only one's own sign-off",
        "reviewer",
        _high_risk_signed_by_approver,
        ("transition/", {"to": "approved"}),
        ("transition/", {"to": "approved"}),
        409,
        "second reviewer",
    ),
    Attempt(
        "grant the exception one requested",
        "reviewer",
        _own_exception_request,
        ("exception/grant/", {"finding_key": "data_above_tool_approval:internal-chat"}),
        ("exceptions/grant/", {"finding_key": "data_above_tool_approval:internal-chat"}),
        403,
        "You requested this exception",
    ),
    Attempt(
        "except a prohibited tool",
        "reviewer",
        _prohibited_tool,
        ("exception/", {"finding_key": "tool_not_approved:banned-chat", **EXCEPTION}),
        ("exceptions/", {"finding_key": "tool_not_approved:banned-chat", **EXCEPTION}),
        409,
        "no exception can be granted",
    ),
    Attempt(
        "agree to the tier lowering one proposed",
        "reviewer",
        _own_tier_lowering,
        ("tier/agree/", {}),
        ("tier-override/agree/", {}),
        403,
        "a second reviewer agrees",
    ),
    Attempt(
        "a lead approves their own case",
        "lead",
        _bare_case,
        ("transition/", {"to": "approved"}),
        ("transition/", {"to": "approved"}),
        403,
        "CIO office",
    ),
]


def _dated(body: dict[str, Any]) -> dict[str, Any]:
    """An end date the exception form accepts (within a year), so the rule itself answers."""
    import datetime

    from django.utils import timezone

    if "expires_on" in body:
        body = {**body, "expires_on": str(timezone.localdate() + datetime.timedelta(days=30))}
    return body


@pytest.mark.parametrize("door", ["page", "api"])
@pytest.mark.parametrize("attempt", ATTEMPTS, ids=[a.name for a in ATTEMPTS])
def test_one_person_alone_is_refused_and_nothing_changes(
    cast: People, attempt: Attempt, door: str
) -> None:
    case = attempt.setup(cast)
    person = cast[attempt.who]
    before = fingerprint()
    if door == "page":
        client = Client()
        client.force_login(person)
        path, form = attempt.page
        response = client.post(
            f"/usecases/{case.reference}/{path}",
            _dated({**form, "expected_version": case.version}),
            follow=True,
        )
        body = response.content.decode()
        assert response.status_code in (200, 403), body[:300]
        assert attempt.says in body, body[:2000]
    else:
        api = APIClient()
        api.force_authenticate(person)
        path, payload = attempt.api
        answer = api.post(
            f"/api/v1/usecases/{case.reference}/{path}",
            _dated({**payload, "expected_version": case.version}),
            format="json",
        )
        assert answer.status_code == attempt.status, answer.json()
        assert attempt.says in answer.json()["detail"], answer.json()
    changed = sorted(table for table, digest in fingerprint().items() if before[table] != digest)
    assert changed == [], f"{attempt.name} through the {door}: these tables changed: {changed}"
