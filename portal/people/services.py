"""Writes about people: the account single sign-on finds, links or creates, and keeps current."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from portal.audit import audit_record
from portal.models import Department, SingleSignOnIdentity, User
from portal.people.inputs import SignOnClaims
from portal.roles import Role

logger = logging.getLogger(__name__)

_NOT_IN_USERNAMES = re.compile(r"[^\w.@+-]")


class SignOnFailed(Exception):
    """Single sign-on did not complete. ``reason`` is for the log; ``message`` for the person."""

    GENERIC = (
        "The answer from your company's sign-in service could not be accepted. "
        "Try again; if it keeps happening, give the reference below to your administrator."
    )

    def __init__(self, reason: str, *, message: str = GENERIC, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message
        self.status = status


def roles_from_groups(groups: Iterable[str]) -> set[str]:
    """Map the provider's groups to role keys: through ``OIDC_ROLE_MAP``, or by a role's name."""
    role_map: dict[str, str] = settings.OIDC_ROLE_MAP
    valid = set(Role.values)
    roles = {role_map.get(group, group) for group in groups} & valid
    roles.discard(Role.EMPLOYEE.value)  # everyone who signs in is an employee
    return roles


def _email_is_verified(claims: SignOnClaims) -> bool:
    return bool(claims.email) and (claims.email_verified or settings.OIDC_EMAILS_VERIFIED)


def _free_username(claims: SignOnClaims) -> str:
    """The provider's username if no account has it yet, else that name with a number."""
    base = claims.preferred_username or claims.email.partition("@")[0] or f"sso-{claims.subject}"
    base = _NOT_IN_USERNAMES.sub("-", base)[:140].strip("-.") or "sso-user"
    taken = {
        name.lower()
        for name in User.objects.filter(username__istartswith=base).values_list(
            "username", flat=True
        )
    }
    candidate, number = base, 1
    while candidate.lower() in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def _department_named(value: str) -> Department | None:
    if not value:
        return None
    return Department.objects.filter(Q(name__iexact=value) | Q(slug__iexact=value)).first()


def _profile(user: User) -> dict[str, object]:
    return {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "department": user.department.name if user.department else None,
        "roles": sorted(user.groups.filter(name__in=Role.values).values_list("name", flat=True)),
    }


def _apply_claims(user: User, claims: SignOnClaims) -> None:
    """Bring the account's name, email, department and roles in line with the provider."""
    first, last = claims.first_and_last_name
    if first or last:
        user.first_name, user.last_name = first[:150], last[:150]
    if _email_is_verified(claims) and claims.email.lower() != user.email.lower():
        elsewhere = User.objects.filter(email__iexact=claims.email).exclude(pk=user.pk).exists()
        if elsewhere:
            logger.warning(
                "single sign-on: kept user %s's email: the provider's new address belongs to "
                "another account",
                user.pk,
            )
        else:
            user.email = claims.email[:254]
    department = _department_named(claims.department)
    if department is not None:
        user.department = department
    elif claims.department:
        logger.warning(
            "single sign-on: no department named %r (claim %s); user %s keeps theirs",
            claims.department,
            settings.OIDC_DEPARTMENT_CLAIM,
            user.pk,
        )
    # Roles come from the provider's groups and from the directory groups the person is in
    # (mapped by an administrator); one does not take away what the other gives.
    wanted = roles_from_groups(claims.groups) | set(
        user.directory_groups.exclude(role="").values_list("role", flat=True)
    )
    user.is_staff = Role.ADMIN.value in wanted
    user.save(update_fields=["first_name", "last_name", "email", "department", "is_staff"])
    managed = list(Group.objects.filter(name__in=Role.values))
    user.groups.remove(*[group for group in managed if group.name not in wanted])
    user.groups.add(*[group for group in managed if group.name in wanted])
    user.__dict__.pop("_group_names_cache", None)


