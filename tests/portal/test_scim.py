"""SCIM 2.0 at /scim/v2/: the conformance checker nobody here wrote (scim2-tester) against the
served endpoint, the request shapes Entra ID and Okta send, bad input, races, and leavers."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from portal.models import AuditEvent, BearerToken, Department, DirectoryGroup, User
from portal.roles import Role
from portal.tokens import token_create, token_revoke

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SCIM_JSON = "application/scim+json"


def scim_token(name: str = "Entra ID") -> str:
    return token_create(kind=BearerToken.Kind.SCIM, name=name, by=None)[1]


class Scim:
    """A SCIM client on Django's test client, with a live SCIM token."""

    def __init__(self, token: str) -> None:
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def __call__(self, method: str, path: str, body: Any = None, raw: str | None = None) -> Any:
        data = raw if raw is not None else (json.dumps(body) if body is not None else "")
        response = getattr(self.client, method.lower())(
            f"/scim/v2/{path}", data=data, content_type=SCIM_JSON
        )
        document = json.loads(response.content) if response.content else None
        return response.status_code, document


@pytest.fixture
def scim(db: None, role_groups: dict[str, Group]) -> Scim:
    return Scim(scim_token())


# Recorded from Microsoft Entra ID's provisioning service (its documented request shapes).
ENTRA_CREATE = {
    "schemas": [CORE, ENTERPRISE],
    "externalId": "0a21f0f2-8d2a-4f8e-bf98-7b2ef5b8b1a1",
    "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1@contoso.com",
    "active": True,
    "emails": [{"primary": True, "type": "work", "value": "Test_User_fd0ea19b@testuser.com"}],
    "meta": {"resourceType": "User"},
    "name": {
        "formatted": "givenName familyName",
        "familyName": "familyName",
        "givenName": "givenName",
    },
    "roles": [],
    ENTERPRISE: {"department": "Claims", "employeeNumber": "E-1001"},
}
# Okta's create: no enterprise extension unless mapped, a password it generates, groups empty.
OKTA_CREATE = {
    "schemas": [CORE],
    "userName": "isabella.lee@example.com",
    "name": {"givenName": "Isabella", "familyName": "Lee"},
    "emails": [{"primary": True, "value": "isabella.lee@example.com", "type": "work"}],
    "displayName": "Isabella Lee",
    "locale": "en-US",
    "externalId": "00u1esetpqbhR1ZG50h8",
    "groups": [],
    "password": "1mz050nq",
    "active": True,
}


