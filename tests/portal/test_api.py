"""The API skeleton: /api/v1/me/ per role, authentication, the schema and its docs."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from portal.boundary import Refused
from portal.models import BearerToken, User
from portal.tokens import token_create, token_revoke

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
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert "credentials were not provided" in response.json()["detail"]


@pytest.mark.django_db
def test_personal_token_authentication(employee: User, lead: User) -> None:
    token, secret = token_create(
        kind=BearerToken.Kind.PERSONAL,
        name="laptop",
        by=employee,
        owner=employee,
        expires_at=timezone.now() + datetime.timedelta(days=30),
    )
    assert token.digest != secret and secret not in token.digest and token.prefix == secret[:12]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/me/").json()["username"] == "emma"
    token.refresh_from_db()
    assert token.last_used_at is not None
    # A session is not made: the next call without the header is anonymous.
    api.credentials()
    assert api.get("/api/v1/me/").status_code == 401
    for bad in ("Bearer not-a-real-token", "Bearer", f"Token {secret}"):
        api.credentials(HTTP_AUTHORIZATION=bad)
        assert api.get("/api/v1/me/").status_code == 401, bad
    # Only its owner revokes it; then it opens nothing.
    with pytest.raises(Refused):
        token_revoke(token=token, by=lead)
    token_revoke(token=token, by=employee)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = api.get("/api/v1/me/")
    assert response.status_code == 401 and "revoked" in response.json()["detail"]
    # Nobody makes a token for someone else; an expiry is in the future.
    with pytest.raises(Refused):
        token_create(kind=BearerToken.Kind.PERSONAL, name="x", by=lead, owner=employee)
    with pytest.raises(Refused):
        token_create(
            kind=BearerToken.Kind.PERSONAL,
            name="x",
            by=employee,
            owner=employee,
            expires_at=timezone.now() - datetime.timedelta(days=1),
        )


@pytest.mark.django_db
def test_an_expired_token_or_a_leavers_token_opens_nothing(employee: User) -> None:
    token, secret = token_create(
        kind=BearerToken.Kind.PERSONAL, name="ci", by=employee, owner=employee
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/me/").status_code == 200
    BearerToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    assert api.get("/api/v1/me/").status_code == 401
    BearerToken.objects.filter(pk=token.pk).update(expires_at=None)
    User.objects.filter(pk=employee.pk).update(is_active=False)
    assert api.get("/api/v1/me/").status_code == 401


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
