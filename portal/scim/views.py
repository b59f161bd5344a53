"""``/scim/v2/``: thin views over scim2-models (the protocol) and portal.people.directory (the
writes). Every answer is ``application/scim+json``; every error a SCIM error body."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from pydantic import ValidationError
from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    EnterpriseUser,
    Error,
    ETag,
    Filter,
    Group,
    InvalidSyntaxException,
    InvalidValueException,
    NotFoundException,
    NotImplementedException,
    Patch,
    PatchOp,
    ResourceType,
    ResponseParameters,
    SchemaExtension,
    SCIMException,
    ServiceProviderConfig,
    Sort,
    UniquenessException,
)

from portal.boundary import Kind, Refused
from portal.models import BearerToken, DirectoryGroup, User
from portal.people import directory
from portal.scim import protocol
from portal.tokens import token_authenticate

logger = logging.getLogger(__name__)

CONTENT_TYPE = "application/scim+json"
MAX_COUNT = 200
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


def _json(document: Any, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    response = HttpResponse(
        json.dumps(document, default=str), status=status, content_type=CONTENT_TYPE
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _error(status: int, detail: str, scim_type: str | None = None) -> HttpResponse:
    body = Error(status=status, scim_type=scim_type or None, detail=detail).model_dump()
    headers = {"WWW-Authenticate": 'Bearer realm="scim"'} if status == 401 else None
    return _json(body, status, headers)


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/scim/v2").rstrip("/")


View = Callable[..., HttpResponse]


def scim_view(view: View) -> View:
    """A SCIM token opens it (nothing else does); refusals and protocol errors in SCIM's words."""

    @csrf_exempt
    @functools.wraps(view)
    def answered(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
        token = (
            token_authenticate(BearerToken.Kind.SCIM, secret.strip())
            if scheme.lower() == "bearer"
            else None
        )
        if token is None:
            return _error(401, "Send a live SCIM token as Authorization: Bearer <token>.")
        actor = directory.Actor(label=f"SCIM token {token.name}")
        try:
            with protocol.POLICY:
                return view(request, actor, *args, **kwargs)
        except SCIMException as error:
            return _error(error.status, error.detail, error.scim_type or None)
        except ValidationError as error:
            errors = Error.from_validation_errors(error)
            first = errors[0] if errors else Error(status=400, detail="The body is not valid.")
            detail = "; ".join(e.detail or "" for e in errors) or "The body is not valid."
            return _error(400, detail, first.scim_type or "invalidValue")
        except Refused as refusal:
            if refusal.kind == Kind.CONFLICT:
                return _error(409, str(refusal), "uniqueness")
            if refusal.kind == Kind.FORBIDDEN:
                return _error(403, str(refusal))
            return _error(400, str(refusal), "invalidValue")

    return answered


def _body(request: HttpRequest) -> Any:
    try:
        payload = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidSyntaxException(detail=f"The body is not JSON: {error}") from error
    if not isinstance(payload, dict):
        raise InvalidSyntaxException(detail="The body must be a JSON object.")
    return payload


def _paging(request: HttpRequest) -> tuple[int, int]:
    try:
        start = int(request.GET.get("startIndex", "1"))
        count = int(request.GET.get("count", str(MAX_COUNT)))
    except ValueError as error:
        raise InvalidValueException(detail="startIndex and count are whole numbers.") from error
    return max(start, 1), min(max(count, 0), MAX_COUNT)


def _shown(request: HttpRequest) -> dict[str, Any]:
    """The ``attributes`` / ``excludedAttributes`` the client asked for, as dump arguments."""
    wanted = {
        key: [name.strip() for name in request.GET[key].split(",") if name.strip()]
        for key in ("attributes", "excludedAttributes")
        if request.GET.get(key)
    }
    if not wanted:
        return {}
    return {"response_parameters": ResponseParameters.model_validate(wanted)}


def _list(resources: list[dict[str, Any]], total: int, start: int) -> HttpResponse:
    return _json(
        {
            "schemas": [LIST],
            "totalResults": total,
            "startIndex": start,
            "itemsPerPage": len(resources),
            "Resources": resources,
        }
    )


def _not_allowed() -> HttpResponse:
    return _error(405, "This method is not supported here.")


# --- Discovery ----------------------------------------------------------------------------


def _config(base: str) -> ServiceProviderConfig:
    return ServiceProviderConfig(
        documentation_uri=None,
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_COUNT),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=False),
        authentication_schemes=[
            AuthenticationScheme(
                type="oauthbearertoken",
                name="Bearer token",
                description="A SCIM token an administrator made in the portal (People → "
                "SCIM tokens) or with manage.py scim_token NAME.",
                primary=True,
            )
        ],
        meta={"resourceType": "ServiceProviderConfig", "location": f"{base}/ServiceProviderConfig"},
    )


