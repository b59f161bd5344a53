"""A real OpenID provider for the suite: panva's oidc-provider (npm), run with Node.js.

``tests/oidc_provider/provider.mjs`` starts it with the clients given here; bin/test installs
its npm packages. The browser's part of the flow is played by a ``requests`` session that
follows the provider's redirects and submits its own login and consent forms; the portal's part
by Django's test client. Everything between the portal and the provider (token, JWKS, userinfo)
goes over real HTTP.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from django.test import Client

from tests.services import missing_service

PROVIDER_DIR = Path(__file__).resolve().parent / "oidc_provider"
PORTAL = "http://testserver"
CLIENT_ID = "portal"
CLIENT_SECRET = "portal-test-secret-0123456789"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Forms(HTMLParser):
    """The forms of a page: action and the values of their inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            self.forms.append({"action": values.get("action") or "", "fields": {}})
        elif tag == "input" and self.forms and values.get("name"):
            self.forms[-1]["fields"][values["name"]] = values.get("value") or ""


@dataclass
class IdentityProvider:
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    browser: requests.Session = field(default_factory=requests.Session)

    @property
    def settings(self) -> dict[str, Any]:
        """The portal's settings for this provider (what an admin puts in the environment)."""
        return {
            "OIDC_ENABLED": True,
            "OIDC_RP_CLIENT_ID": CLIENT_ID,
            "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_OP_ISSUER": self.url,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.url}/auth",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.url}/token",
            "OIDC_OP_USER_ENDPOINT": f"{self.url}/me",
            "OIDC_OP_JWKS_ENDPOINT": f"{self.url}/jwks",
            "OIDC_OP_LOGOUT_ENDPOINT": f"{self.url}/session/end",
            "OIDC_RP_SIGN_ALGO": "RS256",
            "OIDC_USE_PKCE": True,
        }

    def register_client(self, portal_url: str) -> dict[str, str]:
        """A new client at the provider for a portal served at ``portal_url`` (RFC 7591)."""
        answer = requests.post(
            f"{self.url}/reg",
            json={
                "redirect_uris": [f"{portal_url}/oidc/callback/"],
                "post_logout_redirect_uris": [f"{portal_url}/accounts/login/"],
                "token_endpoint_auth_method": "client_secret_post",
                "grant_types": ["authorization_code"],
                "response_types": ["code"],
            },
            timeout=5,
        )
        answer.raise_for_status()
        registered = answer.json()
        return {
            "OIDC_RP_CLIENT_ID": registered["client_id"],
            "OIDC_RP_CLIENT_SECRET": registered["client_secret"],
        }

    def people(self, accounts: dict[str, dict[str, Any]]) -> None:
        """Who can sign in at the provider: subject (also the login name there) → claims."""
        requests.put(f"{self.url}/_test/accounts", json=accounts, timeout=5).raise_for_status()

    def forge(self, mode: str | None) -> None:
        """Alter the id_token of the next token answers (see provider.mjs), or stop (None)."""
        body = {"id_token": mode} if mode else {}
        requests.put(f"{self.url}/_test/forgery", json=body, timeout=5).raise_for_status()

    def reset(self) -> None:
        self.people({})
        self.forge(None)
        self.browser = requests.Session()

    def sign_on(self, client: Client, login: str, *, start: str = "/oidc/authenticate/") -> Any:
        """Sign ``login`` on through the provider's pages; the portal's last answer."""
        response = client.get(start)
        assert response.status_code == 302, response
        location = response["Location"]
        for _ in range(20):
            if location.startswith(PORTAL):
                parts = urlsplit(location)
                return client.get(f"{parts.path}?{parts.query}")
            answer = self.browser.get(location, allow_redirects=False, timeout=10)
            while answer.status_code in (302, 303) and not answer.headers["Location"].startswith(
                PORTAL
            ):
                answer = self.browser.get(
                    urljoin(answer.url, answer.headers["Location"]),
                    allow_redirects=False,
                    timeout=10,
                )
            if answer.status_code in (302, 303):
                location = answer.headers["Location"]
                continue
            assert answer.status_code == 200, (answer.status_code, answer.text[:500])
            location = self._submit(answer, login)
        raise AssertionError("the sign-in went round in circles")

    def _submit(self, page: requests.Response, login: str) -> str:
        """Fill in the provider's login or consent form; where it sends the browser next."""
        parser = _Forms()
        parser.feed(page.text)
        assert parser.forms, f"no form on the provider's page: {page.text[:500]}"
        form = parser.forms[0]
        fields = dict(form["fields"])
        if fields.get("prompt") == "login":
            fields.update(login=login, password="any")
        answer = self.browser.post(
            urljoin(page.url, form["action"]), data=fields, allow_redirects=False, timeout=10
        )
        assert answer.status_code in (302, 303), (answer.status_code, answer.text[:500])
        return urljoin(answer.url, answer.headers["Location"])

    def follow(self, location: str) -> requests.Response:
        """Follow the provider's pages from ``location`` (e.g. its end-session page) as a browser
        would, confirming its form, until it sends the browser back to the portal."""
        answer = self.browser.get(location, allow_redirects=False, timeout=10)
        for _ in range(10):
            if answer.status_code in (302, 303):
                target = urljoin(answer.url, answer.headers["Location"])
                if target.startswith(PORTAL):
                    return answer
                answer = self.browser.get(target, allow_redirects=False, timeout=10)
                continue
            parser = _Forms()
            parser.feed(answer.text)
            assert parser.forms, f"no form on the provider's page: {answer.text[:500]}"
            form = parser.forms[0]
            answer = self.browser.post(
                urljoin(answer.url, form["action"]),
                data={**form["fields"], "logout": "yes"},
                allow_redirects=False,
                timeout=10,
            )
        raise AssertionError("the provider's pages went round in circles")


@pytest.fixture(scope="session")
def identity_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IdentityProvider]:
    node = shutil.which("node")
    if node is None:
        missing_service("Node.js is not installed (apt-get install nodejs npm)")
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        missing_service("the test provider's npm packages are missing (bin/test installs them)")
    assert node is not None
    folder = tmp_path_factory.mktemp("oidc-provider")
    port = _free_port()
    client = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": [f"{PORTAL}/oidc/callback/"],
        "post_logout_redirect_uris": [f"{PORTAL}/accounts/login/"],
        "token_endpoint_auth_method": "client_secret_post",
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
    }
    another = {**client, "client_id": "another-app", "client_secret": "another-secret-0123456789"}
    config = folder / "config.json"
    config.write_text(json.dumps({"clients": [client, another], "pkce_required": True}))
    log = folder / "provider.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [node, str(PROVIDER_DIR / "provider.mjs"), str(port), str(config)],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(f"{url}/.well-known/openid-configuration", timeout=1).ok:
                break
        except requests.RequestException:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the test OpenID provider did not start: {log.read_text()[-2000:]}")
        time.sleep(0.2)
    try:
        yield IdentityProvider(url=url, process=process, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
