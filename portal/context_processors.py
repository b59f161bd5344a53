from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from portal.navigation import navigation_for
from portal.roles import Role, roles_of


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None:
        return {}
    labels = dict(Role.choices)
    return {
        "nav": navigation_for(request),
        "my_roles": [labels[key] for key in roles_of(user)],
        "oidc_enabled": settings.OIDC_ENABLED,
    }
