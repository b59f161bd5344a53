"""The pure lookup: every status against every data classification, and how the answer reads."""

from __future__ import annotations

import itertools

import pytest

from policies.models import DataClassification, EntryStatus, classification_rank
from policies.register.lookup import Reason, ToolFacts, Verdict, may_use

CLASSIFICATIONS = list(DataClassification)


def tool(
    status: EntryStatus = EntryStatus.APPROVED,
    max_data: DataClassification = DataClassification.CONFIDENTIAL,
    conditions: str = "",
    **extra: str,
) -> ToolFacts:
    return ToolFacts(
        name="Acme Chat",
        slug="acme-chat",
        status=status,
        max_data_classification=max_data,
        conditions_of_use=conditions,
        **extra,
    )


def test_classifications_are_ranked_lowest_to_highest() -> None:
    assert [classification_rank(value) for value in DataClassification.values] == [0, 1, 2, 3]
    assert DataClassification.rank("confidential") > DataClassification.rank("internal")
    with pytest.raises(ValueError, match="'secret' is not a data classification"):
        classification_rank("secret")


@pytest.mark.parametrize(
    ("max_data", "data"), list(itertools.product(CLASSIFICATIONS, CLASSIFICATIONS))
)
def test_approved_tool_without_conditions_answers_by_classification(
    max_data: DataClassification, data: DataClassification
) -> None:
    answer = may_use(tool(max_data=max_data), data)
    if classification_rank(data) <= classification_rank(max_data):
        assert answer.verdict == Verdict.YES
        assert answer.reason == Reason.APPROVED
        assert answer.headline == "Yes"
        assert answer.conditions == ""
    else:
        assert answer.verdict == Verdict.NO
        assert answer.reason == Reason.DATA_TOO_SENSITIVE
        assert answer.sentence.startswith("No, because")


@pytest.mark.parametrize(
    ("max_data", "data"), list(itertools.product(CLASSIFICATIONS, CLASSIFICATIONS))
)
def test_restricted_tool_answers_with_conditions_up_to_its_classification(
    max_data: DataClassification, data: DataClassification
) -> None:
    answer = may_use(tool(EntryStatus.RESTRICTED, max_data, "Only in the EU tenant."), data)
    if classification_rank(data) <= classification_rank(max_data):
        assert answer.verdict == Verdict.YES_WITH_CONDITIONS
        assert answer.reason == Reason.RESTRICTED
        assert answer.conditions == "Only in the EU tenant."
    else:
        assert answer.verdict == Verdict.NO
        assert answer.reason == Reason.DATA_TOO_SENSITIVE
        assert answer.conditions == ""


@pytest.mark.parametrize("data", CLASSIFICATIONS)
@pytest.mark.parametrize("max_data", CLASSIFICATIONS)
def test_prohibited_tool_is_no_whatever_the_data(
    max_data: DataClassification, data: DataClassification
) -> None:
    answer = may_use(tool(EntryStatus.PROHIBITED, max_data, "Ignored."), data)
    assert answer.verdict == Verdict.NO
    assert answer.reason == Reason.PROHIBITED
    assert answer.sentence == (
        "No, because Acme Chat is prohibited: do not use it for company work, "
        "not even with public information."
    )
    assert answer.conditions == ""


@pytest.mark.parametrize("data", CLASSIFICATIONS)
@pytest.mark.parametrize("max_data", CLASSIFICATIONS)
def test_tool_under_review_is_no_yet_whatever_the_data(
    max_data: DataClassification, data: DataClassification
) -> None:
    answer = may_use(tool(EntryStatus.UNDER_REVIEW, max_data), data)
    assert answer.verdict == Verdict.NO
    assert answer.reason == Reason.UNDER_REVIEW
    assert "still under review and not yet approved" in answer.sentence


def test_too_sensitive_data_names_both_classifications_in_plain_words() -> None:
    answer = may_use(tool(max_data=DataClassification.INTERNAL), "confidential")
    assert answer.sentence == (
        "No, because Acme Chat is approved for internal data at most, "
        "and confidential data is more sensitive than that."
    )
    assert answer.data_classification == DataClassification.CONFIDENTIAL


def test_public_only_tool_says_public_information() -> None:
    answer = may_use(tool(EntryStatus.RESTRICTED, DataClassification.PUBLIC), "restricted")
    assert "approved for public information at most" in answer.sentence
    assert "restricted data is more sensitive" in answer.sentence


def test_approved_tool_with_conditions_answers_yes_with_conditions() -> None:
    answer = may_use(tool(conditions="  Sign in with single sign-on.  "), "internal")
    assert answer.verdict == Verdict.YES_WITH_CONDITIONS
    assert answer.reason == Reason.APPROVED_WITH_CONDITIONS
    assert answer.headline == "Yes, with conditions"
    assert answer.sentence.startswith("Yes, with conditions: Acme Chat is approved for internal")
    assert answer.conditions == "Sign in with single sign-on."


def test_blank_conditions_count_as_none() -> None:
    assert may_use(tool(conditions="  \n "), "public").verdict == Verdict.YES


def test_restricted_tool_without_written_conditions_still_says_what_to_do() -> None:
    answer = may_use(tool(EntryStatus.RESTRICTED), "internal")
    assert answer.verdict == Verdict.YES_WITH_CONDITIONS
    assert "governing policy" in answer.conditions


def test_plain_yes_reads_plainly() -> None:
    answer = may_use(tool(), "confidential")
    assert answer.sentence == "Yes: Acme Chat is approved for confidential data."
    assert answer.is_yes


def test_answer_carries_the_governing_policy() -> None:
    answer = may_use(tool(policy_title="Acceptable use", policy_slug="acceptable-use"), "public")
    assert (answer.policy_title, answer.policy_slug) == ("Acceptable use", "acceptable-use")
    assert (answer.tool_name, answer.tool_slug) == ("Acme Chat", "acme-chat")


def test_unknown_classification_is_refused() -> None:
    with pytest.raises(ValueError, match="secret"):
        may_use(tool(), "secret")
