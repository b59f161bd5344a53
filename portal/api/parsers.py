"""Request bodies of the API, refused (400) when they hold text the portal cannot store.

The same rule as the forms' (see :mod:`portal.validators`), in one place for every endpoint and
every field, nested JSON included: a NUL, another control character or a lone surrogate
(``"\\ud800"``) is a 400 whose ``errors`` name the field (``title``, ``drivers.model``,
``[0].note``), never a database error. (Bodies over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` are refused
before parsing, by Django.)
"""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ValidationError

from portal.validators import unstorable_in


class StorableJSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        found = unstorable_in(data)
        if found is not None:
            where, problem = found
            raise ValidationError({where or "non_field_errors": [problem]})
        return data
