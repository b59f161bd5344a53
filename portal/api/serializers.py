"""Serializers and serializer fields shared by every app's API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

from portal.models import Department, User
from portal.roles import roles_of


class ClosedBody:
    """A request body's serializer that takes its own fields and nothing else.

    Mixed into every serializer that reads a request body (before the DRF base class): a key the
    endpoint does not take (misspelt, or read-only such as ``status``) is a 400 naming it and the
    fields it does take, rather than ignored while the client believes it was stored; a text field
    takes a JSON string only (DRF would store ``0`` as ``"0"``). The schema marks these bodies
    ``additionalProperties: false`` (``portal.api.schema``).
    """

    fields: Any

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            writable = sorted(name for name, field in self.fields.items() if not field.read_only)
            takes = ", ".join(writable) or "no fields"
            errors: dict[str, list[str]] = {
                str(key): [f"This endpoint does not take “{key}”; it takes: {takes}."]
                for key in data
                if key not in writable
            }
            for name in writable:
                field = self.fields[name]
                value = data.get(name)
                if (
                    isinstance(field, serializers.CharField)
                    and value is not None
                    and not isinstance(value, str)
                ):
                    errors[name] = ["Not a valid string: send text (a JSON string)."]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)  # type: ignore[misc]


class DepartmentSerializer(serializers.ModelSerializer[Department]):
    class Meta:
        model = Department
        fields = ["id", "name", "slug"]


class MeSerializer(serializers.ModelSerializer[User]):
    department = DepartmentSerializer(read_only=True, allow_null=True)
    roles = serializers.SerializerMethodField()
    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "email", "department", "roles"]

    def get_roles(self, user: User) -> list[str]:
        return roles_of(user)


def choice_field(choices: Any, what: str, **kwargs: Any) -> serializers.ChoiceField:
    """One of ``choices`` (the TextChoices the typed input takes), refused in words."""
    known = ", ".join(choices.values)
    return serializers.ChoiceField(
        choices=choices.choices,
        error_messages={
            "invalid_choice": f"“{{input}}” is not a known {what}; use one of: {known}."
        },
        **kwargs,
    )


def choices_field(choices: Any, what: str) -> serializers.ListField:
    """Several of ``choices``."""
    return serializers.ListField(child=choice_field(choices, what), required=False)
