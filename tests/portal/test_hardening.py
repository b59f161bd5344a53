"""Hardening found by an outside attack (issue 21): each fix with a test that failed before it."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from django.test import Client

from portal.middleware import PERMISSIONS_POLICY
from portal.models import User
from tests.faults import WebProcess

PROXIED = {"X-Forwarded-Proto": "https"}


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str]]:
    opener = urllib.request.build_opener(_NoRedirects)
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310
    try:
        with opener.open(request, timeout=60) as reply:
            return reply.status, dict(reply.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


@pytest.fixture(scope="module")
def https_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebProcess]:
    """bin/web as production runs it behind a TLS proxy on the same machine."""
    web = WebProcess(tmp_path_factory.mktemp("web"), SECURE_HTTPS="true")
    web.start()
    try:
        yield web
    finally:
        web.stop()


def test_a_fresh_web_process_serves_the_schema_to_concurrent_first_requests(
    https_web: WebProcess,
) -> None:
    statuses: list[int] = []
    barrier = threading.Barrier(8)

    def fetch() -> None:
        barrier.wait()
        statuses.append(_get(f"{https_web.base_url}/api/schema/", PROXIED)[0])

    threads = [threading.Thread(target=fetch) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 8, https_web.log_tail()


def test_the_scheme_comes_from_the_proxy_only(https_web: WebProcess) -> None:
    # From the proxy's address (FORWARDED_ALLOW_IPS, 127.0.0.1 here) the header counts ...
    assert _get(f"{https_web.base_url}/accounts/login/", PROXIED)[0] == 200
    # ... a plain request is sent to HTTPS ...
    status, headers = _get(f"{https_web.base_url}/accounts/login/")
    assert status == 301 and headers["Location"].startswith("https://")


@pytest.mark.django_db
def test_django_itself_never_believes_a_clients_forwarded_proto(settings) -> None:
    settings.SECURE_SSL_REDIRECT = True
    assert not hasattr(settings, "SECURE_PROXY_SSL_HEADER") or not settings.SECURE_PROXY_SSL_HEADER
    response = Client().get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 301


@pytest.mark.django_db
def test_private_answers_are_not_stored_by_browsers(client: Client, admin_user: User) -> None:
    client.force_login(admin_user)
    for path in ("/", "/usecases/", "/api/v1/me/", "/compliance/", "/audit/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Cache-Control"] == "no-store", path
        assert response["Permissions-Policy"] == PERMISSIONS_POLICY
        assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_static_files_keep_their_own_cache_headers(client: Client) -> None:
    response = client.get("/static/portal/portal.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