@scim_view
def service_provider_config(request: HttpRequest, actor: directory.Actor) -> HttpResponse:
    if request.method != "GET":
        return _not_allowed()
    return _json(_config(_base(request)).model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


def _resource_types(base: str) -> list[dict[str, Any]]:
    user = ResourceType.from_resource(protocol.ScimUser)
    user.id, user.name, user.endpoint = "User", "User", "/Users"  # type: ignore[assignment]
    user.schema_extensions = [SchemaExtension(schema_=protocol.ENTERPRISE, required=False)]
    group = ResourceType.from_resource(Group)
    group.id, group.name, group.endpoint = "Group", "Group", "/Groups"  # type: ignore[assignment]
    documents = []
    for resource_type in (user, group):
        document = resource_type.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
        document["meta"] = {
            "resourceType": "ResourceType",
            "location": f"{base}/ResourceTypes/{resource_type.id}",
        }
        documents.append(document)
    return documents


def _schemas(base: str) -> list[dict[str, Any]]:
    from scim2_models import User

    documents = []
    for model in (User, EnterpriseUser, Group):
        document = protocol.published_schema(
            model.to_schema().model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
        )
        document["meta"] = {
            "resourceType": "Schema",
            "location": f"{base}/Schemas/{document['id']}",
        }
        documents.append(document)
    return documents


def _listing(
    request: HttpRequest, documents: list[dict[str, Any]], key: str | None
) -> HttpResponse:
    if request.method != "GET":
        return _not_allowed()
    if key is not None:
        for document in documents:
            if document["id"] == key:
                return _json(document)
        raise NotFoundException(detail=f"There is no “{key}” here.")
    return _list(documents, len(documents), 1)


@scim_view
def resource_types(
    request: HttpRequest, actor: directory.Actor, key: str | None = None
) -> HttpResponse:
    return _listing(request, _resource_types(_base(request)), key)


@scim_view
def schemas(request: HttpRequest, actor: directory.Actor, key: str | None = None) -> HttpResponse:
    return _listing(request, _schemas(_base(request)), key)


# --- Users --------------------------------------------------------------------------------


def _people() -> Any:
    return (
        User.objects.filter(deprovisioned_at__isnull=True)
        .select_related("department")
        .prefetch_related("directory_groups")
        .order_by("pk")
    )


def _person(key: str) -> User:
    try:
        return _people().get(pk=int(key))
    except (ValueError, User.DoesNotExist):
        raise NotFoundException(detail=f"There is no user with id “{key}”.") from None


def _user_document(request: HttpRequest, user: User) -> dict[str, Any]:
    fresh = _people().get(pk=user.pk)
    return protocol.user_document(fresh, _base(request), **_shown(request))


def _read_user(payload: dict[str, Any], context: Context) -> Any:
    return protocol.ScimUser.model_validate(
        protocol.tolerant_user_payload(payload), scim_ctx=context
    )


@scim_view
def users(request: HttpRequest, actor: directory.Actor) -> HttpResponse:
    return _users_answer(request, actor)


def _users_answer(request: HttpRequest, actor: directory.Actor) -> HttpResponse:
    if request.method == "GET":
        start, count = _paging(request)
        people = _people()
        if request.GET.get("filter"):
            people = protocol.filtered(
                people, request.GET["filter"], protocol.ScimUser, protocol.USER_FIELDS
            )
        total = people.count()
        page = list(people[start - 1 : start - 1 + count]) if count else []
        base = _base(request)
        shown = _shown(request)
        return _list([protocol.user_document(p, base, **shown) for p in page], total, start)
    if request.method == "POST":
        resource = _read_user(_body(request), Context.RESOURCE_CREATION_REQUEST)
        user, created = directory.person_provision(protocol.facts_from(resource), actor=actor)
        if created:  # in no group yet, its department just read: no need to read it again
            user._prefetched_objects_cache = {  # type: ignore[attr-defined]
                "directory_groups": DirectoryGroup.objects.none()
            }
            document = protocol.user_document(user, _base(request), **_shown(request))
        else:
            document = _user_document(request, user)
        return _json(document, 201, {"Location": document["meta"]["location"]})
    return _not_allowed()


@scim_view
def user(request: HttpRequest, actor: directory.Actor, key: str) -> HttpResponse:
    if request.method == "GET":
        return _json(_user_document(request, _person(key)))
    if request.method == "PUT":
        person = _person(key)
        resource = _read_user(_body(request), Context.RESOURCE_REPLACEMENT_REQUEST)
        directory.person_update(person, protocol.facts_from(resource), actor=actor)
        return _json(_user_document(request, person))
    if request.method == "PATCH":
        with transaction.atomic():
            person = _person(key)
            patch = PatchOp[protocol.ScimUser].model_validate(
                _patch_payload(_body(request)), scim_ctx=Context.RESOURCE_PATCH_REQUEST
            )
            resource = protocol.user_resource(person, _base(request))
            patch.patch(resource)
            directory.person_update(person, protocol.facts_from(resource), actor=actor)
        return _json(_user_document(request, person))
    if request.method == "DELETE":
        directory.person_deprovision(_person(key), actor=actor)
        return HttpResponse(status=204)
    return _not_allowed()


def _patch_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """Entra ID's and Okta's PATCH shapes: ``op`` in any case, the manager without ``$ref``."""
    for operation in payload.get("Operations") or []:
        if not isinstance(operation, dict):
            continue
        path = str(operation.get("path") or "")
        value = operation.get("value")
        if path.endswith("manager") and isinstance(value, str | int):
            operation["value"] = {"value": str(value), "$ref": f"../Users/{value}"}
        elif path.endswith("manager") and isinstance(value, dict) and not value.get("$ref"):
            value["$ref"] = f"../Users/{value.get('value')}"
    return payload


# --- Groups -------------------------------------------------------------------------------


def _groups() -> Any:
    return DirectoryGroup.objects.prefetch_related("members").order_by("pk")


def _group(key: str) -> DirectoryGroup:
    try:
        return _groups().get(pk=int(key))
    except (ValueError, DirectoryGroup.DoesNotExist):
        raise NotFoundException(detail=f"There is no group with id “{key}”.") from None


def _member_ids(resource: Any) -> list[int]:
    ids = []
    for member in resource.members or []:
        try:
            ids.append(int(str(member.value)))
        except (TypeError, ValueError):
            raise InvalidValueException(
                detail=f"There is no person with id “{member.value}”."
            ) from None
    return ids


def _group_document(request: HttpRequest, group: DirectoryGroup) -> dict[str, Any]:
    with_members = "members" not in request.GET.get("excludedAttributes", "")
    return protocol.group_document(
        _groups().get(pk=group.pk), _base(request), members=with_members, **_shown(request)
    )


@scim_view
def groups(request: HttpRequest, actor: directory.Actor) -> HttpResponse:
    return _groups_answer(request, actor)


def _groups_answer(request: HttpRequest, actor: directory.Actor) -> HttpResponse:
    if request.method == "GET":
        start, count = _paging(request)
        found = _groups()
        if request.GET.get("filter"):
            found = protocol.filtered(found, request.GET["filter"], Group, protocol.GROUP_FIELDS)
        total = found.count()
        page = list(found[start - 1 : start - 1 + count]) if count else []
        with_members = "members" not in request.GET.get("excludedAttributes", "")
        base, shown = _base(request), _shown(request)
        documents = [protocol.group_document(g, base, members=with_members, **shown) for g in page]
        return _list(documents, total, start)
    if request.method == "POST":
        resource = Group.model_validate(_body(request), scim_ctx=Context.RESOURCE_CREATION_REQUEST)
        group, _ = directory.group_save(
            None,
            display_name=resource.display_name or "",
            external_id=resource.external_id or "",
            member_ids=_member_ids(resource),
            actor=actor,
        )
        document = _group_document(request, group)
        return _json(document, 201, {"Location": document["meta"]["location"]})
    return _not_allowed()


@scim_view
def group(request: HttpRequest, actor: directory.Actor, key: str) -> HttpResponse:
    if request.method == "GET":
        return _json(_group_document(request, _group(key)))
    if request.method in ("PUT", "PATCH"):
        with transaction.atomic():
            found = _group(key)
            if request.method == "PUT":
                resource = Group.model_validate(
                    _body(request), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST
                )
            else:
                patch = PatchOp[Group].model_validate(
                    _body(request), scim_ctx=Context.RESOURCE_PATCH_REQUEST
                )
                resource = protocol.group_resource(found, _base(request))
                patch.patch(resource)
            directory.group_save(
                found,
                display_name=resource.display_name or "",
                external_id=resource.external_id or "",
                member_ids=_member_ids(resource),
                actor=actor,
            )
        if request.method == "PATCH" and request.GET.get("attributes") is None:
            return HttpResponse(status=204)
        return _json(_group_document(request, found))
    if request.method == "DELETE":
        directory.group_delete(_group(key), actor=actor)
        return HttpResponse(status=204)
    return _not_allowed()


def _searched(request: HttpRequest) -> HttpRequest:
    """A POST ``/.search`` (RFC 7644 §3.4.3) read as the GET it stands for."""
    body = _body(request)
    allowed = {"schemas", "filter", "startIndex", "count", "attributes", "excludedAttributes"}
    unknown = set(body) - allowed
    if unknown:
        raise InvalidValueException(detail=f"Not a search parameter: {', '.join(sorted(unknown))}.")
    query = request.GET.copy()
    for key in allowed - {"schemas"}:
        value = body.get(key)
        if value is None:
            continue
        query[key] = ",".join(map(str, value)) if isinstance(value, list) else str(value)
    request.GET = query  # type: ignore[assignment]
    request.method = "GET"
    return request


@scim_view
def users_search(request: HttpRequest, actor: directory.Actor) -> HttpResponse:
    if request.method != "POST":
        return _not_allowed()
    return _users_answer(_searched(request), actor)


@scim_view
def groups_search(request: HttpRequest, actor: directory.Actor) -> HttpResponse:
    if request.method != "POST":
        return _not_allowed()
    return _groups_answer(_searched(request), actor)


@scim_view
def search_everything(request: HttpRequest, actor: directory.Actor) -> HttpResponse:
    raise NotImplementedException(
        detail="Search one resource type at a time: POST /Users/.search or /Groups/.search."
    )


@scim_view
def unknown(request: HttpRequest, actor: directory.Actor, rest: str = "") -> HttpResponse:
    raise NotFoundException(detail=f"There is nothing at /scim/v2/{rest}.")


__all__ = ["UniquenessException"]
