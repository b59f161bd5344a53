"""``Authorization: Bearer <token>``: a personal API token (made on one's profile) opens the
REST API as its owner. SCIM tokens open only ``/scim/v2/`` and are refused here."""

from __future__ import annotations

from typing import Any

from rest_framework import authentication, exceptions
from rest_framework.request import Request

from portal.models import BearerToken
from portal.tokens import token_authenticate


class PersonalTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, BearerToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() != self.keyword.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the token as: Authorization: Bearer <token>."
            )
        token = token_authenticate(BearerToken.Kind.PERSONAL, header[1])
        if token is None or token.owner is None:
            raise exceptions.AuthenticationFailed(
                "This token is not valid: it was revoked, it expired, or it is not a personal "
                "API token. Make a new one on your profile."
            )
        if not token.owner.is_active:
            raise exceptions.AuthenticationFailed("The owner of this token is deactivated.")
        return token.owner, token

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'
