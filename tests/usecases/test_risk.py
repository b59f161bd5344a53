"""EU AI Act tiering, case by case, as a pure function."""

from __future__ import annotations

import pytest

from usecases.risk import Exemption, RiskAnswers, RiskTier, classify_risk


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


@pytest.mark.parametrize("exemption", [e.value for e in Exemption])
def test_an_article_6_3_exemption_never_lowers_a_prohibited_practice(exemption: str) -> None:
    """Article 6(3) exempts some Annex III systems from *high* risk; a prohibited practice
    (Article 5) stays prohibited whatever exemption is claimed."""
    result = classify_risk(
        RiskAnswers(
            prohibited_practices=["social_scoring"],
            high_risk_areas=["employment"],
            exemptions=[exemption],
        )
    )
    assert result.tier == RiskTier.PROHIBITED
    assert not any("Article 6(3)" in reason for reason in result.reasons)
    alone = classify_risk(
        RiskAnswers(prohibited_practices=["social_scoring"], exemptions=[exemption])
    )
    assert alone.tier == RiskTier.PROHIBITED
