"""Text the portal can store, show and export: no invisible control characters, no lone surrogates.

PostgreSQL refuses NUL in text, the UTF-8 encoder refuses lone surrogates (``\\ud800`` in JSON),
and an Excel file cannot hold the other C0 control characters: each would otherwise surface as a
server error, long after the person typed it. Tab, line feed and carriage return are ordinary
text. Every form (``portal.forms.StorableTextMixin``) and every API body (``portal.api.parsers``)
refuses the rest with a message that says which character and where.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def unstorable_text_problem(text: str) -> str | None:
    """What is wrong with ``text`` in words, or None when it can be stored."""
    found = UNSTORABLE.search(text)
    if found is None:
        return None
    code = f"U+{ord(found.group()):04X}"
    if "\ud800" <= found.group() <= "\udfff":
        return f"The text contains a broken character ({code}, half of a pair); retype it."
    return (
        f"The text contains an invisible control character ({code}), often left by a copy-paste; "
        "remove it and try again."
    )


def unstorable_in(value: Any, where: str = "") -> tuple[str, str] | None:
    """The first string inside ``value`` (text, or JSON-like lists and mappings, keys included)
    that cannot be stored: ``(where, problem)``, ``where`` a dotted path; None when all can."""
    if isinstance(value, str):
        problem = unstorable_text_problem(value)
        return None if problem is None else (where, problem)
    if isinstance(value, Mapping):
        for key, item in value.items():
            shown = UNSTORABLE.sub("\ufffd", str(key))  # the path goes into the message
            path = f"{where}.{shown}" if where else shown
            found = unstorable_in(key, path) if isinstance(key, str) else None
            found = found or unstorable_in(item, path)
            if found:
                return found
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            found = unstorable_in(item, f"{where}[{index}]" if where else f"[{index}]")
            if found:
                return found
    return None


# A JSON document nested deeper than this is refused, in the API and in the pages' JSON editors:
# no portal input nests more than a few levels, and a deeper one would exhaust the recursion of
# the decoder or of the checks after it.
MAX_JSON_DEPTH = 32
TOO_DEEP = f"This JSON nests more than {MAX_JSON_DEPTH} levels deep; no field takes that."


def json_depth_exceeds(data: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether lists and objects nest deeper than ``limit`` (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
