"""The value-versus-feasibility bubble chart of the portfolio: what each bubble shows, where it
sits and how big it is (the page draws it with Chart.js, ``static/usecases/portfolio.js``)."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from usecases.links import case_url
from usecases.models import Archetype, UseCase
from usecases.portfolio.selectors import short_labels
from usecases.selectors import latest_rubric

CHART_POINT_CAP = 1000

MIN_RADIUS = 3.0
MAX_RADIUS = 16.0


def bubble_radius(annual_cost: Decimal | None, largest: Decimal | None) -> float:
    """Area follows the annual cost (square-root scale), capped; cases without one stay visible."""
    if annual_cost is None or not largest or largest <= 0:
        return MIN_RADIUS
    share = math.sqrt(max(float(annual_cost), 0.0) / float(largest))
    return round(MIN_RADIUS + (MAX_RADIUS - MIN_RADIUS) * share, 2)


def chart_of(cases: QuerySet[UseCase]) -> dict[str, Any]:
    """The scored cases of the filtered set as bubbles (at most ``CHART_POINT_CAP``)."""
    scored = cases.filter(value_score__isnull=False, feasibility_score__isnull=False)
    rows = list(
        scored.values_list(
            "reference",
            "title",
            "value_score",
            "feasibility_score",
            "priority_score",
            "estimate_annual_p50",
            "chosen_archetype",
            "recommended_archetype",
        )[: CHART_POINT_CAP + 1]
    )
    capped = len(rows) > CHART_POINT_CAP
    rows = rows[:CHART_POINT_CAP]
    largest = max((row[5] for row in rows if row[5] is not None), default=None)
    _, rubric = latest_rubric()
    return {
        "points": [
            {
                "reference": reference,
                "title": title,
                "x": round(feasibility or 0.0, 1),
                "y": round(value or 0.0, 1),
                "r": bubble_radius(cost, largest),
                "priority": None if priority is None else round(priority, 1),
                "annual_cost": None if cost is None else float(cost),
                "archetype": chosen or recommended or "",
                "url": case_url(reference or ""),
            }
            for reference, title, value, feasibility, priority, cost, chosen, recommended in rows
        ],
        "capped": capped,
        "cap": CHART_POINT_CAP,
        "value_threshold": rubric.value_threshold,
        "feasibility_threshold": rubric.feasibility_threshold,
        "archetypes": {value: label for value, label in short_labels(Archetype.choices)},
    }
