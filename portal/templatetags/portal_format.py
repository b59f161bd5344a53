"""Template filters shared by every app's pages."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from portal.events import event_label

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


@register.filter
def event_words(code: str) -> str:
    """An audit event's code in words (the one registry, ``portal.events``)."""
    return event_label(str(code))


def _in_words(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_in_words(item) for item in value) or "none"
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_in_words(item)}" for key, item in value.items()) or "none"
    text = str(value)
    return text if len(text) <= 200 else text[:199] + "…"


@register.filter
def audit_changes(event: Any) -> list[dict[str, str]]:
    """What an event changed, field by field: ``[{"field", "before", "after"}]``, only the
    fields whose value differs (a field recorded on one side only shows "—" on the other)."""
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    rows = []
    for key in dict.fromkeys([*before, *after]):
        was, now = before.get(key), after.get(key)
        if key in before and key in after and was == now:
            continue
        rows.append(
            {
                "field": str(key).replace("_", " "),
                "before": _in_words(was) if key in before else "—",
                "after": _in_words(now) if key in after else "—",
            }
        )
    for side, value in (("before", event.before), ("after", event.after)):
        if value not in (None, {}) and not isinstance(value, dict):  # a bare value, not fields
            rows.append({"field": "value", "before": "", "after": "", side: _in_words(value)})
    return rows
