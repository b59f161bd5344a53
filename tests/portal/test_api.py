"""The API skeleton: /api/v1/me/ per role, authentication, the schema and its docs."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from portal.models import User

EXPECTED_ROLES = {
    "employee": ["employee"],
    "lead": ["employee", "business_lead"],
    "reviewer": ["employee", "reviewer"],
    "author": ["employee", "policy_author"],
    "approver": ["employee", "policy_approver"],
    "admin": ["employee", "admin"],
}


@pytest.mark.django_db
@pytest.mark.parametrize("person", sorted(EXPECTED_ROLES))
def test_me_tells_each_person_who_they_are(cast: dict[str, User], person: str) -> None:
    api = APIClient()
    api.force_authenticate(cast[person])
    response = api.get("/api/v1/me/")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == cast[person].username
    assert body["roles"] == EXPECTED_ROLES[person]
    department = cast[person].department
    assert department is not None
    assert body["department"]["name"] == department.name


@pytest.mark.django_db
def test_me_refuses_anonymous_with_a_clear_error() -> None:
    response = APIClient().get("/api/v1/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert "credentials were not provided" in response.json()["detail"]


@pytest.mark.django_db
def test_token_authentication(employee: User) -> None:
    token = Token.objects.create(user=employee)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/me/").json()["username"] == "emma"
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = api.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."


@pytest.mark.django_db
def test_session_authentication_needs_csrf_for_writes(employee: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(employee)
    assert client.get("/api/v1/me/").status_code == 200
    response = client.post("/api/v1/me/", {}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


@pytest.mark.django_db
def test_unknown_api_path_answers_json_404(employee: User) -> None:
    client = Client()
    client.force_login(employee)
    response = client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json()["detail"]


@pytest.mark.django_db
def test_openapi_schema_is_served_and_describes_me(employee: User) -> None:
    client = Client()
    client.force_login(employee)
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/me/" in schema["paths"]


@pytest.mark.django_db
def test_api_docs_are_served_by_the_portal_without_a_cdn(employee: User) -> None:
    client = Client()
    client.force_login(employee)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "swagger-ui" in body
    assert "cdn" not in body.lower()
    assert "<script>" not in body  # CSP: no inline script