def test_scim_needs_a_live_scim_token(db: None, employee: User) -> None:
    assert Client().get("/scim/v2/Users").status_code == 401
    answer = Client(HTTP_AUTHORIZATION="Bearer nonsense").get("/scim/v2/Users")
    assert answer.status_code == 401
    assert json.loads(answer.content)["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert "Bearer" in answer["WWW-Authenticate"]
    # A personal API token does not open SCIM; a SCIM token does not open the API.
    personal = token_create(
        kind=BearerToken.Kind.PERSONAL, name="laptop", by=employee, owner=employee
    )[1]
    assert Client(HTTP_AUTHORIZATION=f"Bearer {personal}").get("/scim/v2/Users").status_code == 401
    token, secret = token_create(kind=BearerToken.Kind.SCIM, name="Okta", by=None)
    assert Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/me/").status_code == 401
    assert Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/").status_code == 302  # sign in
    assert Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/scim/v2/Users").status_code == 200
    # Stored as a hash only; revoked, it opens nothing from the next request on.
    assert secret not in json.dumps(list(BearerToken.objects.values()), default=str)
    admin = User.objects.create_superuser("root", "root@example.com", "x")
    token_revoke(token=token, by=admin)
    assert Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/scim/v2/Users").status_code == 401


def test_entra_id_create_find_deactivate_and_delete(scim: Scim) -> None:
    status, created = scim("POST", "Users", ENTRA_CREATE)
    assert status == 201, created
    person = User.objects.get(pk=created["id"])
    assert person.username == ENTRA_CREATE["userName"]
    assert person.external_id == ENTRA_CREATE["externalId"]
    assert person.email == "Test_User_fd0ea19b@testuser.com"
    assert person.department is not None and person.department.name == "Claims"
    assert person.employee_number == "E-1001"
    assert not person.has_usable_password()
    assert created[ENTERPRISE]["department"] == "Claims"
    browser = Client()
    browser.force_login(person)  # signed in (by single sign-on) before they leave
    assert browser.get("/").status_code == 200

    # Entra ID looks people up by userName (any case) and by externalId before it creates.
    for query in (
        f'userName eq "{ENTRA_CREATE["userName"].upper()}"',
        f'externalId eq "{ENTRA_CREATE["externalId"]}"',
        'emails.value eq "test_user_fd0ea19b@testuser.com"',
    ):
        status, found = scim("GET", f"Users?filter={query}")
        assert status == 200 and found["totalResults"] == 1, (query, found)
        assert found["Resources"][0]["id"] == created["id"]
    status, none = scim("GET", 'Users?filter=userName eq "nobody@contoso.com"')
    assert (status, none["totalResults"], none["Resources"]) == (200, 0, [])

    # Entra's PATCH: capitalised op, a path-less replace with a value object, "False" as text.
    status, patched = scim(
        "PATCH",
        f"Users/{created['id']}",
        {
            "schemas": [PATCH],
            "Operations": [
                {
                    "op": "Replace",
                    "path": 'emails[type eq "work"].value',
                    "value": "updatedEmail@microsoft.com",
                },
                {"op": "Replace", "value": {"name.familyName": "updatedFamilyName"}},
                {"op": "Replace", "path": "active", "value": "False"},
            ],
        },
    )
    assert status == 200, patched
    person.refresh_from_db()
    assert (person.email, person.last_name, person.is_active) == (
        "updatedEmail@microsoft.com",
        "updatedFamilyName",
        False,
    )
    # A leaver's session stops working at their next request.
    answer = browser.get("/")
    assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/")
    event = AuditEvent.objects.filter(action="person.updated", object_id=str(person.pk)).get()
    assert event.actor is None and event.actor_label == "SCIM token Entra ID"
    before, after = event.before or {}, event.after or {}
    assert before["active"] is True and after["active"] is False
    assert before["last_name"] == "familyName"

    # DELETE: gone from SCIM, but the account and its history stay.
    assert scim("DELETE", f"Users/{created['id']}")[0] == 204
    assert scim("GET", f"Users/{created['id']}")[0] == 404
    person.refresh_from_db()
    assert person.deprovisioned_at is not None and not person.is_active
    actions = AuditEvent.objects.filter(object_type="portal.user", object_id=str(person.pk))
    assert sorted(actions.values_list("action", flat=True)) == [
        "person.deprovisioned",
        "person.provisioned",
        "person.updated",
    ]


def test_okta_create_put_and_deactivate(scim: Scim) -> None:
    status, created = scim("POST", "Users", OKTA_CREATE)
    assert status == 201, created
    assert created["displayName"] == "Isabella Lee" and created["active"] is True
    assert "password" not in created
    # Okta replaces the whole user with PUT.
    replaced = {
        **OKTA_CREATE,
        "id": created["id"],
        "name": {"givenName": "Bella", "familyName": "Lee"},
    }
    status, document = scim("PUT", f"Users/{created['id']}", replaced)
    assert status == 200 and document["name"]["givenName"] == "Bella"
    # Okta deactivates with a path-less replace whose value is {"active": false}.
    status, document = scim(
        "PATCH",
        f"Users/{created['id']}",
        {"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": False}}]},
    )
    assert status == 200 and document["active"] is False
    assert not User.objects.get(pk=created["id"]).is_active