def _link_or_create(claims: SignOnClaims) -> tuple[User, str]:
    """Find the account a first sign-in belongs to, or create it; link it to the subject: the
    one the directory provisioned with this person's id, else the one with their verified
    email (neither yet linked), else a new one."""
    user = None
    linked_by = SingleSignOnIdentity.LinkedBy.CREATED
    # Provisioned by the directory (SCIM, import): its externalId is the provider's subject
    # (Okta) or object ID (Entra ID). Only an account no provider account is linked to yet.
    directory_ids = [value for value in (claims.subject, claims.oid) if value]
    provisioned = list(
        User.objects.select_for_update(of=("self",))
        .filter(external_id__in=directory_ids, sso_identities__isnull=True)
        .order_by("pk")[:1]
    )
    if provisioned:
        user, linked_by = provisioned[0], SingleSignOnIdentity.LinkedBy.DIRECTORY
    elif _email_is_verified(claims):
        # Only to an account no provider account is linked to yet: a linked one is someone's.
        matches = list(
            User.objects.select_for_update(of=("self",))
            .filter(email__iexact=claims.email, sso_identities__isnull=True)
            .order_by("pk")[:2]
        )
        if len(matches) > 1:
            raise SignOnFailed(
                f"two accounts have the verified email of subject {claims.subject!r}",
                message=(
                    "More than one portal account has your email address, so the portal cannot "
                    "tell which is yours. Ask your administrator to merge them."
                ),
                status=409,
            )
        if matches:
            user, linked_by = matches[0], SingleSignOnIdentity.LinkedBy.VERIFIED_EMAIL
    elif claims.email and User.objects.filter(email__iexact=claims.email).exists():
        logger.warning(
            "single sign-on: subject %r has an unverified email that an account here has; "
            "not linked to it",
            claims.subject,
        )
    if user is None:
        user = User.objects.create_user(username=_free_username(claims))
    SingleSignOnIdentity.objects.create(
        user=user, issuer=claims.issuer, subject=claims.subject, linked_by=linked_by
    )
    return user, linked_by


def person_sign_on(*, claims: SignOnClaims) -> User:
    """The account of the person the provider vouches for, up to date with its claims.

    Found by the provider's subject; on a first sign-in linked to the one account not yet
    linked that has the same *verified* email, else created. A deactivated account is refused.
    Audited when an account is created or linked, and whenever the claims change it.
    """
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _sign_on(claims)
        except IntegrityError:
            # Two first sign-ins of one person at once: the other one linked; read its result.
            if attempt:
                raise
    raise AssertionError("unreachable")


def _sign_on(claims: SignOnClaims) -> User:
    identity = (
        SingleSignOnIdentity.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(issuer=claims.issuer, subject=claims.subject)
        .first()
    )
    before: dict[str, object] | None
    if identity is not None:
        user, linked_by, before = identity.user, None, _profile(identity.user)
    else:
        user, linked_by = _link_or_create(claims)
        before = None if linked_by == SingleSignOnIdentity.LinkedBy.CREATED else _profile(user)
        identity = user.sso_identities.get(issuer=claims.issuer)
    if not user.is_active:
        raise SignOnFailed(
            f"account {user.pk} of subject {claims.subject!r} is deactivated",
            message="Your portal account is deactivated. Ask your administrator if that is wrong.",
            status=403,
        )
    _apply_claims(user, claims)
    after = _profile(user)
    identity.last_sign_on_at = timezone.now()
    identity.save(update_fields=["last_sign_on_at"])
    if linked_by is not None:
        audit_record(
            actor=user,
            action="person.sso_created"
            if linked_by == SingleSignOnIdentity.LinkedBy.CREATED
            else "person.sso_linked",
            obj=user,
            before=before,
            after={**after, "issuer": claims.issuer, "subject": claims.subject},
        )
    elif before != after:
        audit_record(actor=user, action="person.sso_updated", obj=user, before=before, after=after)
    return user
