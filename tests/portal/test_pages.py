"""Error pages in the portal's style, the 503 on a database outage, security headers."""

from __future__ import annotations

import pytest
from django.db.utils import OperationalError
from django.test import Client, RequestFactory

from portal import views
from portal.models import User


@pytest.mark.django_db
def test_404_page_is_in_the_portals_style(client: Client, employee: User) -> None:
    client.force_login(employee)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body
    assert "AI portal" in body  # the navigation bar is there


def test_database_outage_is_a_503_page_not_a_crash() -> None:
    request = RequestFactory().get("/")
    try:
        raise OperationalError("could not connect to server")
    except OperationalError:
        response = views.server_error(request)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "briefly unavailable" in response.content.decode()


def test_database_outage_on_the_api_is_a_json_503() -> None:
    request = RequestFactory().get("/api/v1/me/")
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = views.server_error(request)
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"


def test_other_errors_are_a_500_page() -> None:
    request = RequestFactory().get("/")
    try:
        raise ValueError("boom")
    except ValueError:
        response = views.server_error(request)
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client: Client, employee: User) -> None:
    client.force_login(employee)
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