def test_manager_and_department_move(scim: Scim) -> None:
    boss = scim(
        "POST", "Users", {**OKTA_CREATE, "userName": "boss@example.com", "externalId": "b"}
    )[1]
    status, person = scim(
        "POST",
        "Users",
        {**ENTRA_CREATE, ENTERPRISE: {"department": "Claims", "manager": {"value": boss["id"]}}},
    )
    assert status == 201, person
    assert person[ENTERPRISE]["manager"]["value"] == boss["id"]
    # Entra moves someone by replacing the extension's department.
    status, moved = scim(
        "PATCH",
        f"Users/{person['id']}",
        {
            "schemas": [PATCH],
            "Operations": [
                {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": "Underwriting"}
            ],
        },
    )
    assert status == 200, moved
    assert User.objects.get(pk=person["id"]).department == Department.objects.get(
        name="Underwriting"
    )


@pytest.mark.parametrize(
    ("raw", "body", "status", "scim_type"),
    [
        ('{"schemas": [', None, 400, "invalidSyntax"),
        (None, {**OKTA_CREATE, "favouriteColour": "teal"}, 400, None),
        (None, {**OKTA_CREATE, "userName": ""}, 400, None),
        (None, {**ENTRA_CREATE, ENTERPRISE: {"manager": {"value": "999999"}}}, 400, "invalidValue"),
    ],
    ids=["malformed-json", "unknown-attribute", "empty-username", "unknown-manager"],
)
def test_bad_input_is_a_scim_error_and_writes_nothing(
    scim: Scim, raw: str | None, body: Any, status: int, scim_type: str | None
) -> None:
    people, events = User.objects.count(), AuditEvent.objects.count()
    answer, error = scim("POST", "Users", body, raw=raw)
    assert answer == status, error
    assert error["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert error["status"] == str(status) and error["detail"]
    if scim_type:
        assert error["scimType"] == scim_type
    assert (User.objects.count(), AuditEvent.objects.count()) == (people, events)


def test_duplicates_are_409_uniqueness(scim: Scim) -> None:
    assert scim("POST", "Users", OKTA_CREATE)[0] == 201
    for duplicate in (
        {**OKTA_CREATE, "externalId": "other"},  # same userName
        {**OKTA_CREATE, "userName": "ISABELLA.LEE@example.com", "externalId": "x"},
        {**OKTA_CREATE, "userName": "someone.else@example.com"},  # same externalId
    ):
        status, error = scim("POST", "Users", duplicate)
        assert (status, error["scimType"]) == (409, "uniqueness"), duplicate
    assert User.objects.filter(username__iexact="isabella.lee@example.com").count() == 1


def test_a_bad_patch_changes_nothing(scim: Scim) -> None:
    created = scim("POST", "Users", OKTA_CREATE)[1]
    before = User.objects.get(pk=created["id"])
    status, error = scim(
        "PATCH",
        f"Users/{created['id']}",
        {
            "schemas": [PATCH],
            "Operations": [
                {"op": "replace", "path": "name.givenName", "value": "Changed"},
                {"op": "replace", "path": f"{ENTERPRISE}:manager", "value": "123456"},
            ],
        },
    )
    assert status == 400, error
    after = User.objects.get(pk=created["id"])
    assert after.first_name == before.first_name == "Isabella"


def test_paging(scim: Scim) -> None:
    for n in range(5):
        body = {**OKTA_CREATE, "userName": f"p{n}@example.com", "externalId": f"e{n}"}
        assert scim("POST", "Users", body)[0] == 201
    status, page = scim("GET", "Users?startIndex=2&count=2")
    assert status == 200
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (5, 2, 2)
    assert [r["userName"] for r in page["Resources"]] == ["p1@example.com", "p2@example.com"]
    # The same through POST /Users/.search (RFC 7644 section 3.4.3).
    search = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": 'userName eq "p3@example.com"',
        "count": 10,
    }
    status, searched = scim("POST", "Users/.search", search)
    assert status == 200 and [r["userName"] for r in searched["Resources"]] == ["p3@example.com"]
    status, error = scim("GET", 'Users?filter=title co "x"')
    assert (status, error["scimType"]) == (400, "invalidFilter")


def test_groups_map_to_roles_and_departments(scim: Scim) -> None:
    alice = scim(
        "POST", "Users", {**OKTA_CREATE, "userName": "alice@example.com", "externalId": "a"}
    )[1]
    bob = scim("POST", "Users", {**OKTA_CREATE, "userName": "bob@example.com", "externalId": "b"})[
        1
    ]
    status, reviewers = scim(
        "POST",
        "Groups",
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "AI reviewers",
            "externalId": "g-1",
            "members": [{"value": alice["id"]}],
        },
    )
    assert status == 201, reviewers
    group = DirectoryGroup.objects.get(pk=reviewers["id"])
    admin = User.objects.create_superuser("root", "root@example.com", "x")
    from portal.people.directory import group_map

    group_map(group, role=Role.REVIEWER, department=None, by=admin)
    assert User.objects.get(pk=alice["id"]).groups.filter(name=Role.REVIEWER).exists()
    # Entra adds and removes members with PATCH; Okta's remove names the member by filter.
    ops = [{"op": "Add", "path": "members", "value": [{"value": bob["id"]}]}]
    assert scim("PATCH", f"Groups/{group.pk}", {"schemas": [PATCH], "Operations": ops})[0] in (
        200,
        204,
    )
    assert User.objects.get(pk=bob["id"]).groups.filter(name=Role.REVIEWER).exists()
    ops = [{"op": "remove", "path": f'members[value eq "{alice["id"]}"]'}]
    assert scim("PATCH", f"Groups/{group.pk}", {"schemas": [PATCH], "Operations": ops})[0] in (
        200,
        204,
    )
    assert not User.objects.get(pk=alice["id"]).groups.filter(name=Role.REVIEWER).exists()
    status, found = scim("GET", 'Groups?filter=displayName eq "ai reviewers"')
    assert found["totalResults"] == 1
    assert [m["value"] for m in found["Resources"][0]["members"]] == [bob["id"]]
    # A group mapped to a department moves its members there.
    claims = Department.objects.create(name="Claims", slug="claims")
    group_map(group, role="", department=claims, by=admin)
    assert User.objects.get(pk=bob["id"]).department == claims
    assert not User.objects.get(pk=bob["id"]).groups.filter(name=Role.REVIEWER).exists()


