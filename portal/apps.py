from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks


def fast_password_hashing_is_for_tests(**kwargs: Any) -> list[checks.CheckMessage]:
    if settings.PASSWORD_HASHERS[0].endswith("MD5PasswordHasher"):
        return [
            checks.Warning(
                "Passwords are hashed with MD5 (TEST_FAST_PASSWORD_HASHING): for the test suite "
                "only; unset it in production.",
                id="portal.W001",
            )
        ]
    return []


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        checks.register(fast_password_hashing_is_for_tests, checks.Tags.security, deploy=True)
        from portal.api import schema  # noqa: F401  (registers the bearer token's schema extension)
