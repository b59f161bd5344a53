"""Serializers and serializer fields shared by every app's API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from portal.models import Department, User
from portal.roles import roles_of


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
