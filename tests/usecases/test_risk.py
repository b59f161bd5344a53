"""EU AI Act tiering, case by case, as a pure function."""

from __future__ import annotations

import pytest

from usecases.risk import RiskAnswers, RiskTier, classify_risk


def test_nothing_applies_is_minimal() -> None:
    result = classify_risk(RiskAnswers())
    assert result.tier == RiskTier.MINIMAL
    assert result.reasons


def test_a_prohibited_practice_wins_over_everything() -> None:
    result = classify_risk(
        RiskAnswers(
            prohibited_practices=["workplace_emotion"],
            high_risk_areas=["employment"],
            transparency_duties=["chatbot"],
        )
    )
    assert result.tier == RiskTier.PROHIBITED
    assert "emotions" in result.reasons[0]


def test_an_annex_iii_area_is_high_risk() -> None:
    result = classify_risk(RiskAnswers(high_risk_areas=["employment", "education"]))
    assert result.tier == RiskTier.HIGH
    assert len(result.reasons) == 2


def test_article_6_3_exemption_lowers_the_tier_unless_it_profiles_people() -> None:
    exempt = classify_risk(RiskAnswers(high_risk_areas=["employment"], exemptions=["preparatory"]))
    assert exempt.tier == RiskTier.MINIMAL
    assert any("Article 6(3)" in reason for reason in exempt.reasons)
    profiled = classify_risk(
        RiskAnswers(
            high_risk_areas=["employment"], exemptions=["preparatory"], profiles_people=True
        )
    )
    assert profiled.tier == RiskTier.HIGH


def test_a_product_safety_component_is_high_risk() -> None:
    assert classify_risk(RiskAnswers(safety_component=True)).tier == RiskTier.HIGH


@pytest.mark.parametrize("duty", ["chatbot", "synthetic_content", "deepfake"])
def test_transparency_duties_are_limited_risk(duty: str) -> None:
    result = classify_risk(RiskAnswers(transparency_duties=[duty]))
    assert result.tier == RiskTier.LIMITED
    assert "Article 50" in result.reasons[0]


def test_unknown_answers_are_refused() -> None:
    with pytest.raises(ValueError):
        RiskAnswers(prohibited_practices=["mind_reading"])
