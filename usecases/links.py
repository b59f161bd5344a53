"""Addresses of use cases in lists of many: one ``reverse()`` per process instead of one per row."""

from __future__ import annotations

from functools import lru_cache

from django.urls import get_script_prefix, reverse

_SAMPLE = "UC-0001"


@lru_cache(maxsize=8)
def _parts(script_prefix: str) -> tuple[str, str]:
    before, after = reverse("usecases:detail", args=[_SAMPLE]).split(_SAMPLE, 1)
    return before, after


def case_url(reference: str) -> str:
    """The page of the case ``reference`` (what ``reverse("usecases:detail", …)`` gives)."""
    before, after = _parts(get_script_prefix())
    return f"{before}{reference}{after}"