@pytest.mark.django_db(transaction=True)
def test_the_same_user_posted_twice_at_once_is_one_account(
    live_server: Any, role_groups: dict[str, Group]
) -> None:
    from httpx2 import Client as HttpClient

    secret = scim_token()
    answers: list[int] = []
    barrier = threading.Barrier(4)

    def post() -> None:
        with HttpClient(timeout=30) as http:
            barrier.wait()
            response = http.post(
                f"{live_server.url}/scim/v2/Users",
                content=json.dumps(OKTA_CREATE).encode(),
                headers={"Authorization": f"Bearer {secret}", "Content-Type": SCIM_JSON},
            )
            answers.append(response.status_code)

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [201, 409, 409, 409]
    assert User.objects.filter(username__iexact=OKTA_CREATE["userName"]).count() == 1


@pytest.mark.django_db(transaction=True)
def test_scim2_tester_finds_no_error(live_server: Any, role_groups: dict[str, Group]) -> None:
    """scim2-tester (PyPI) discovers the server and runs its CRUD, filter and PATCH checks."""
    from httpx2 import Client as HttpClient
    from scim2_client.engines.httpx2 import SyncSCIMClient
    from scim2_tester import Status, check_server

    http = HttpClient(
        base_url=f"{live_server.url}/scim/v2", headers={"Authorization": f"Bearer {scim_token()}"}
    )
    results = check_server(SyncSCIMClient(http))
    errors = [f"{r.title}: {r.reason}" for r in results if r.status == Status.ERROR]
    assert errors == []
    passed = [r for r in results if r.status == Status.SUCCESS]
    assert len(passed) >= 70, f"only {len(passed)} checks passed"
