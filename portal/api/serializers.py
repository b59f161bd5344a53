from __future__ import annotations

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
