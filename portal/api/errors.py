"""Every API error carries a body a person can act on: ``detail`` and, for bad input, ``errors``.

A service's refusal (:class:`portal.boundary.Refused`) is answered here, for every endpoint:
``forbidden`` 403, ``conflict`` 409 (with what the refusal names beside ``detail``, e.g. the
``missing`` items of an approval), ``invalid`` 400 with the fields named.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from portal.boundary import Kind, Refused


class Conflict(exceptions.APIException):
    """The object's state does not allow this now (409), e.g. already published."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The object's state does not allow this now."
    default_code = "conflict"


def as_api_error(refusal: Refused) -> exceptions.APIException:
    if refusal.kind == Kind.FORBIDDEN:
        return exceptions.PermissionDenied(str(refusal))
    if refusal.kind == Kind.CONFLICT:
        return Conflict(str(refusal))
    errors = {field or "non_field_errors": problems for field, problems in refusal.errors.items()}
    return exceptions.ValidationError(errors or {"non_field_errors": [str(refusal)]})


def portal_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    extra: dict[str, Any] = {}
    if isinstance(exc, Refused):
        extra = exc.extra
        exc = as_api_error(exc)
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
    if extra and isinstance(response.data, dict):
        response.data.update(extra)
    if response.status_code == status.HTTP_429_TOO_MANY_REQUESTS:
        response.data.setdefault("detail", "Too many requests; slow down.")
    return response
