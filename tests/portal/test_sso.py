"""Single sign-on against a real, certified OpenID provider (panva's oidc-provider).

Each test signs people on through the provider's own pages; the provider can be told to answer
with an altered id_token (tests/oidc_provider/provider.mjs) to play a broken or hostile one.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client

from portal.models import AuditEvent, SingleSignOnIdentity, User
from portal.people.inputs import SignOnClaims
from portal.people.services import person_sign_on
from portal.roles import Role
from tests.factories import PASSWORD
from tests.identity_provider import IdentityProvider

BACKENDS = [*django_settings.AUTHENTICATION_BACKENDS, "portal.people.oidc.PortalOIDCBackend"]


@pytest.fixture
def sso(settings: Any, identity_provider: IdentityProvider, role_groups: Any) -> IdentityProvider:
    for name, value in identity_provider.settings.items():
        setattr(settings, name, value)
    settings.AUTHENTICATION_BACKENDS = BACKENDS
    settings.OIDC_ROLE_MAP = {"ai-cio-office": Role.REVIEWER.value}
    identity_provider.reset()
    return identity_provider


def _signed_in_as(client: Client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def _roles(user: User) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def test_first_sign_on_creates_the_account_from_the_claims(
    sso: IdentityProvider, department: Any, client: Client
) -> None:
    sso.people(
        {
            "sub-sam": {
                "email": "sam.field@example.com",
                "email_verified": True,
                "preferred_username": "sam.field",
                "name": "Sam Field",
                "department": "Customer Service",
                "groups": ["ai-cio-office", "policy_author", "unrelated"],
            }
        }
    )
    response = sso.sign_on(client, "sub-sam")
    assert response.status_code == 302
    assert response["Location"] == "/"
    user = _signed_in_as(client)
    assert user is not None
    assert (user.username, user.email) == ("sam.field", "sam.field@example.com")
    assert (user.first_name, user.last_name) == ("Sam", "Field")  # from the standard name claim
    assert user.department == department
    assert _roles(user) == {Role.REVIEWER.value, Role.POLICY_AUTHOR.value}
    identity = SingleSignOnIdentity.objects.get(user=user)
    assert (identity.issuer, identity.subject) == (sso.url, "sub-sam")
    assert identity.linked_by == SingleSignOnIdentity.LinkedBy.CREATED
    event = AuditEvent.objects.get(action="person.sso_created", object_id=str(user.pk))
    assert event.after is not None and event.after["subject"] == "sub-sam"
    # The portal keeps the id_token to sign out at the provider later.
    assert client.session["oidc_id_token"].count(".") == 2


def test_roles_follow_the_groups_at_every_sign_on(sso: IdentityProvider, client: Client) -> None:
    person = {"email": "ria@example.com", "email_verified": True}
    sso.people({"sub-ria": {**person, "groups": ["ai-cio-office", "admin"]}})
    sso.sign_on(client, "sub-ria")
    user = User.objects.get(sso_identities__subject="sub-ria")
    assert _roles(user) == {Role.REVIEWER.value, Role.ADMIN.value}
    assert user.is_staff
    sso.people({"sub-ria": {**person, "groups": ["ai-cio-office"]}})
    sso.sign_on(Client(), "sub-ria")
    user.refresh_from_db()
    assert _roles(user) == {Role.REVIEWER.value}
    assert not user.is_staff
    changed = AuditEvent.objects.get(action="person.sso_updated", object_id=str(user.pk))
    assert changed.before is not None and changed.after is not None
    assert changed.before["roles"] == [Role.ADMIN.value, Role.REVIEWER.value]
    assert changed.after["roles"] == [Role.REVIEWER.value]


def test_groups_sent_only_in_the_id_token_count(sso: IdentityProvider, client: Client) -> None:
    sso.people({"sub-eve": {"email": "eve@example.com", "email_verified": True}})
    sso.forge("groups_in_id_token_only")
    sso.sign_on(client, "sub-eve")
    user = _signed_in_as(client)
    assert user is not None and _roles(user) == {Role.REVIEWER.value}


def test_an_unverified_email_never_takes_over_a_local_account(
    sso: IdentityProvider, lead: User, client: Client
) -> None:
    before = (lead.email, lead.first_name, lead.last_name, _roles(lead), lead.department_id)
    sso.people(
        {
            "sub-mallory": {
                "email": lead.email.upper(),  # the same address in another case
                "email_verified": False,
                "preferred_username": lead.username,
                "name": "Mallory Taken",
                "groups": ["admin"],
            }
        }
    )
    response = sso.sign_on(client, "sub-mallory")
    assert response.status_code == 302
    signed_in = _signed_in_as(client)
    assert signed_in is not None and signed_in.pk != lead.pk
    assert signed_in.username == f"{lead.username}-2"  # a username that was free
    assert signed_in.email == ""  # an unverified address is not kept
    lead.refresh_from_db()
    assert (lead.email, lead.first_name, lead.last_name, _roles(lead), lead.department_id) == before
    assert not lead.sso_identities.exists()


def test_a_verified_email_links_once_and_only_to_an_account_not_yet_linked(
    sso: IdentityProvider, lead: User
) -> None:
    sso.people(
        {
            "sub-leo": {"email": lead.email, "email_verified": True},
            "sub-twin": {"email": lead.email, "email_verified": "true"},
        }
    )
    first = Client()
    sso.sign_on(first, "sub-leo")
    assert _signed_in_as(first) == lead
    identity = lead.sso_identities.get()
    assert identity.linked_by == SingleSignOnIdentity.LinkedBy.VERIFIED_EMAIL
    assert AuditEvent.objects.filter(action="person.sso_linked", object_id=str(lead.pk)).exists()

    sso.reset()
    sso.people({"sub-twin": {"email": lead.email, "email_verified": True}})
    second = Client()
    sso.sign_on(second, "sub-twin")
    twin = _signed_in_as(second)
    assert twin is not None and twin.pk != lead.pk  # leo's account is already someone's
    assert twin.email == ""  # the address belongs to leo's account


def test_an_email_changed_at_the_provider_keeps_the_same_account(
    sso: IdentityProvider, lead: User, employee: User
) -> None:
    sso.people({"sub-leo": {"email": lead.email, "email_verified": True}})
    sso.sign_on(Client(), "sub-leo")
    sso.reset()
    sso.people(
        {
            "sub-leo": {
                "email": "leo.new@example.com",
                "email_verified": True,
                "preferred_username": employee.username,  # a username someone else has
            }
        }
    )
    again = Client()
    response = sso.sign_on(again, "sub-leo")
    assert response.status_code == 302
    assert _signed_in_as(again) == lead
    lead.refresh_from_db()
    assert lead.email == "leo.new@example.com"
    assert lead.username == "leo"
    # An address another account holds is not taken over either.
    sso.reset()
    sso.people({"sub-leo": {"email": employee.email, "email_verified": True}})
    sso.sign_on(Client(), "sub-leo")
    lead.refresh_from_db()
    assert lead.email == "leo.new@example.com"


FORGERIES = {
    "wrong_audience": "issued for another client (aud)",
    "extra_audience_without_azp": "not authorised for this client (azp)",
    "wrong_issuer": "comes from another issuer (iss)",
    "expired": "has expired",
    "issued_10min_ahead": "dated in the future",
    "wrong_nonce": "nonce is not the one",
    "no_subject": "has no sub claim",
    "other_key": "signature does not verify",
    "alg_none": "signed with 'none'",
    "not_a_jwt": "is not a JWT",
}


@pytest.mark.parametrize("forgery", sorted(FORGERIES))
def test_an_id_token_that_does_not_check_out_is_a_clean_refusal(
    sso: IdentityProvider, forgery: str, caplog: pytest.LogCaptureFixture
) -> None:
    sso.people({"sub-sam": {"email": "sam@example.com", "email_verified": True}})
    sso.forge(forgery)
    people_before = User.objects.count()
    client = Client()
    with caplog.at_level(logging.WARNING, logger="portal.people"):
        response = sso.sign_on(client, "sub-sam")
    assert response.status_code == 400
    body = response.content.decode()
    assert "Single sign-on did not complete" in body
    assert "Reference:" in body
    assert _signed_in_as(client) is None
    assert User.objects.count() == people_before
    assert FORGERIES[forgery] in caplog.text


def test_a_token_dated_30_seconds_ahead_is_within_the_clock_skew(
    sso: IdentityProvider, client: Client
) -> None:
    sso.people({"sub-sam": {"email": "sam@example.com", "email_verified": True}})
    sso.forge("issued_30s_ahead")
    assert sso.sign_on(client, "sub-sam").status_code == 302
    assert _signed_in_as(client) is not None


def test_without_pkce_a_provider_that_requires_it_refuses_cleanly(
    sso: IdentityProvider, settings: Any, client: Client
) -> None:
    sso.people({"sub-sam": {}})
    settings.OIDC_USE_PKCE = False
    response = client.get("/oidc/authenticate/")
    assert "code_challenge" not in response["Location"]
    answer = sso.browser.get(response["Location"], allow_redirects=False, timeout=10)
    callback = answer.headers["Location"]
    assert callback.startswith("http://testserver/oidc/callback/?error=")
    page = client.get(callback.removeprefix("http://testserver"))
    assert page.status_code == 400
    assert "PKCE" in page.content.decode()
    # With PKCE (the default) the same person signs on.
    settings.OIDC_USE_PKCE = True
    assert "code_challenge=" in client.get("/oidc/authenticate/")["Location"]
    assert sso.sign_on(client, "sub-sam").status_code == 302


def test_a_deactivated_account_cannot_sign_on(sso: IdentityProvider, lead: User) -> None:
    sso.people({"sub-leo": {"email": lead.email, "email_verified": True}})
    sso.sign_on(Client(), "sub-leo")
    User.objects.filter(pk=lead.pk).update(is_active=False)
    client = Client()
    response = sso.sign_on(client, "sub-leo")
    assert response.status_code == 403
    assert "deactivated" in response.content.decode()
    assert _signed_in_as(client) is None


def test_failed_sign_ons_never_lock_out_other_people(
    sso: IdentityProvider, employee: User, settings: Any
) -> None:
    sso.people(
        {
            "sub-sam": {"email": "sam@example.com", "email_verified": True},
            "sub-ria": {"email": "ria@example.com", "email_verified": True},
        }
    )
    sso.forge("expired")
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        assert sso.sign_on(Client(), "sub-sam").status_code == 400
    sso.forge(None)
    ria = Client()
    assert sso.sign_on(ria, "sub-ria").status_code == 302
    assert _signed_in_as(ria) is not None
    # Nor people who sign in with a password from the same address.
    local = Client()
    response = local.post("/accounts/login/", {"username": "emma", "password": PASSWORD})
    assert response.status_code == 302
    assert _signed_in_as(local) == employee


def test_signing_out_ends_the_session_at_the_provider_too(
    sso: IdentityProvider, client: Client
) -> None:
    sso.people({"sub-sam": {"email": "sam@example.com", "email_verified": True}})
    sso.sign_on(client, "sub-sam")
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    end_session = response["Location"]
    assert end_session.startswith(f"{sso.url}/session/end?")
    assert "id_token_hint=" in end_session
    assert _signed_in_as(client) is None
    back = sso.follow(end_session)
    assert back.headers["Location"] == "http://testserver/accounts/login/"
    # The provider asks for the login again rather than signing straight back in.
    start = client.get("/oidc/authenticate/")["Location"]
    answer = sso.browser.get(start, allow_redirects=True, timeout=10)
    assert 'name="prompt" value="login"' in answer.text


def test_the_provider_saying_no_is_a_clean_page(sso: IdentityProvider, client: Client) -> None:
    client.get("/oidc/authenticate/")
    state = next(iter(client.session["oidc_states"]))
    response = client.get(
        "/oidc/callback/",
        {"error": "access_denied", "error_description": "End-User aborted", "state": state},
    )
    assert response.status_code == 400
    assert "End-User aborted" in response.content.decode()
    assert client.session["oidc_states"] == {}


def test_a_callback_this_browser_did_not_start_is_refused(sso: IdentityProvider) -> None:
    response = Client().get("/oidc/callback/", {"code": "stolen", "state": "guessed"})
    assert response.status_code == 400
    assert "started in another browser tab" in response.content.decode()


def test_an_unreachable_provider_is_a_clean_page(
    sso: IdentityProvider, settings: Any, client: Client
) -> None:
    sso.people({"sub-sam": {}})
    settings.OIDC_OP_TOKEN_ENDPOINT = "http://127.0.0.1:9/token"  # nothing listens on port 9
    response = sso.sign_on(client, "sub-sam")
    assert response.status_code == 502
    assert "did not answer" in response.content.decode()


@pytest.mark.django_db
def test_single_sign_on_pages_are_absent_when_it_is_not_configured(client: Client) -> None:
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/", {"code": "x", "state": "y"}).status_code == 404
    assert "company account" not in client.get("/accounts/login/").content.decode()


def test_a_business_lead_created_by_sso_is_told_to_get_a_department(
    sso: IdentityProvider, client: Client
) -> None:
    sso.people({"sub-nia": {"groups": ["business_lead"]}})
    sso.sign_on(client, "sub-nia")
    page = client.get("/usecases/new/", follow=True)
    assert page.status_code == 200
    assert "You belong to no department yet" in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_first_sign_ons_of_one_person_at_once_make_one_account(
    identity_provider: IdentityProvider, settings: Any
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    settings.OIDC_ROLE_MAP = {}
    claims = SignOnClaims(
        issuer=identity_provider.url, subject="sub-twice", email="twice@example.com"
    )
    barrier = threading.Barrier(4)
    results: list[int] = []
    errors: list[BaseException] = []

    def sign_on() -> None:
        try:
            barrier.wait()
            results.append(person_sign_on(claims=claims).pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_on) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(results)) == 1
    assert SingleSignOnIdentity.objects.filter(subject="sub-twice").count() == 1
    assert User.objects.filter(sso_identities__subject="sub-twice").count() == 1


def test_configured_from_the_environment_forms_may_lead_to_the_provider() -> None:
    """Sign-out posts a form that redirects to the provider's end-session page: the CSP allows it
    (tests/browser/test_single_sign_on.py fails without it)."""
    environ = {
        **os.environ,
        "OIDC_RP_CLIENT_ID": "portal",
        "OIDC_RP_CLIENT_SECRET": "secret",
        "OIDC_OP_ISSUER": "https://idp.example.com",
        "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://idp.example.com/auth",
        "OIDC_OP_TOKEN_ENDPOINT": "https://idp.example.com/token",
        "OIDC_OP_USER_ENDPOINT": "https://idp.example.com/me",
        "OIDC_OP_JWKS_ENDPOINT": "https://idp.example.com/jwks",
        "OIDC_OP_LOGOUT_ENDPOINT": "https://idp.example.com/logout",
    }
    script = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps([settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'], "
        "settings.AUTHENTICATION_BACKENDS]))"
    )
    output = subprocess.run(
        [sys.executable, "-c", script],
        env={**environ, "DJANGO_SETTINGS_MODULE": "portal.settings"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    form_action, backends = json.loads(output.strip().splitlines()[-1])
    assert "https://idp.example.com/auth" in form_action
    assert "https://idp.example.com/logout" in form_action
    assert "portal.people.oidc.PortalOIDCBackend" in backends


# --- The directory (SCIM) and single sign-on agree ---------------------------------------------


def _provisioned(user_name: str, external_id: str, email: str) -> User:
    from portal.people.directory import Actor, PersonFacts, person_provision

    return person_provision(
        PersonFacts(user_name=user_name, external_id=external_id, email=email, given_name="Dana"),
        actor=Actor(label="SCIM token tests"),
    )[0]


def test_a_person_the_directory_provisioned_signs_on_to_that_account(
    sso: IdentityProvider, client: Client
) -> None:
    """Okta's SCIM sends its user id as externalId, and its id_token's ``sub`` is that id."""
    dana = _provisioned("dana@example.com", "sub-dana", "dana@example.com")
    sso.people(
        {
            # The email is not even verified: the directory's id is what links the two.
            "sub-dana": {"email": "dana@example.com", "email_verified": False, "name": "Dana Ng"},
        }
    )
    assert sso.sign_on(client, "sub-dana").status_code == 302
    assert _signed_in_as(client) == dana
    identity = SingleSignOnIdentity.objects.get(user=dana)
    assert identity.linked_by == SingleSignOnIdentity.LinkedBy.DIRECTORY
    assert User.objects.count() == 1
    assert AuditEvent.objects.filter(action="person.sso_linked", object_id=str(dana.pk)).exists()


def test_a_provider_account_with_a_provisioned_persons_email_takes_nothing_over(
    sso: IdentityProvider, client: Client
) -> None:
    dana = _provisioned("dana@example.com", "okta-00u1", "dana@example.com")
    sso.people({"sub-mallory": {"email": "dana@example.com", "email_verified": False}})
    assert sso.sign_on(client, "sub-mallory").status_code == 302
    mallory = _signed_in_as(client)
    assert mallory is not None and mallory != dana
    dana.refresh_from_db()
    assert (dana.email, dana.first_name) == ("dana@example.com", "Dana")
    assert not SingleSignOnIdentity.objects.filter(user=dana).exists()


@pytest.mark.django_db
def test_entra_ids_object_id_links_the_account_its_scim_provisioned(role_groups: Any) -> None:
    """Entra ID's SCIM sends the object ID (the ``oid`` claim) as externalId; ``sub`` differs."""
    oid = "4f1d2c3b-0000-4a5b-9c8d-7e6f5a4b3c2d"
    dana = _provisioned("dana@contoso.com", oid, "dana@contoso.com")
    claims = SignOnClaims(
        issuer="https://login.microsoftonline.com/tenant/v2.0",
        subject="pairwise-sub-for-this-app",
        oid=oid,
        email="dana@contoso.com",
    )
    assert person_sign_on(claims=claims) == dana
    assert person_sign_on(claims=claims) == dana  # and by its subject from then on
    assert User.objects.count() == 1
    # A deactivated (left) person is refused, however they are matched.
    from portal.people.directory import Actor, person_deprovision
    from portal.people.services import SignOnFailed

    person_deprovision(dana, actor=Actor(label="SCIM token tests"))
    with pytest.raises(SignOnFailed):
        person_sign_on(claims=claims)


@pytest.mark.django_db
def test_roles_from_directory_groups_survive_a_sign_on_without_them(role_groups: Any) -> None:
    from portal.models import DirectoryGroup
    from portal.people.directory import sync_mapped_access

    dana = _provisioned("dana@contoso.com", "oid-dana", "dana@contoso.com")
    group = DirectoryGroup.objects.create(display_name="AI reviewers", role=Role.REVIEWER)
    group.members.add(dana)
    sync_mapped_access([dana.pk])
    claims = SignOnClaims(issuer="https://idp.example", subject="oid-dana", groups=())
    user = person_sign_on(claims=claims)
    assert _roles(user) == {Role.REVIEWER.value}
