"""The open guardrail findings kept on each case: every service that changes what the guardrails
read keeps the count equal to what the guardrails find, and a register change recounts the cases
that use the tool on the batch queue of the real worker."""

from __future__ import annotations

import pytest

from portal.models import User
from tests.policies.conftest import change_entry
from tests.usecases.conftest import advance, an_exception, assess, make_draft, make_tool
from tests.usecases.estimates_portal.test_worker import wait_for
from usecases import services
from usecases.findings import open_findings_refresh_many
from usecases.inputs import ExceptionGrant, IntakeChange
from usecases.models import Status, UseCase
from usecases.selectors import findings_for, with_guardrail_inputs


def stored_and_found(case: UseCase) -> tuple[int, int]:
    """The kept count and what the guardrails find now, for the same case."""
    loaded = with_guardrail_inputs(UseCase.objects.filter(pk=case.pk)).get()
    return loaded.open_findings_count, sum(1 for s in findings_for(loaded) if s.is_open)


@pytest.mark.django_db
def test_the_intake_services_keep_the_count(
    lead: User, reviewer: User, second_reviewer: User
) -> None:
    internal = make_tool("internal-chat", max_data_classification="internal")
    case = make_draft(lead, [internal], data_classification="confidential")
    assert stored_and_found(case) == (1, 1)  # confidential data in an internal-only tool

    services.usecase_update_draft(
        usecase=case,
        by=lead,
        data=IntakeChange.parse(
            {"data_categories": ["personal"], "human_oversight": "fully_automated"}
        ),
    )
    assert stored_and_found(case) == (2, 2)  # and personal data decided with nobody checking

    services.usecase_update_draft(
        usecase=case, by=lead, data=IntakeChange.parse({}, preferred_tools=[])
    )
    assert stored_and_found(case) == (1, 1)

    case = advance(case, (lead, Status.SUBMITTED), (reviewer, Status.IN_REVIEW))
    case = assess(case, reviewer)
    loaded = with_guardrail_inputs(UseCase.objects.filter(pk=case.pk)).get()
    (open_one,) = [s for s in findings_for(loaded) if s.is_open]
    an_exception(
        case,
        open_one.finding.key,
        reviewer,
        None,
        reason="A person samples the drafts weekly; accepted for the pilot.",
    )
    assert stored_and_found(case) == (1, 1)  # requested is not granted
    services.usecase_exception_grant(
        usecase=case,
        by=second_reviewer,
        data=ExceptionGrant.parse(finding_key=open_one.finding.key),
    )
    assert stored_and_found(case) == (0, 0)


@pytest.mark.django_db
def test_a_batch_recount_repairs_counts_and_says_how_many_changed(lead: User) -> None:
    case = make_draft(lead, [], data_categories=["personal"], human_oversight="fully_automated")
    UseCase.objects.filter(pk=case.pk).update(open_findings_count=7)  # as if left stale
    assert open_findings_refresh_many(UseCase.objects.filter(pk=case.pk)) == 1
    assert stored_and_found(case) == (1, 1)
    assert open_findings_refresh_many(UseCase.objects.filter(pk=case.pk)) == 0  # twice: no-op


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_register_change_recounts_its_cases_on_the_worker(
    celery_worker: str, lead: User, author: User, approver: User
) -> None:
    tool = make_tool("soon-prohibited")
    using = make_draft(lead, [tool], title="Uses the tool")
    other = make_draft(lead, [make_tool("stays-approved")], title="Uses another tool")
    assert stored_and_found(using) == (0, 0)

    change_entry(tool, author, approver, status="prohibited")
    assert wait_for(lambda: stored_and_found(using) == (1, 1), 30), stored_and_found(using)
    assert stored_and_found(other) == (0, 0)

    change_entry(tool, author, approver, description="Reworded only.")
    change_entry(tool, author, approver, status="approved")
    assert wait_for(lambda: stored_and_found(using) == (0, 0), 30), stored_and_found(using)
