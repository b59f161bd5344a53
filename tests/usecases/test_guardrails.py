"""Guardrails, rule by rule, as pure functions over plain views."""

from __future__ import annotations

from usecases.guardrails import CaseView, RiskEntryView, Rule, ToolView, guardrail_findings

INTERNAL_TOOL = ToolView("chat", "Chat", "approved", "internal", "partial", "Acceptable use")
SILENT_MODEL = ToolView("silent", "Silent model", "approved", "confidential", "none")


def rules_of(case: CaseView, *tools: ToolView) -> list[str]:
    return [finding.rule for finding in guardrail_findings(case, tools)]


def test_a_fitting_case_has_no_finding() -> None:
    case = CaseView(
        data_classification="internal", tool_slugs=("chat",), human_oversight="every_output"
    )
    assert rules_of(case, INTERNAL_TOOL) == []


def test_data_more_sensitive_than_the_tool_allows() -> None:
    case = CaseView(data_classification="confidential", tool_slugs=("chat",))
    findings = guardrail_findings(case, [INTERNAL_TOOL])
    assert [f.rule for f in findings] == [Rule.DATA_ABOVE_TOOL_APPROVAL]
    assert "internal" in findings[0].why and findings[0].policy == "Acceptable use"
    assert findings[0].key == "data_above_tool_approval:chat"


def test_prohibited_and_under_review_tools() -> None:
    banned = ToolView("x", "X", "prohibited", "public", "partial")
    pending = ToolView("y", "Y", "under_review", "confidential", "partial")
    case = CaseView(tool_slugs=("x", "y"))
    assert rules_of(case, banned, pending) == [Rule.TOOL_NOT_APPROVED, Rule.TOOL_NOT_APPROVED]


def test_personal_or_health_data_fully_automated() -> None:
    automated = CaseView(data_categories=("health",), human_oversight="fully_automated")
    assert rules_of(automated) == [Rule.AUTOMATED_SENSITIVE_DATA]
    checked = CaseView(data_categories=("health",), human_oversight="spot_checks")
    assert rules_of(checked) == []
    harmless = CaseView(data_categories=("source_code",), human_oversight="fully_automated")
    assert rules_of(harmless) == []


def test_external_output_from_a_model_that_discloses_nothing() -> None:
    public = CaseView(output_audience=("public",), tool_slugs=("silent",))
    assert rules_of(public, SILENT_MODEL) == [Rule.UNDISCLOSED_TRAINING_DATA]
    internal = CaseView(output_audience=("internal",), tool_slugs=("silent",))
    assert rules_of(internal, SILENT_MODEL) == []


def test_high_risk_needs_a_mitigation_for_each_severe_risk() -> None:
    risks = (
        RiskEntryView("harmful_bias", 5, ""),
        RiskEntryView("confabulation", 4, "Human review"),
        RiskEntryView("data_privacy", 3, ""),
    )
    high = CaseView(risk_tier="high", risks=risks)
    findings = guardrail_findings(high, [])
    assert [f.subject for f in findings] == ["harmful_bias"]
    assert rules_of(CaseView(risk_tier="limited", risks=risks)) == []


def test_tools_not_chosen_are_ignored() -> None:
    case = CaseView(data_classification="restricted", tool_slugs=())
    assert rules_of(case, INTERNAL_TOOL) == []
