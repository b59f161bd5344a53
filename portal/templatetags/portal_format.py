"""Template filters shared by every app's pages."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def json_data(value: Any, element_id: str) -> SafeString:
    """Like Django's ``json_script``: ``value`` as JSON in a ``<script type="application/json">``
    with ``<``, ``>`` and ``&`` escaped, so no text in it can close the element. Escaped with
    three ``str.replace`` calls instead of ``str.translate``: a chart of a thousand points is
    200 KB, which ``translate`` walks a character at a time (about 15 ms); this takes under 1."""
    text = (
        json.dumps(value, cls=DjangoJSONEncoder)
        .replace("&", "\\u0026")
        .replace("<", "\\u003C")
        .replace(">", "\\u003E")
    )
    safe = mark_safe(text)  # noqa: S308 - JSON with every <, > and & escaped just above
    return format_html('<script id="{}" type="application/json">{}</script>', element_id, safe)
