"""Request bodies of the API, refused (400) when they hold text the portal cannot store.

The same rule as the forms' (see :mod:`portal.validators`), in one place for every endpoint and
every field, nested JSON included: a NUL, another control character or a lone surrogate
(``"\\ud800"``) is a 400 whose ``errors`` name the field (``title``, ``drivers.model``,
``[0].note``), never a database error. (Bodies over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` are refused
before parsing, by Django.)

A body nested deeper than :data:`MAX_JSON_DEPTH` is a 400 too, whatever the endpoint: no portal
input nests more than a few levels, and a deeper body would otherwise exhaust the recursion of
the JSON decoder or of the checks after it (a 500).
"""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError

from portal.validators import TOO_DEEP, json_depth_exceeds, unstorable_in


class StorableJSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if json_depth_exceeds(data):
            raise ParseError(TOO_DEEP)
        found = unstorable_in(data)
        if found is not None:
            where, problem = found
            raise ValidationError({where or "non_field_errors": [problem]})
        return data
