"""Single sign-on with OpenID Connect: the identity provider's group claim decides the roles."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from portal.models import User
from portal.roles import Role, WithoutModelPermissions


def roles_from_claims(claims: dict[str, Any]) -> set[str]:
    """Map the group claim to role keys: through ``OIDC_ROLE_MAP``, or by a role's own name."""
    raw = claims.get(settings.OIDC_GROUPS_CLAIM) or []
    if isinstance(raw, str):
        raw = [raw]
    role_map: dict[str, str] = settings.OIDC_ROLE_MAP
    valid = set(Role.values)
    roles = set()
    for group in raw:
        role = role_map.get(str(group), str(group))
        if role in valid:
            roles.add(role)
    roles.discard(Role.EMPLOYEE.value)  # everyone who signs in is an employee
    return roles


@transaction.atomic
def apply_claims(user: User, claims: dict[str, Any]) -> User:
    """Bring a user's name, email and roles in line with the identity provider's claims."""
    user.first_name = str(claims.get("given_name", user.first_name))[:150]
    user.last_name = str(claims.get("family_name", user.last_name))[:150]
    user.email = str(claims.get("email", user.email))[:254]
    wanted = roles_from_claims(claims)
    user.is_staff = Role.ADMIN.value in wanted
    user.save(update_fields=["first_name", "last_name", "email", "is_staff"])
    managed = Group.objects.filter(name__in=Role.values)
    user.groups.remove(*[group for group in managed if group.name not in wanted])
    user.groups.add(*[group for group in managed if group.name in wanted])
    return user


class PortalOIDCBackend(WithoutModelPermissions, OIDCAuthenticationBackend):
    def create_user(self, claims: dict[str, Any]) -> User:
        username = str(claims.get("preferred_username") or claims.get("email") or claims["sub"])
        user = User.objects.create_user(username=username[:150], email=claims.get("email", ""))
        return apply_claims(user, claims)

    def update_user(self, user: User, claims: dict[str, Any]) -> User:
        return apply_claims(user, claims)
