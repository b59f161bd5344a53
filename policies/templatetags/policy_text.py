"""How a policy's rendered body sits on its page."""

from __future__ import annotations

import re

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_HEADING = re.compile(r"<(/?)h([1-6])(?=[\s>])")


@register.filter
def under_the_title(html: str) -> SafeString:
    """The body's headings one level down (``#`` becomes ``<h2>``, ``######`` stays ``<h6>``),
    so that the page's own title is its only ``<h1>``. ``html`` is the sanitised HTML the
    rendering stored (nh3's output), never text a person typed as is."""

    def lower(match: re.Match[str]) -> str:
        return f"<{match.group(1)}h{min(int(match.group(2)) + 1, 6)}"

    return mark_safe(_HEADING.sub(lower, html))  # noqa: S308 - already sanitised
