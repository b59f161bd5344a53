"""Between the portal's people and groups and SCIM's resources, with scim2-models."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from scim2_models import (
    URN,
    Context,
    EnterpriseUser,
    Group,
    GroupMember,
    InvalidFilterException,
    Manager,
    Meta,
    Name,
    ScimFilter,
    ScimPolicy,
    User,
)
from scim2_models.path.expressions import Comparison, FilterNode, LogicalExpr

from portal import models
from portal.people.directory import PersonFacts

ScimUser = User[EnterpriseUser]
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
# Strict on what it does not know (an unknown attribute is a 400); Entra's habits accepted:
# a ``remove`` whose value names the members to remove, a filter path that matches nothing yet.
POLICY = ScimPolicy(
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)


def user_resource(user: models.User, base: str) -> Any:
    # The portal keeps one address and nothing about it: what it returns is what it keeps.
    emails = [{"value": user.email}] if user.email else None
    enterprise = EnterpriseUser(
        employee_number=user.employee_number or None,
        department=user.department.name if user.department_id and user.department else None,
        manager=Manager(value=str(user.manager_id), ref=f"{base}/Users/{user.manager_id}")
        if user.manager_id
        else None,
    )
    resource = ScimUser(
        id=str(user.pk),
        external_id=user.external_id or None,
        user_name=user.username,
        name=Name(given_name=user.first_name or None, family_name=user.last_name or None)
        if user.first_name or user.last_name
        else None,
        display_name=user.directory_name or user.get_full_name() or None,
        active=user.is_active,
        emails=emails,
        groups=[
            {
                "value": str(group.pk),
                "display": group.display_name,
                "$ref": f"{base}/Groups/{group.pk}",
            }
            for group in user.directory_groups.all()
        ]
        or None,
        meta=Meta(
            resource_type="User",
            created=user.date_joined,
            last_modified=user.updated_at or user.date_joined,
            location=f"{base}/Users/{user.pk}",
        ),
    )
    resource[EnterpriseUser] = enterprise
    return resource


def user_document(user: models.User, base: str, **kwargs: Any) -> dict[str, Any]:
    return user_resource(user, base).model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE, **kwargs)


def _manager_id(value: Any) -> int | None:
    if value is None or value.value in (None, ""):
        return None
    try:
        return int(str(value.value))
    except ValueError:
        return -1  # no such person: refused by the service with the value in the message


def facts_from(resource: Any) -> PersonFacts:
    """What a (validated) SCIM User says, as the directory service reads it."""
    emails = list(resource.emails or [])
    # The primary address, else the work one (Entra ID writes emails[type eq "work"].value).
    primary = next(
        (email for email in emails if email.primary),
        next(
            (email for email in emails if str(email.type) == "work"), emails[0] if emails else None
        ),
    )
    enterprise = resource[EnterpriseUser]
    name = resource.name
    manager_id = _manager_id(enterprise.manager) if enterprise is not None else None
    return PersonFacts(
        user_name=resource.user_name or "",
        external_id=resource.external_id or "",
        given_name=(name.given_name if name else None) or "",
        family_name=(name.family_name if name else None) or "",
        display_name=resource.display_name or "",
        email=(primary.value if primary else None) or "",
        active=resource.active is not False,
        department=(enterprise.department if enterprise else None) or None,
        employee_number=(enterprise.employee_number if enterprise else None) or "",
        manager_id=manager_id,
    )


def tolerant_user_payload(payload: Any) -> Any:
    """Entra ID sends a manager as ``{"value": id}`` without ``$ref``, which the schema needs."""
    if isinstance(payload, dict):
        extension = payload.get(ENTERPRISE)
        if isinstance(extension, dict) and isinstance(extension.get("manager"), dict):
            manager = extension["manager"]
            if manager.get("value") and not manager.get("$ref"):
                manager["$ref"] = f"../Users/{manager['value']}"
    return payload


def group_resource(group: models.DirectoryGroup, base: str, *, members: bool = True) -> Any:
    return Group(
        id=str(group.pk),
        external_id=group.external_id or None,
        display_name=group.display_name,
        members=[
            GroupMember(value=str(user.pk), ref=f"{base}/Users/{user.pk}", type="User")
            for user in group.members.all()
        ]
        if members
        else None,
        meta=Meta(
            resource_type="Group",
            created=group.created_at,
            last_modified=group.updated_at,
            location=f"{base}/Groups/{group.pk}",
        ),
    )


def group_document(
    group: models.DirectoryGroup, base: str, *, members: bool = True, **kwargs: Any
) -> dict[str, Any]:
    return group_resource(group, base, members=members).model_dump(
        scim_ctx=Context.RESOURCE_QUERY_RESPONSE, **kwargs
    )


# --- What the portal keeps: the schemas it publishes -----------------------------------------
# The standard schemas name many attributes (phone numbers, photos, x509 certificates...) the
# portal has no use for; it publishes those it stores, so that a directory maps only them.
KEPT: dict[str, dict[str, dict[str, str] | None]] = {
    "urn:ietf:params:scim:schemas:core:2.0:User": {
        "userName": None,
        "name": {"givenName": "readWrite", "familyName": "readWrite"},
        "displayName": None,
        "active": None,
        "emails": {"value": "readWrite"},
        "groups": None,
    },
    ENTERPRISE: {"employeeNumber": None, "department": None, "manager": None},
    "urn:ietf:params:scim:schemas:core:2.0:Group": {
        "displayName": None,
        "members": {"value": "readWrite", "type": "readWrite", "$ref": "readWrite"},
    },
}


def published_schema(document: dict[str, Any]) -> dict[str, Any]:
    kept = KEPT.get(document["id"])
    if kept is None:
        return document
    attributes = []
    for attribute in document.get("attributes", []):
        if attribute["name"] not in kept:
            continue
        subs = kept[attribute["name"]]
        if subs is not None and attribute.get("subAttributes"):
            attribute["subAttributes"] = [
                {**sub, "mutability": subs[sub["name"]]}
                for sub in attribute["subAttributes"]
                if sub["name"] in subs
            ]
        if attribute["name"] == "active":
            attribute["required"] = True  # a leaver is active false, never "no answer"
        attributes.append(attribute)
    return {**document, "attributes": attributes}


# --- Filters ------------------------------------------------------------------------------

USER_FIELDS = {
    "username": ("username", True),
    "externalid": ("external_id", False),
    "emails.value": ("email", True),
    "emails": ("email", True),
    "displayname": ("directory_name", True),
    "id": ("pk", False),
    "active": ("is_active", False),
    f"{ENTERPRISE}:employeenumber".lower(): ("employee_number", False),
    "employeenumber": ("employee_number", False),
}
GROUP_FIELDS = {
    "displayname": ("display_name", True),
    "externalid": ("external_id", False),
    "id": ("pk", False),
    "members.value": ("members__pk", False),
    "members": ("members__pk", False),
}


def _key(node: Comparison) -> str:
    path = node.attr_path
    name = path.attr + (f".{path.sub_attr}" if path.sub_attr else "")
    if path.uri and path.uri.lower() not in (
        "urn:ietf:params:scim:schemas:core:2.0:user",
        "urn:ietf:params:scim:schemas:core:2.0:group",
    ):
        name = f"{path.uri}:{name}"
    return name.lower()


def _q(node: FilterNode, fields: dict[str, tuple[str, bool]]) -> Q:
    if isinstance(node, LogicalExpr):
        queries = [_q(term, fields) for term in node.terms]
        combined = queries[0]
        for query in queries[1:]:
            combined = combined & query if str(node.op) == "and" else combined | query
        return combined
    if isinstance(node, Comparison) and str(node.op) == "eq" and _key(node) in fields:
        column, case_insensitive = fields[_key(node)]
        value = node.value
        if column in ("pk", "members__pk"):
            try:
                value = int(str(value))
            except ValueError:
                return Q(pk__in=[])
        return Q(**{f"{column}__iexact" if case_insensitive else column: value})
    raise InvalidFilterException(
        detail="This server filters with eq (joined by and/or) on "
        f"{', '.join(sorted(set(fields)))}; not “{node}”."
    )


def filtered(
    queryset: QuerySet[Any], text: str, model: Any, fields: dict[str, tuple[str, bool]]
) -> QuerySet[Any]:
    """``queryset`` narrowed by a SCIM filter; invalidFilter for one this server cannot run."""
    try:
        ast = ScimFilter[model](text).ast
    except InvalidFilterException:
        raise
    except ValueError as error:
        raise InvalidFilterException(detail=f"The filter cannot be read: {error}") from error
    return (
        queryset.filter(_q(ast, fields)).distinct()
        if "members" in str(fields)
        else queryset.filter(_q(ast, fields))
    )


__all__ = ["ENTERPRISE", "POLICY", "URN", "ScimUser"]
