"""Scoring as a pure function, with property-based tests."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from usecases.risk import RiskTier
from usecases.scoring import CRITERION_AXIS, Axis, Criterion, Quadrant, Rubric, score_usecase

CRITERIA = [c.value for c in Criterion]
ratings_strategy = st.dictionaries(st.sampled_from(CRITERIA), st.integers(1, 5))
weights_strategy = st.fixed_dictionaries(
    {c: st.floats(0.1, 50, allow_nan=False) for c in Criterion}
)
tiers = st.sampled_from([None, *RiskTier.values])


def test_all_fives_and_all_ones() -> None:
    top = score_usecase(dict.fromkeys(CRITERIA, 5), "minimal", Rubric())
    assert (top.value, top.feasibility, top.priority) == (100, 100, 100)
    assert top.quadrant == Quadrant.QUICK_WIN
    bottom = score_usecase(dict.fromkeys(CRITERIA, 1), "minimal", Rubric())
    assert (bottom.value, bottom.feasibility, bottom.priority) == (0, 0, 0)
    assert bottom.quadrant == Quadrant.DEPRIORITISE


def test_high_value_low_feasibility_is_a_strategic_bet() -> None:
    ratings = {c: (5 if CRITERION_AXIS[c] == Axis.VALUE else 1) for c in CRITERIA}
    assert score_usecase(ratings, None, Rubric()).quadrant == Quadrant.STRATEGIC_BET
    flipped = {c: 6 - r for c, r in ratings.items()}
    assert score_usecase(flipped, None, Rubric()).quadrant == Quadrant.FILL_IN


def test_risk_tier_takes_its_penalty_off_priority() -> None:
    ratings = dict.fromkeys(CRITERIA, 4)
    minimal = score_usecase(ratings, "minimal", Rubric()).priority
    high = score_usecase(ratings, "high", Rubric())
    assert minimal is not None and high.priority == minimal - 20
    assert score_usecase(ratings, "prohibited", Rubric()).priority == 0


def test_contributions_add_up_to_the_axis_score() -> None:
    result = score_usecase({"strategic_fit": 5, "financial_impact": 3, "reach": 1}, None, Rubric())
    value_parts = [c.points for c in result.contributions if c.axis == Axis.VALUE]
    assert result.value == pytest.approx(sum(value_parts), abs=0.01)
    assert result.feasibility is None and result.priority is None  # not rated yet


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"weights": {**Rubric().weights, Criterion.REACH: -1}}, "negative"),
        (
            {"weights": {c: (0 if CRITERION_AXIS[c] == Axis.VALUE else 1) for c in Criterion}},
            "value criterion",
        ),
        ({"value_threshold": 120}, "less than or equal to 100"),
        ({"risk_penalty": {**Rubric().risk_penalty, RiskTier.HIGH: 0.0}}, "smaller penalty"),
    ],
)
def test_rubric_refuses_nonsense(change: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Rubric(**{**Rubric().model_dump(), **change})


@given(ratings=ratings_strategy, weights=weights_strategy, tier=tiers)
def test_scores_stay_between_0_and_100(ratings: dict, weights: dict, tier: str | None) -> None:
    result = score_usecase(ratings, tier, Rubric(weights=weights))
    for score in (result.value, result.feasibility, result.priority):
        assert score is None or 0 <= score <= 100


@given(
    ratings=ratings_strategy.filter(bool),
    weights=weights_strategy,
    data=st.data(),
)
def test_a_higher_rating_never_lowers_its_axis_score(ratings: dict, weights: dict, data) -> None:
    criterion = data.draw(st.sampled_from(sorted(ratings)))
    if ratings[criterion] == 5:
        return
    rubric = Rubric(weights=weights)
    before = score_usecase(ratings, None, rubric)
    after = score_usecase({**ratings, criterion: ratings[criterion] + 1}, None, rubric)
    axis = "value" if CRITERION_AXIS[criterion] == Axis.VALUE else "feasibility"
    assert getattr(after, axis) >= getattr(before, axis)
    if before.priority is not None:
        assert after.priority is not None and after.priority >= before.priority
