"""Every API error carries a body a person can act on: ``detail`` and, for bad input, ``errors``."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


def portal_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError) and response.status_code == 400:
        errors = response.data
        if isinstance(errors, list):
            errors = {"non_field_errors": errors}
        response.data = {
            "detail": "The request has invalid fields; see errors for what to fix.",
            "errors": errors,
        }
    elif isinstance(response.data, dict) and "detail" not in response.data:
        response.data = {"detail": str(response.data)}
    elif isinstance(response.data, list):
        response.data = {"detail": " ".join(str(item) for item in response.data)}
    if response.status_code == status.HTTP_429_TOO_MANY_REQUESTS:
        response.data.setdefault("detail", "Too many requests; slow down.")
    return response
