"""The OpenAPI schema documents the errors each operation can answer, with their body.

drf-spectacular documents the success answers only; clients (and the API fuzz test) need the
rest: every refusal answers ``{"detail": ..., "errors": ...}`` (``portal.api.errors``).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS, AllowAny

from portal.api.serializers import ClosedBody

# Inline: on a Serializer class, ``errors`` is the name of its own property.
ApiErrorSerializer = inline_serializer(
    "ApiError",
    {
        "detail": serializers.CharField(
            help_text="What went wrong, in a sentence a person can act on."
        ),
        "errors": serializers.DictField(
            child=serializers.JSONField(),
            required=False,
            help_text="Bad input only: the messages for each field that needs fixing.",
        ),
    },
)


class PortalAutoSchema(AutoSchema):
    """drf-spectacular's schema plus the error answers of each operation.

    A view whose writes can be refused by the state of what they change (409) says so with
    ``answers_conflict = True``.
    """

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation: dict[str, Any] | None = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        for parameter in operation.get("parameters", []):
            schema = parameter.get("schema", {})
            if parameter["in"] == "query" and "enum" in schema and "" not in schema["enum"]:
                # A filter left empty means "any", as the pages' filter forms send it.
                schema["enum"] = [*schema["enum"], ""]
        component = self.resolve_serializer(ApiErrorSerializer, "response")
        content = {"application/json": {"schema": component.ref}}
        for status, description in self._error_answers(operation):
            operation["responses"].setdefault(
                str(status), {"description": description, "content": content}
            )
        return operation

    def _map_serializer(self, serializer: Any, direction: str, *args: Any, **kwargs: Any) -> Any:
        mapped = super()._map_serializer(serializer, direction, *args, **kwargs)
        if direction == "request" and isinstance(serializer, ClosedBody):
            mapped["additionalProperties"] = False
        return mapped

    def _error_answers(self, operation: dict[str, Any]) -> list[tuple[int, str]]:
        located = {parameter["in"] for parameter in operation.get("parameters", [])}
        query = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        writes = self.method not in SAFE_METHODS
        has_body = "requestBody" in operation
        answers = []
        if writes or has_body or query:
            answers.append((400, "Invalid input; `errors` names each field and what to fix."))
        if not all(isinstance(p, AllowAny) for p in self.view.get_permissions()):
            answers.append((401, "Not signed in: send `Authorization: Bearer <token>`."))
            answers.append(
                (403, "Your role does not allow this (or a session write lacks its CSRF token).")
            )
        if "path" in located or "page" in query:
            answers.append((404, "No such object, none you may see, or no such page."))
        if writes and getattr(self.view, "answers_conflict", False):
            answers.append((409, "The object's state does not allow this now; `detail` says why."))
        if has_body:
            answers.append((415, "The body must be JSON (Content-Type: application/json)."))
        answers.append((429, "Too many requests; slow down."))
        return answers


class PersonalTokenScheme(OpenApiAuthenticationExtension):
    """How the schema names ``Authorization: Bearer <token>`` (personal API tokens)."""

    target_class = "portal.api.authentication.PersonalTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token, made on your profile (/people/me/tokens/).",
        }
