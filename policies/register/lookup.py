""" "May I use this tool with this data?": a pure answer over the facts of one register entry.

No database here: the page, the API and (later) guardrails build :class:`ToolFacts` from an entry
and call :func:`may_use`.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from policies.models.register import DataClassification, EntryStatus, classification_rank

# How each classification reads in a sentence ("… with confidential data").
CLASSIFICATION_IN_WORDS = {
    DataClassification.PUBLIC: "public information",
    DataClassification.INTERNAL: "internal data",
    DataClassification.CONFIDENTIAL: "confidential data",
    DataClassification.RESTRICTED: "restricted data",
}

# What each classification covers, to help people pick the right one.
CLASSIFICATION_HINTS = {
    DataClassification.PUBLIC: "already published, or meant for anyone to read",
    DataClassification.INTERNAL: "everyday company information, not meant for outsiders",
    DataClassification.CONFIDENTIAL: "customers', employees' or commercially sensitive data",
    DataClassification.RESTRICTED: "the most sensitive: regulated or special-category data, "
    "secrets, unreleased results",
}


class Verdict(StrEnum):
    YES = "yes"
    YES_WITH_CONDITIONS = "yes_with_conditions"
    NO = "no"


class Reason(StrEnum):
    """Why the verdict is what it is, for code that wants more than the sentence."""

    APPROVED = "approved"
    APPROVED_WITH_CONDITIONS = "approved_with_conditions"
    RESTRICTED = "restricted"
    PROHIBITED = "prohibited"
    UNDER_REVIEW = "under_review"
    DATA_TOO_SENSITIVE = "data_too_sensitive"


HEADLINES = {
    Verdict.YES: "Yes",
    Verdict.YES_WITH_CONDITIONS: "Yes, with conditions",
    Verdict.NO: "No",
}


class ToolFacts(BaseModel):
    """What the lookup needs to know about one register entry."""

    model_config = ConfigDict(frozen=True)

    name: str
    slug: str
    status: EntryStatus
    max_data_classification: DataClassification
    conditions_of_use: str = ""
    policy_title: str | None = None
    policy_slug: str | None = None


class LookupAnswer(BaseModel):
    model_config = ConfigDict(frozen=True)

    tool_name: str
    tool_slug: str
    data_classification: DataClassification
    verdict: Verdict
    reason: Reason
    headline: str
    sentence: str
    conditions: str
    policy_title: str | None
    policy_slug: str | None

    @property
    def is_yes(self) -> bool:
        return self.verdict != Verdict.NO


def may_use(tool: ToolFacts, data: DataClassification | str) -> LookupAnswer:
    """Answer whether ``tool`` may be used with data of classification ``data``.

    The order matters: a prohibition or a pending review answers "no" whatever the data; only
    then is the data compared with what the tool is approved for.
    """
    data = DataClassification(data)
    data_words = CLASSIFICATION_IN_WORDS[data]
    approved_words = CLASSIFICATION_IN_WORDS[tool.max_data_classification]
    conditions = tool.conditions_of_use.strip()

    if tool.status == EntryStatus.PROHIBITED:
        verdict, reason = Verdict.NO, Reason.PROHIBITED
        sentence = (
            f"No, because {tool.name} is prohibited: do not use it for company work, "
            f"not even with public information."
        )
    elif tool.status == EntryStatus.UNDER_REVIEW:
        verdict, reason = Verdict.NO, Reason.UNDER_REVIEW
        sentence = (
            f"No, because {tool.name} is still under review and not yet approved. "
            f"Until it is, use an approved tool instead."
        )
    elif classification_rank(data) > classification_rank(tool.max_data_classification):
        verdict, reason = Verdict.NO, Reason.DATA_TOO_SENSITIVE
        sentence = (
            f"No, because {tool.name} is approved for {approved_words} at most, and "
            f"{data_words} is more sensitive than that."
        )
    elif tool.status == EntryStatus.RESTRICTED:
        verdict, reason = Verdict.YES_WITH_CONDITIONS, Reason.RESTRICTED
        sentence = (
            f"Yes, with conditions: {tool.name} is approved with conditions only, so you may "
            f"use it with {data_words} only as its conditions of use say."
        )
        if not conditions:
            conditions = "Use it only as the governing policy allows; ask the CIO office if unsure."
    elif conditions:
        verdict, reason = Verdict.YES_WITH_CONDITIONS, Reason.APPROVED_WITH_CONDITIONS
        sentence = (
            f"Yes, with conditions: {tool.name} is approved for {data_words}, "
            f"as long as you follow its conditions of use."
        )
    else:
        verdict, reason = Verdict.YES, Reason.APPROVED
        sentence = f"Yes: {tool.name} is approved for {data_words}."

    return LookupAnswer(
        tool_name=tool.name,
        tool_slug=tool.slug,
        data_classification=data,
        verdict=verdict,
        reason=reason,
        headline=HEADLINES[verdict],
        sentence=sentence,
        # Conditions matter only to someone who may go ahead.
        conditions=conditions if verdict != Verdict.NO else "",
        policy_title=tool.policy_title,
        policy_slug=tool.policy_slug,
    )
