"""Figures over samples, shared by the in-process measurements and the HTTP load (which runs
without Django)."""

from __future__ import annotations


def percentile(values: list[float], share: float) -> float:
    """The ``share`` (0-1) percentile, interpolated between the closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
