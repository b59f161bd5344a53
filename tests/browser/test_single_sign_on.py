"""Single sign-on in Chromium, against the suite's real OpenID provider, there and back."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as django_settings

from portal.roles import Role
from tests.browser_fixtures import PageProblems
from tests.identity_provider import IdentityProvider


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_sign_on_and_sign_out_at_the_provider_in_the_browser(
    page: Any,
    page_problems: PageProblems,
    live_server: Any,
    identity_provider: IdentityProvider,
    settings: Any,
    role_groups: Any,
) -> None:
    for name, value in identity_provider.settings.items():
        setattr(settings, name, value)
    for name, value in identity_provider.register_client(live_server.url).items():
        setattr(settings, name, value)
    settings.AUTHENTICATION_BACKENDS = [
        *django_settings.AUTHENTICATION_BACKENDS,
        "portal.people.oidc.PortalOIDCBackend",
    ]
    # The provider's pages are reached by forms (sign-in link aside): as the settings allow
    # when single sign-on is configured from the environment.
    policy = settings.CONTENT_SECURITY_POLICY
    directives = {**policy["DIRECTIVES"], "form-action": ["'self'", identity_provider.url]}
    settings.CONTENT_SECURITY_POLICY = {**policy, "DIRECTIVES": directives}
    identity_provider.reset()
    identity_provider.people(
        {
            "sub-ria": {
                "email": "ria.chen@example.com",
                "email_verified": True,
                "given_name": "Ria",
                "family_name": "Chen",
                "groups": [Role.REVIEWER.value],
            }
        }
    )

    page.goto("/accounts/login/")
    page.get_by_role("link", name="Sign in with your company account").click()
    page.wait_for_url(f"{identity_provider.url}/**")
    page.locator("input[name=login]").fill("sub-ria")
    page.locator("input[name=password]").fill("anything")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()  # the provider's consent
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", name="Hello, Ria").is_visible()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{identity_provider.url}/session/end**")
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")

    # Signed out at the provider too: the company account asks for the login again.
    page.get_by_role("link", name="Sign in with your company account").click()
    page.wait_for_url(f"{identity_provider.url}/**")
    assert page.locator("input[name=login]").is_visible()
    # Only the portal's pages are held to the portal's standard (the provider's development
    # pages load a web font this machine cannot reach).
    portal_errors = [e for e in page_problems.console_errors if "Content Security Policy" in e]
    assert portal_errors == []
    assert page_problems.page_errors == []
