"""Bearer tokens: made, checked and revoked here only (:class:`portal.models.BearerToken`)."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from portal.audit import audit_record
from portal.boundary import Refused, require
from portal.models import BearerToken, User

# Written to ``last_used_at`` at most this often: a busy SCIM push is not a write per request.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)
_PREFIXES = {BearerToken.Kind.SCIM: "scim_", BearerToken.Kind.PERSONAL: "gap_"}


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _facts(token: BearerToken) -> dict[str, object]:
    return {
        "kind": token.kind,
        "name": token.name,
        "prefix": token.prefix,
        "owner": token.owner.get_username() if token.owner else None,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
    }


@transaction.atomic
def token_create(
    *,
    kind: BearerToken.Kind,
    name: str,
    by: User | None,
    owner: User | None = None,
    expires_at: datetime.datetime | None = None,
    actor_label: str = "",
) -> tuple[BearerToken, str]:
    """A new token and its secret, which is shown once and never stored (only its digest)."""
    if by is not None:  # the command line (by None) is the server's administrator
        if kind == BearerToken.Kind.SCIM:
            require(by, "portal.manage_scim_tokens", None, "Only administrators make SCIM tokens.")
        else:
            require(by, "portal.make_personal_token", None, "Sign in to make an API token.")
            if owner != by:
                raise Refused.forbidden("People make their own API tokens only.")
    if kind == BearerToken.Kind.PERSONAL and owner is None:
        raise Refused.invalid({"owner": "A personal API token belongs to a person."})
    if kind == BearerToken.Kind.SCIM:
        owner = None
    name = name.strip()
    if not name or len(name) > 100:
        raise Refused.invalid({"name": "Give the token a name of 1 to 100 characters."})
    if expires_at is not None and expires_at <= timezone.now():
        raise Refused.invalid({"expires_at": "Choose an expiry date in the future."})
    secret = _PREFIXES[kind] + secrets.token_urlsafe(32)
    token = BearerToken.objects.create(
        kind=kind,
        name=name,
        digest=_digest(secret),
        prefix=secret[:12],
        owner=owner,
        created_by=by,
        expires_at=expires_at,
    )
    audit_record(
        actor=by, actor_label=actor_label, action="token.created", obj=token, after=_facts(token)
    )
    return token, secret


def token_authenticate(kind: BearerToken.Kind, secret: str) -> BearerToken | None:
    """The live token of ``kind`` whose secret this is (not revoked, not expired), or None."""
    if not secret or len(secret) > 200:
        return None
    now = timezone.now()
    token = (
        BearerToken.objects.select_related("owner")
        .filter(kind=kind, digest=_digest(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or (token.expires_at is not None and token.expires_at <= now):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        BearerToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


@transaction.atomic
def token_revoke(*, token: BearerToken, by: User) -> BearerToken:
    """Revoke ``token`` now; it opens nothing from the next request on."""
    require(by, "portal.revoke_token", token, "This token is not yours to revoke.")
    locked = (
        BearerToken.objects.select_for_update(of=("self",)).select_related("owner").get(pk=token.pk)
    )
    if locked.revoked_at is not None:
        return locked
    before = _facts(locked)
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at"])
    audit_record(actor=by, action="token.revoked", obj=locked, before=before, after=_facts(locked))
    return locked
