"""Settings validation: good values are read, every bad one stops start-up naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from portal.config import ConfigurationError, load_config

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k" * 20 + "0123456789abcdefghijklmnopqrstuvwxyz"


def test_embedded_default_needs_nothing_but_debug() -> None:
    config = load_config({"DEBUG": "true"})
    assert config.DATABASE_URL.startswith("sqlite:///")
    assert config.DATABASE_URL.endswith("var/portal.sqlite3")
    assert config.REDIS_URL is None
    assert config.https is False
    assert config.oidc_enabled is False


def test_full_stack_values_are_read() -> None:
    config = load_config(
        {
            "SECRET_KEY": STRONG_KEY,
            "DATABASE_URL": "postgres://portal:pw@db:5432/portal",
            "REDIS_URL": "redis://redis:6379/0",
            "ALLOWED_HOSTS": "portal.example.com, ai.example.com",
            "CSRF_TRUSTED_ORIGINS": "https://portal.example.com",
            "EMAIL_HOST": "smtp.example.com",
            "EMAIL_PORT": "25",
            "OIDC_ROLE_MAP": '{"ai-reviewers": "reviewer"}',
        }
    )
    assert config.ALLOWED_HOSTS == ["portal.example.com", "ai.example.com"]
    assert config.REDIS_URL == "redis://redis:6379/0"
    assert config.EMAIL_PORT == 25
    assert config.OIDC_ROLE_MAP == {"ai-reviewers": "reviewer"}
    assert config.https is True  # production defaults to HTTPS


@pytest.mark.parametrize(
    ("environ", "names", "says"),
    [
        ({"DATABASE_URL": "mysql://x@y/z"}, "DATABASE_URL", "postgres://"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL", "sqlite:///"),
        ({"DATABASE_URL": "postgres://user@host:5432"}, "DATABASE_URL", "names no database"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL", "redis://"),
        ({"EMAIL_PORT": "seventy"}, "EMAIL_PORT", "integer"),
        ({"EMAIL_PORT": "70000"}, "EMAIL_PORT", "65535"),
        ({"DEBUG": "perhaps"}, "DEBUG", "boolean"),
        ({"CSRF_TRUSTED_ORIGINS": "portal.example.com"}, "CSRF_TRUSTED_ORIGINS", "https://"),
        ({"OIDC_ROLE_MAP": "{not json"}, "OIDC_ROLE_MAP", "JSON"),
        ({"OIDC_ROLE_MAP": '{"g": "wizard"}'}, "OIDC_ROLE_MAP", "unknown roles"),
        ({"OIDC_RP_SIGN_ALGO": "none"}, "OIDC_RP_SIGN_ALGO", "RS256"),
        ({"OIDC_CLOCK_SKEW_SECONDS": "3600"}, "OIDC_CLOCK_SKEW_SECONDS", "600"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL", "one of"),
        ({"API_THROTTLE_USER": "lots"}, "API_THROTTLE_USER", "600/minute"),
    ],
)
def test_malformed_value_names_the_variable(environ: dict[str, str], names: str, says: str) -> None:
    with pytest.raises(ConfigurationError) as error:
        load_config({"DEBUG": "true", **environ})
    message = str(error.value)
    assert names in message
    assert says in message


def test_single_sign_on_needs_its_issuer_and_signing_keys() -> None:
    sso = {
        "DEBUG": "true",
        "OIDC_RP_CLIENT_ID": "portal",
        "OIDC_RP_CLIENT_SECRET": "secret",
        "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://idp.example.com/auth",
        "OIDC_OP_TOKEN_ENDPOINT": "https://idp.example.com/token",
        "OIDC_OP_USER_ENDPOINT": "https://idp.example.com/me",
    }
    with pytest.raises(ConfigurationError) as error:
        load_config(sso)
    assert "OIDC_OP_ISSUER, OIDC_OP_JWKS_ENDPOINT" in str(error.value)
    config = load_config(
        {
            **sso,
            "OIDC_OP_ISSUER": "https://idp.example.com",
            "OIDC_OP_JWKS_ENDPOINT": "https://idp.example.com/jwks",
        }
    )
    assert config.oidc_enabled
    assert config.OIDC_USE_PKCE is True  # on unless switched off
    assert config.OIDC_CLOCK_SKEW_SECONDS == 60


def test_production_refuses_to_start_without_secret_key() -> None:
    with pytest.raises(ConfigurationError, match="SECRET_KEY is required when DEBUG is off"):
        load_config({"DEBUG": "false"})


def test_production_refuses_a_weak_secret_key() -> None:
    with pytest.raises(ConfigurationError, match="SECRET_KEY is too weak"):
        load_config({"SECRET_KEY": "short"})


def test_single_sign_on_needs_all_its_endpoints() -> None:
    with pytest.raises(ConfigurationError) as error:
        load_config({"DEBUG": "true", "OIDC_RP_CLIENT_ID": "portal"})
    assert "OIDC_RP_CLIENT_SECRET" in str(error.value)
    assert "OIDC_OP_TOKEN_ENDPOINT" in str(error.value)


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "SECRET_KEY"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_start_up_with_a_wrong_database_url_stops_with_a_clear_message() -> None:
    result = _manage("check", DEBUG="true", DATABASE_URL="postgress//oops")
    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_start_up_without_production_secret_key_stops_with_a_clear_message() -> None:
    result = _manage("check", DEBUG="false")
    assert result.returncode == 2
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr


def test_unreachable_database_is_explained_by_preflight() -> None:
    result = _manage(
        "preflight", DEBUG="true", DATABASE_URL="postgres://postgres@127.0.0.1:1/portal"
    )
    assert result.returncode != 0
    assert "DATABASE_URL: cannot connect to the postgresql database at 127.0.0.1:1/portal" in (
        result.stderr
    )


def test_deploy_check_warns_of_the_test_suites_fast_password_hashing(settings) -> None:
    from portal.apps import fast_password_hashing_is_for_tests

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    assert fast_password_hashing_is_for_tests() == []
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    assert [warning.id for warning in fast_password_hashing_is_for_tests()] == ["portal.W001"]
