"""Sign-in, sign-out and the lockout after repeated failures, through the real pages."""

from __future__ import annotations

import pytest
from django.test import Client

from portal.models import User
from tests.factories import PASSWORD


def _sign_in(client: Client, username: str, password: str, ip: str = "10.1.2.3"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_sign_in_page_is_in_the_portals_style(client: Client) -> None:
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Sign in" in body
    assert "csrfmiddlewaretoken" in body


@pytest.mark.django_db
def test_sign_in_with_the_right_password_reaches_home(client: Client, employee: User) -> None:
    response = _sign_in(client, "emma", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Hello, " in home.content.decode()


@pytest.mark.django_db
def test_wrong_password_is_refused_with_a_message(client: Client, employee: User) -> None:
    response = _sign_in(client, "emma", "wrong")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_repeated_failures_lock_the_account_even_with_the_right_password(
    client: Client, employee: User, settings
) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "emma", "wrong")
    response = _sign_in(client, "emma", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another person from the same address is not locked out.
    other = _sign_in(Client(), "emma-not", PASSWORD)
    assert other.status_code == 200


@pytest.mark.django_db
def test_sign_out_ends_the_session(client: Client, employee: User) -> None:
    client.force_login(employee)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_sign_out_needs_post(client: Client, employee: User) -> None:
    client.force_login(employee)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.get("/").status_code == 200


def test_single_sign_on_groups_map_to_roles(settings) -> None:
    from portal.people.services import roles_from_groups

    settings.OIDC_ROLE_MAP = {"ai-cio-office": "reviewer"}
    groups = ["ai-cio-office", "policy_author", "unrelated", "employee"]
    assert roles_from_groups(groups) == {"reviewer", "policy_author"}
    assert roles_from_groups([]) == set()


@pytest.mark.django_db
def test_one_address_trying_many_usernames_is_paused(
    client: Client, employee: User, settings
) -> None:
    settings.SIGN_IN_ADDRESS_FAILURE_LIMIT = 8
    for number in range(8):  # each username well under its own limit
        assert _sign_in(client, f"someone-{number}", "guess", ip="10.9.9.9").status_code == 200
    paused = _sign_in(client, "emma", PASSWORD, ip="10.9.9.9")
    assert paused.status_code == 429
    assert "Too many failed sign-ins" in paused.content.decode()
    assert "_auth_user_id" not in client.session
    # Someone at another address signs in as usual.
    assert _sign_in(Client(), "emma", PASSWORD, ip="10.1.1.1").status_code == 302
