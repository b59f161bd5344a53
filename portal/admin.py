from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import Model, QuerySet
from django.forms import BaseForm
from django.http import HttpRequest

from portal.audit import audit_record
from portal.models import AuditEvent, Department, DirectoryGroup, User
from portal.people.directory import group_profile, person_profile, sync_mapped_access
from portal.roles import Role


def _facts(obj: Model) -> dict[str, Any]:
    if isinstance(obj, User):
        fresh = User.objects.select_related("department").get(pk=obj.pk)
        return {
            **person_profile(fresh),
            "roles": sorted(fresh.groups.values_list("name", flat=True)),
            "is_staff": fresh.is_staff,
            "is_superuser": fresh.is_superuser,
        }
    if isinstance(obj, Department):
        return {"name": obj.name, "slug": obj.slug}
    if isinstance(obj, DirectoryGroup):
        return group_profile(obj)
    return {"label": str(obj)}


class AuditedAdmin:
    """Django's administration site writes to the portal's audit log too: who, what, before
    and after (after the related objects, so that a user's roles are in the after)."""

    def save_model(self, request: HttpRequest, obj: Any, form: BaseForm, change: bool) -> None:
        before = _facts(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else None
        request._audit_before = before  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)  # type: ignore[misc]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)  # type: ignore[misc]
        obj = form.instance
        before = getattr(request, "_audit_before", None)
        after = _facts(obj)
        if before != after:
            audit_record(
                actor=request.user,  # type: ignore[arg-type]
                action=f"{obj._meta.model_name}.{'changed' if change else 'added'}_in_admin",
                obj=obj,
                before=before,
                after=after,
                comment="Django's administration site",
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit_record(
            actor=request.user,  # type: ignore[arg-type]
            action=f"{obj._meta.model_name}.deleted_in_admin",
            obj=obj,
            before=_facts(obj),
            comment="Django's administration site",
        )
        super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin, admin.ModelAdmin[Department]):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(User)
class PortalUserAdmin(AuditedAdmin, UserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "department", "is_active"]
    list_filter = ["department", "groups", "is_active"]
    list_select_related = ["department"]
    fieldsets = (
        *UserAdmin.fieldsets,  # type: ignore[misc]
        (
            "Portal and directory",
            {
                "fields": (
                    "department",
                    "manager",
                    "external_id",
                    "employee_number",
                    "directory_name",
                )
            },
        ),
    )
    raw_id_fields = ["manager"]


@admin.register(DirectoryGroup)
class DirectoryGroupAdmin(AuditedAdmin, admin.ModelAdmin[DirectoryGroup]):
    """Which portal role or department a group of the company's directory stands for."""

    list_display = ["display_name", "role", "department"]
    fields = ["display_name", "external_id", "role", "department"]
    readonly_fields = ["display_name", "external_id"]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "role":
            choices = [("", "No role"), *[(r.value, r.label) for r in Role if r != Role.EMPLOYEE]]
            return forms.ChoiceField(choices=choices, required=False, label="Portal role")
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Any, form: BaseForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        sync_mapped_access(list(obj.members.values_list("pk", flat=True)))


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    """Read-only: the audit log cannot be changed or deleted, not even by administrators."""

    list_display = ["created_at", "actor_label", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_label", "object_id", "object_label"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
