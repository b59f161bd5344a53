"""Single sign-on with OpenID Connect: the authorisation code flow, checked as the spec asks.

`mozilla-django-oidc` runs the flow (state, nonce, PKCE, the token request); this backend adds
what a security review asks of a relying party and the library leaves out (OpenID Connect Core
3.1.3.7): the id_token's signature *and* its ``iss``, ``aud``/``azp``, ``exp`` and ``iat`` (with
``OIDC_CLOCK_SKEW_SECONDS`` of leeway), a userinfo answer about the same ``sub``, and accounts
found by the provider's subject rather than by email (``people.services.person_sign_on``).
Every problem becomes a :class:`SignOnFailed` with its reason, never a server error.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import jwt
import requests
from django.conf import settings
from django.http import HttpRequest
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from pydantic import ValidationError

from portal.models import User
from portal.people.inputs import SignOnClaims
from portal.people.services import SignOnFailed, person_sign_on
from portal.roles import WithoutModelPermissions

logger = logging.getLogger(__name__)

_UNREACHABLE = (
    "Your company's sign-in service did not answer the portal. Try again in a moment; if it "
    "keeps happening, give the reference below to your administrator."
)


def _provider_error(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}: {response.text[:200]!r}"
    if isinstance(body, dict) and body.get("error"):
        return (
            f"HTTP {response.status_code}: {body.get('error')}: {body.get('error_description', '')}"
        )
    return f"HTTP {response.status_code}"


class PortalOIDCBackend(WithoutModelPermissions, OIDCAuthenticationBackend):
    """Signs a person in from the provider's answer; used only by the callback view."""

    id_token: str | None = None

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:
        # Only the callback view signs people on (it passes ``sso_callback``), so a password
        # sign-in whose URL happens to carry ``code`` and ``state`` never reaches the provider.
        if request is None or not kwargs.pop("sso_callback", False):
            return None
        return super().authenticate(request, **kwargs)

    # --- the provider's answers --------------------------------------------------------------

    def get_token(self, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            response = requests.post(
                self.OIDC_OP_TOKEN_ENDPOINT,
                data=payload,
                verify=self.get_settings("OIDC_VERIFY_SSL", True),
                timeout=self.get_settings("OIDC_TIMEOUT", 10),
            )
        except requests.RequestException as exc:
            raise SignOnFailed(
                f"token endpoint unreachable: {exc}", message=_UNREACHABLE, status=502
            ) from exc
        if response.status_code != 200:
            raise SignOnFailed(
                f"token endpoint refused the code: {_provider_error(response)}", status=502
            )
        try:
            answer = response.json()
        except ValueError as exc:
            raise SignOnFailed("token endpoint answered something that is not JSON") from exc
        if not isinstance(answer, dict) or not isinstance(answer.get("id_token"), str):
            raise SignOnFailed("token endpoint's answer has no id_token")
        return answer

    def retrieve_matching_jwk(self, token: str) -> jwt.PyJWK:
        try:
            response = requests.get(
                self.OIDC_OP_JWKS_ENDPOINT,
                verify=self.get_settings("OIDC_VERIFY_SSL", True),
                timeout=self.get_settings("OIDC_TIMEOUT", 10),
            )
            response.raise_for_status()
            keys = response.json()["keys"]
        except requests.RequestException as exc:
            raise SignOnFailed(
                f"JWKS endpoint unreachable: {exc}", message=_UNREACHABLE, status=502
            ) from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise SignOnFailed("JWKS endpoint's answer has no keys") from exc
        header = jwt.get_unverified_header(token)
        for key in keys:
            if not isinstance(key, dict) or key.get("use", "sig") != "sig":
                continue
            if header.get("kid") is not None and key.get("kid") != header.get("kid"):
                continue
            if key.get("alg", header.get("alg")) != header.get("alg"):
                continue
            try:
                return jwt.PyJWK(key)
            except jwt.PyJWKError as exc:
                raise SignOnFailed(f"the provider's signing key cannot be read: {exc}") from exc
        raise SignOnFailed(f"no signing key at the provider has kid {header.get('kid')!r}")

    def verify_token(self, token: Any, **kwargs: Any) -> dict[str, Any]:
        """The id_token's claims, once its signature and every claim the spec names check out."""
        if not isinstance(token, str) or token.count(".") != 2:
            raise SignOnFailed("the id_token is not a JWT")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise SignOnFailed(f"the id_token is not a JWT: {exc}") from exc
        algorithm = self.OIDC_RP_SIGN_ALGO
        if header.get("alg") != algorithm:
            raise SignOnFailed(
                f"the id_token is signed with {header.get('alg')!r}; the portal accepts {algorithm}"
            )
        key: Any = (
            self.OIDC_RP_CLIENT_SECRET
            if algorithm.startswith("HS")
            else (self.OIDC_RP_IDP_SIGN_KEY or self.retrieve_matching_jwk(token))
        )
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.OIDC_OP_ISSUER,
                leeway=settings.OIDC_CLOCK_SKEW_SECONDS,
                options={"require": ["iss", "sub", "aud", "exp", "iat"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise SignOnFailed("the id_token has expired") from exc
        except jwt.ImmatureSignatureError as exc:
            raise SignOnFailed(
                "the id_token is dated in the future, beyond the allowed clock skew "
                f"({settings.OIDC_CLOCK_SKEW_SECONDS} s)"
            ) from exc
        except jwt.InvalidAudienceError as exc:
            raise SignOnFailed("the id_token was issued for another client (aud)") from exc
        except jwt.InvalidIssuerError as exc:
            raise SignOnFailed("the id_token comes from another issuer (iss)") from exc
        except jwt.MissingRequiredClaimError as exc:
            raise SignOnFailed(f"the id_token has no {exc.claim} claim") from exc
        except jwt.InvalidSignatureError as exc:
            raise SignOnFailed("the id_token's signature does not verify") from exc
        except jwt.InvalidTokenError as exc:
            raise SignOnFailed(f"the id_token is not valid: {exc}") from exc
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        authorised = claims.get("azp")
        if (len(audiences) > 1 or authorised is not None) and authorised != self.OIDC_RP_CLIENT_ID:
            raise SignOnFailed("the id_token is not authorised for this client (azp)")
        if self.get_settings("OIDC_USE_NONCE", True) and claims.get("nonce") != kwargs.get("nonce"):
            raise SignOnFailed("the id_token's nonce is not the one this sign-in sent")
        return claims

    def get_userinfo(
        self, access_token: str, id_token: str, payload: dict[str, Any]
    ) -> dict[str, Any]:
        """The id_token's claims completed by the userinfo endpoint's, about the same subject."""
        try:
            response = requests.get(
                self.OIDC_OP_USER_ENDPOINT,
                headers={"Authorization": f"Bearer {access_token}"},
                verify=self.get_settings("OIDC_VERIFY_SSL", True),
                timeout=self.get_settings("OIDC_TIMEOUT", 10),
            )
        except requests.RequestException as exc:
            raise SignOnFailed(
                f"userinfo endpoint unreachable: {exc}", message=_UNREACHABLE, status=502
            ) from exc
        if response.status_code != 200:
            raise SignOnFailed(
                f"userinfo endpoint refused: {_provider_error(response)}", status=502
            )
        if response.headers.get("content-type", "").lower().startswith("application/jwt"):
            userinfo = self.verify_token(response.text, nonce=payload.get("nonce"))
        else:
            try:
                userinfo = response.json()
            except ValueError as exc:
                raise SignOnFailed("userinfo endpoint answered something that is not JSON") from exc
        if not isinstance(userinfo, dict) or userinfo.get("sub") != payload["sub"]:
            raise SignOnFailed("the userinfo endpoint answered about another subject")
        # The id_token's claims stay (Entra ID puts the groups only there); userinfo completes them.
        return {**payload, **userinfo, "iss": payload["iss"], "sub": payload["sub"]}

    def store_tokens(self, access_token: str, id_token: str) -> None:
        # Kept for sign-out at the provider; the view stores it once the session is the person's.
        self.id_token = id_token

    # --- the account -------------------------------------------------------------------------

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> User:
        merged = self.get_userinfo(access_token, id_token, payload)
        try:
            claims = SignOnClaims.from_provider(
                merged,
                groups_claim=settings.OIDC_GROUPS_CLAIM,
                department_claim=settings.OIDC_DEPARTMENT_CLAIM,
            )
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
                for error in exc.errors()
            )
            raise SignOnFailed(f"the provider's claims cannot be read: {problems}") from exc
        logger.info(
            "single sign-on claims for subject %s: %s",
            claims.subject,
            json.dumps(sorted(merged)),
        )
        return person_sign_on(claims=claims)
