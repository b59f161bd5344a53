"""Guardrails: does a use case break a rule of the register or the policies?

Pure functions over plain views of the case and of the register (built by the selectors), so the
same rules run on the case page, in the review queue, in the API and in tests without a database.
Each finding names the rule, says why in plain words, and names the policy it comes from: the
governing policy of the tool it is about, else the policy an administrator named for the rule
(``usecases.models.GuardrailPolicy``), else none yet (``""``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import models

from policies.models import (
    DataClassification,
    EntryStatus,
    TrainingDataDisclosure,
    classification_rank,
)
from usecases.risk import NistRisk, RiskTier


class Rule(models.TextChoices):
    DATA_ABOVE_TOOL_APPROVAL = (
        "data_above_tool_approval",
        "Data more sensitive than the tool allows",
    )
    TOOL_NOT_APPROVED = "tool_not_approved", "Tool prohibited or still under review"
    AUTOMATED_SENSITIVE_DATA = (
        "automated_sensitive_data",
        ("Personal or health data with no human in the loop"),
    )
    UNDISCLOSED_TRAINING_DATA = (
        "undisclosed_training_data",
        ("External output from a model that discloses nothing on training data"),
    )
    UNMITIGATED_SEVERE_RISK = "unmitigated_severe_risk", "Severe risk without a mitigation"


SEVERE = 4  # severity from which a risk needs a mitigation on a high-risk case
SENSITIVE_CATEGORIES = {"personal", "health"}
EXTERNAL_AUDIENCES = {"customers", "public"}


@dataclass(frozen=True)
class ToolView:
    slug: str
    name: str
    status: str
    max_data_classification: str
    training_data_disclosure: str
    policy_title: str = ""


@dataclass(frozen=True)
class RiskEntryView:
    risk: str
    severity: int
    mitigation: str


@dataclass(frozen=True)
class CaseView:
    data_classification: str = ""
    data_categories: tuple[str, ...] = ()
    output_audience: tuple[str, ...] = ()
    human_oversight: str = ""
    risk_tier: str = ""
    tool_slugs: tuple[str, ...] = ()
    risks: tuple[RiskEntryView, ...] = ()


@dataclass(frozen=True)
class Finding:
    rule: str
    subject: str  # what the finding is about (a tool's slug, a risk), so exceptions target it
    title: str
    why: str
    policy: str
    # A hard rule (a prohibited tool) admits no exception: the case must change instead.
    exceptable: bool = True

    @property
    def key(self) -> str:
        return f"{self.rule}:{self.subject}" if self.subject else self.rule


# Rule → the title of the policy it comes from, as the administrators named them.
RulePolicies = Mapping[str, str]


def _data_above_tool(case: CaseView, tool: ToolView, policies: RulePolicies) -> Finding | None:
    if not case.data_classification:
        return None
    try:
        too_sensitive = classification_rank(case.data_classification) > classification_rank(
            tool.max_data_classification
        )
    except ValueError:
        return None
    if not too_sensitive:
        return None
    data = DataClassification(case.data_classification).label.lower()
    allowed = DataClassification(tool.max_data_classification).label.lower()
    return Finding(
        rule=Rule.DATA_ABOVE_TOOL_APPROVAL,
        subject=tool.slug,
        title=f"{tool.name} is not approved for {data} data",
        why=(
            f"The case uses {data} data, but {tool.name} is approved only up to {allowed} data. "
            "Choose a tool approved for this data, or reduce the data the tool sees."
        ),
        policy=tool.policy_title or policies.get(Rule.DATA_ABOVE_TOOL_APPROVAL, ""),
    )


def _tool_not_approved(tool: ToolView, policies: RulePolicies) -> Finding | None:
    if tool.status == EntryStatus.PROHIBITED:
        return Finding(
            rule=Rule.TOOL_NOT_APPROVED,
            subject=tool.slug,
            title=f"{tool.name} is prohibited",
            why=(
                f"{tool.name} is prohibited in the AI tools register; it may not be used, and no "
                "exception can be granted. Drop the tool from the case and choose an approved one."
            ),
            policy=tool.policy_title or policies.get(Rule.TOOL_NOT_APPROVED, ""),
            exceptable=False,
        )
    if tool.status == EntryStatus.UNDER_REVIEW:
        why = (
            f"{tool.name} is still under review in the AI tools register; it may not be used "
            "until it is approved."
        )
    else:
        return None
    return Finding(
        rule=Rule.TOOL_NOT_APPROVED,
        subject=tool.slug,
        title=f"{tool.name} is {EntryStatus(tool.status).label.lower()}",
        why=why,
        policy=tool.policy_title or policies.get(Rule.TOOL_NOT_APPROVED, ""),
    )


def _automated_sensitive(case: CaseView, policies: RulePolicies) -> Finding | None:
    sensitive = sorted(SENSITIVE_CATEGORIES.intersection(case.data_categories))
    if case.human_oversight != "fully_automated" or not sensitive:
        return None
    return Finding(
        rule=Rule.AUTOMATED_SENSITIVE_DATA,
        subject="",
        title="Sensitive data handled with no human in the loop",
        why=(
            f"The case uses {' and '.join(sensitive)} data and no person checks the outputs. "
            "Decisions about people are never left to an AI system alone: add human review "
            "of every output, or at least spot checks."
        ),
        policy=policies.get(Rule.AUTOMATED_SENSITIVE_DATA, ""),
    )


def _undisclosed_training_data(
    case: CaseView, tool: ToolView, policies: RulePolicies
) -> Finding | None:
    external = sorted(EXTERNAL_AUDIENCES.intersection(case.output_audience))
    if not external or tool.training_data_disclosure != TrainingDataDisclosure.NONE:
        return None
    return Finding(
        rule=Rule.UNDISCLOSED_TRAINING_DATA,
        subject=tool.slug,
        title=f"{tool.name} does not disclose its training data",
        why=(
            f"Outputs reach {' and '.join(external)}, but the provider of {tool.name} discloses "
            "nothing about its training data, so we cannot judge the intellectual-property risk "
            "of what we publish. Choose a model whose provider discloses its sources."
        ),
        policy=policies.get(Rule.UNDISCLOSED_TRAINING_DATA, ""),
    )


def _unmitigated_severe_risks(case: CaseView, policies: RulePolicies) -> list[Finding]:
    if case.risk_tier != RiskTier.HIGH:
        return []
    findings = []
    for entry in case.risks:
        if entry.severity >= SEVERE and not entry.mitigation.strip():
            label = NistRisk(entry.risk).label if entry.risk in NistRisk.values else entry.risk
            findings.append(
                Finding(
                    rule=Rule.UNMITIGATED_SEVERE_RISK,
                    subject=entry.risk,
                    title=f"No mitigation for the severe risk \u201c{label}\u201d",
                    why=(
                        f"The case is high-risk under the EU AI Act and \u201c{label}\u201d has "
                        f"severity {entry.severity} of 5, but no mitigation is recorded. "
                        "Describe how the risk is reduced in the risk register."
                    ),
                    policy=policies.get(Rule.UNMITIGATED_SEVERE_RISK, ""),
                )
            )
    return findings


def guardrail_findings(
    case: CaseView, tools: Iterable[ToolView], policies: RulePolicies | None = None
) -> list[Finding]:
    """Every rule the case breaks, given the register entries of the tools it chose and the
    policies named for the rules."""
    policies = policies or {}
    chosen = {tool.slug: tool for tool in tools if tool.slug in case.tool_slugs}
    findings: list[Finding] = []
    for slug in case.tool_slugs:
        tool = chosen.get(slug)
        if tool is None:
            continue
        for finding in (
            _tool_not_approved(tool, policies),
            _data_above_tool(case, tool, policies),
            _undisclosed_training_data(case, tool, policies),
        ):
            if finding is not None:
                findings.append(finding)
    automated = _automated_sensitive(case, policies)
    if automated is not None:
        findings.append(automated)
    findings.extend(_unmitigated_severe_risks(case, policies))
    return findings
