"""The portal's configuration: one typed object read from the environment.

Every setting the portal reads from outside lives here, validated by pydantic. A malformed value
stops start-up with a :class:`ConfigurationError` whose message names the variable and says what
is wrong; ``portal/settings.py`` turns this object into Django settings.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

ROLE_KEYS = (
    "employee",
    "business_lead",
    "reviewer",
    "policy_author",
    "policy_approver",
    "admin",
)


# The id_token signatures single sign-on accepts; never "none".
SIGNING_ALGORITHMS = (
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
    "HS256", "HS384", "HS512",
)  # fmt: skip


class ConfigurationError(ImproperlyConfigured):
    """A setting from the environment is missing or malformed; the message says which and why."""


class PortalConfig(BaseSettings):
    """The environment variables the portal understands (see the README for each)."""

    # An empty variable counts as unset (compose files pass ``VAR: ${VAR:-}``).
    model_config = SettingsConfigDict(extra="ignore", case_sensitive=True, env_ignore_empty=True)

    DEBUG: bool = False
    SECRET_KEY: str = ""
    ALLOWED_HOSTS: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["127.0.0.1", "localhost", "[::1]"]
    )
    CSRF_TRUSTED_ORIGINS: Annotated[list[str], NoDecode] = Field(default_factory=list)
    DATABASE_URL: str = f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"
    DATABASE_CONN_MAX_AGE: int = Field(default=60, ge=0)
    REDIS_URL: str | None = None
    SECURE_HTTPS: bool | None = None
    SESSION_AGE_HOURS: int = Field(default=12, ge=1, le=24 * 30)
    TIME_ZONE: str = "Europe/Brussels"
    LOG_LEVEL: str = "INFO"

    EMAIL_HOST: str | None = None
    EMAIL_PORT: int = Field(default=587, ge=1, le=65535)
    EMAIL_HOST_USER: str = ""
    EMAIL_HOST_PASSWORD: str = ""
    EMAIL_USE_TLS: bool = True
    EMAIL_FILE_PATH: str | None = None
    DEFAULT_FROM_EMAIL: str = "AI portal <ai-portal@localhost>"
    PORTAL_BASE_URL: str = "http://127.0.0.1:8000"

    OIDC_RP_CLIENT_ID: str | None = None
    OIDC_RP_CLIENT_SECRET: str | None = None
    OIDC_OP_AUTHORIZATION_ENDPOINT: str | None = None
    OIDC_OP_TOKEN_ENDPOINT: str | None = None
    OIDC_OP_USER_ENDPOINT: str | None = None
    OIDC_OP_JWKS_ENDPOINT: str | None = None
    OIDC_RP_SIGN_ALGO: str = "RS256"
    OIDC_OP_ISSUER: str | None = None
    OIDC_OP_LOGOUT_ENDPOINT: str | None = None
    OIDC_USE_PKCE: bool = True
    OIDC_CLOCK_SKEW_SECONDS: int = Field(default=60, ge=0, le=600)
    OIDC_TIMEOUT_SECONDS: int = Field(default=10, ge=1, le=120)
    OIDC_GROUPS_CLAIM: str = "groups"
    OIDC_DEPARTMENT_CLAIM: str = "department"
    OIDC_EMAILS_VERIFIED: bool = False
    OIDC_ROLE_MAP: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict)

    AXES_FAILURE_LIMIT: int = Field(default=5, ge=1, le=100)
    AXES_COOLOFF_MINUTES: int = Field(default=15, ge=1)
    SIGN_IN_ADDRESS_FAILURE_LIMIT: int = Field(default=30, ge=1, le=100_000)
    API_THROTTLE_USER: str = "600/minute"
    API_THROTTLE_ANON: str = "60/minute"
    CELERY_TASK_TIME_LIMIT: int = Field(default=300, ge=1)
    POLICY_REMINDER_AFTER_DAYS: int = Field(default=7, ge=1, le=365)
    POLICY_REMINDER_INTERVAL_DAYS: int = Field(default=7, ge=1, le=365)
    # The test suite's own: its cast's passwords hashed with fast MD5 (check --deploy warns).
    TEST_FAST_PASSWORD_HASHING: bool = False

    @field_validator("ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("CSRF_TRUSTED_ORIGINS")
    @classmethod
    def _origins_have_scheme(cls, value: list[str]) -> list[str]:
        for origin in value:
            if not origin.startswith(("http://", "https://")):
                raise ValueError(f"{origin!r} must start with http:// or https://")
        return value

    @field_validator("DATABASE_URL")
    @classmethod
    def _database_url(cls, value: str) -> str:
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
            raise ValueError(
                "must look like sqlite:///path/to/file.sqlite3 or "
                "postgres://user:password@host:5432/name"
            )
        try:
            parsed = dj_database_url.parse(value)
        except (ValueError, KeyError) as exc:
            raise ValueError(f"cannot be read ({exc})") from exc
        if not parsed.get("NAME"):
            raise ValueError("names no database (add /name at the end)")
        return value

    @field_validator("REDIS_URL")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        if not value.startswith(("redis://", "rediss://")):
            raise ValueError("must look like redis://host:6379/0")
        return value

    @field_validator("OIDC_RP_SIGN_ALGO")
    @classmethod
    def _signing_algorithm(cls, value: str) -> str:
        if value not in SIGNING_ALGORITHMS:
            raise ValueError(f"must be one of {', '.join(SIGNING_ALGORITHMS)}")
        return value

    @field_validator("OIDC_ROLE_MAP", mode="before")
    @classmethod
    def _role_map(cls, value: Any) -> Any:
        if isinstance(value, str):
            if not value.strip():
                return {}
            try:
                value = json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError(
                    'must be JSON mapping group names to roles, e.g. {"ai-reviewers": "reviewer"}'
                ) from exc
        if not isinstance(value, dict):
            raise ValueError("must be a JSON object mapping group names to roles")
        unknown = sorted({role for role in value.values() if role not in ROLE_KEYS})
        if unknown:
            raise ValueError(f"names unknown roles {unknown}; roles are {list(ROLE_KEYS)}")
        return value

    @field_validator("LOG_LEVEL")
    @classmethod
    def _log_level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return value

    @field_validator("API_THROTTLE_USER", "API_THROTTLE_ANON")
    @classmethod
    def _throttle_rate(cls, value: str) -> str:
        count, _, period = value.partition("/")
        if not count.isdigit() or period not in {"second", "minute", "hour", "day"}:
            raise ValueError("must look like 600/minute (a number, then second|minute|hour|day)")
        return value

    @model_validator(mode="after")
    def _production_needs_secret(self) -> PortalConfig:
        if not self.DEBUG:
            if not self.SECRET_KEY:
                raise ValueError(
                    "SECRET_KEY is required when DEBUG is off: set SECRET_KEY to a long random "
                    'string (python -c "import secrets; print(secrets.token_urlsafe(50))"), '
                    "or set DEBUG=true for local development"
                )
            if len(self.SECRET_KEY) < 50 or len(set(self.SECRET_KEY)) < 5:
                raise ValueError(
                    "SECRET_KEY is too weak for production: use at least 50 random characters"
                )
        if self.OIDC_RP_CLIENT_ID:
            missing = [
                name
                for name in (
                    "OIDC_RP_CLIENT_SECRET",
                    "OIDC_OP_AUTHORIZATION_ENDPOINT",
                    "OIDC_OP_TOKEN_ENDPOINT",
                    "OIDC_OP_USER_ENDPOINT",
                    "OIDC_OP_ISSUER",
                    *(
                        ["OIDC_OP_JWKS_ENDPOINT"]
                        if self.OIDC_RP_SIGN_ALGO.startswith(("RS", "ES", "PS"))
                        else []
                    ),
                )
                if not getattr(self, name)
            ]
            if missing:
                raise ValueError(
                    "OIDC_RP_CLIENT_ID is set, so single sign-on also needs " + ", ".join(missing)
                )
        return self

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.OIDC_RP_CLIENT_ID)

    @property
    def https(self) -> bool:
        """Whether the portal is served over HTTPS (secure cookies, HSTS, redirect)."""
        return (not self.DEBUG) if self.SECURE_HTTPS is None else self.SECURE_HTTPS


def describe_validation_error(error: ValidationError) -> str:
    """One line per problem, each naming the environment variable and what is wrong."""
    lines = ["The portal's configuration is not valid:"]
    for problem in error.errors():
        location = ".".join(str(part) for part in problem.get("loc", ()) if part != "__root__")
        message = problem.get("msg", "is not valid").removeprefix("Value error, ")
        if location:
            lines.append(f"  - {location}: {message}")
        else:
            lines.append(f"  - {message}")
    return "\n".join(lines)


class _ConfigFromMapping(PortalConfig):
    """The same configuration, read from a given mapping only (never the process environment)."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def load_config(environ: dict[str, str] | None = None) -> PortalConfig:
    """Read and validate the configuration from ``environ`` (the process environment by default)."""
    try:
        if environ is None:
            return PortalConfig()
        values = {key: value for key, value in environ.items() if key in PortalConfig.model_fields}
        config: PortalConfig = _ConfigFromMapping(**values)  # type: ignore[arg-type]
        return config
    except ValidationError as exc:
        raise ConfigurationError(describe_validation_error(exc)) from None
