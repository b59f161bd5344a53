"""Writes about people that come from the company's directory: SCIM, the CSV import and the
people pages share these, so that each change is checked and audited the same way.

Who did it is a person (``by``) or, for SCIM, a token (``by_label``, e.g. ``"SCIM token Entra"``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from django.contrib.auth.models import Group
from django.db import IntegrityError, connection, transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.text import slugify

from portal.audit import audit_record
from portal.boundary import Refused, require
from portal.models import Department, DirectoryGroup, User
from portal.roles import Role
from portal.signals import person_moved


@dataclass(frozen=True)
class Actor:
    """Who writes: a person, or a program named by its label (a SCIM token)."""

    user: User | None = None
    label: str = ""

    def audit(self, **kwargs: Any) -> None:
        audit_record(actor=self.user, actor_label=self.label, **kwargs)


@dataclass
class PersonFacts:
    """What the directory says about one person. ``None`` for department or manager: none."""

    user_name: str
    external_id: str = ""
    given_name: str = ""
    family_name: str = ""
    display_name: str = ""
    email: str = ""
    active: bool = True
    department: str | None = None
    employee_number: str = ""
    manager_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def person_profile(user: User) -> dict[str, Any]:
    """The facts about a person that the audit log's before and after show."""
    return {
        "username": user.username,
        "external_id": user.external_id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "display_name": user.directory_name,
        "email": user.email,
        "active": user.is_active,
        "department": user.department.name if user.department_id and user.department else None,
        "employee_number": user.employee_number,
        "manager": user.manager_id,
        "deprovisioned": user.deprovisioned_at is not None,
    }


def _lock(kind: str, value: str) -> None:
    """Serialise writers of one ``value`` (two POSTs of one userName at once) until commit."""
    key = int.from_bytes(hashlib.sha256(f"{kind}:{value.lower()}".encode()).digest()[:8], "big")
    key -= 1 << 63  # pg_advisory_xact_lock takes a signed 64-bit key
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def department_for(name: str | None, *, actor: Actor, create: bool = True) -> Department | None:
    """The department of that name (or slug), created (and audited) when ``create``."""
    if not name or not name.strip():
        return None
    name = name.strip()[:120]
    found = Department.objects.filter(Q(name__iexact=name) | Q(slug__iexact=slugify(name))).first()
    if found is not None or not create:
        if found is None:
            raise Refused.invalid({"department": f"There is no department named “{name}”."})
        return found
    _lock("department", name)
    slug = slugify(name)[:120] or "department"
    department, created = Department.objects.get_or_create(slug=slug, defaults={"name": name})
    if created:
        actor.audit(action="department.created", obj=department, after={"name": name})
    return department


def _check_unique(user: User | None, facts: PersonFacts) -> None:
    """Refuse (conflict) when another person has the userName, externalId or employee number:
    one query (the partial unique indexes and ``user_username_upper`` answer it)."""
    others = User.objects.exclude(pk=user.pk) if user is not None else User.objects.all()
    clash = Q(username__iexact=facts.user_name)
    if facts.external_id:
        clash |= Q(external_id=facts.external_id)
    if facts.employee_number:
        clash |= Q(employee_number=facts.employee_number)
    found = list(others.filter(clash).values_list("username", "external_id")[:3])
    for username, _ in found:
        if username.lower() == facts.user_name.lower():
            raise Refused.conflict(f"Another person already has the userName “{facts.user_name}”.")
    for _, external_id in found:
        if facts.external_id and external_id == facts.external_id:
            raise Refused.conflict(
                f"Another person already has the externalId “{facts.external_id}”."
            )
    if found:
        raise Refused.conflict(
            f"Another person already has the employee number “{facts.employee_number}”."
        )


def _validate(facts: PersonFacts, user: User | None) -> None:
    problems: dict[str, str] = {}
    if not facts.user_name.strip() or len(facts.user_name) > 150:
        problems["userName"] = "Give a userName of 1 to 150 characters."
    if len(facts.given_name) > 150 or len(facts.family_name) > 150:
        problems["name"] = "A given or family name is at most 150 characters."
    if len(facts.email) > 254:
        problems["emails"] = "An email address is at most 254 characters."
    if len(facts.external_id) > 255 or len(facts.employee_number) > 64:
        problems["externalId"] = "externalId is at most 255, employeeNumber 64 characters."
    if facts.manager_id is not None:
        if user is not None and facts.manager_id == user.pk:
            problems["manager"] = "A person cannot be their own manager."
        elif not User.objects.filter(pk=facts.manager_id, deprovisioned_at__isnull=True).exists():
            problems["manager"] = f"There is no person with id “{facts.manager_id}” to be manager."
    if problems:
        raise Refused.invalid(problems)


def _moved(user: User, department_before: int | None, active_before: bool) -> None:
    if department_before != user.department_id or active_before != user.is_active:
        person_moved.send(
            sender=User,
            user=user,
            department_before=department_before,
            department_after=user.department_id,
            active_before=active_before,
            active_after=user.is_active,
        )


def _assign(user: User, facts: PersonFacts, actor: Actor, *, create_departments: bool) -> None:
    user.username = facts.user_name.strip()
    user.external_id = facts.external_id
    user.first_name = facts.given_name
    user.last_name = facts.family_name
    user.directory_name = facts.display_name[:255]
    user.email = facts.email
    user.is_active = facts.active
    user.employee_number = facts.employee_number
    user.manager_id = facts.manager_id
    user.department = department_for(facts.department, actor=actor, create=create_departments)


@transaction.atomic
def person_provision(
    facts: PersonFacts, *, actor: Actor, create_departments: bool = True
) -> tuple[User, bool]:
    """Create the person the directory sends, or take back one it deleted (same userName).

    Refused ``conflict`` when another person has the userName, externalId or employee number;
    ``invalid`` for bad values. Two calls for one userName at once make one account.
    """
    _lock("user", facts.user_name.strip())
    _validate(facts, None)
    returning = User.objects.filter(
        username__iexact=facts.user_name.strip(), deprovisioned_at__isnull=False
    ).first()
    if returning is not None:
        return person_update(
            returning, facts, actor=actor, create_departments=create_departments
        ), False
    _check_unique(None, facts)
    user = User(provisioned_at=timezone.now())
    _assign(user, facts, actor, create_departments=create_departments)
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        raise Refused.conflict(
            "Another person already has this userName, externalId or employee number."
        ) from error
    actor.audit(action="person.provisioned", obj=user, after=person_profile(user))
    # A new person has no acknowledgement to move in the tally: no person_moved to send.
    return user, True


@transaction.atomic
def person_update(
    user: User, facts: PersonFacts, *, actor: Actor, create_departments: bool = True
) -> User:
    """Bring ``user`` in line with ``facts`` (every field: a SCIM PUT, a PATCH's result, a CSV
    row). Audited with before and after when anything changed."""
    user = User.objects.select_for_update(of=("self",)).select_related("department").get(pk=user.pk)
    _lock("user", facts.user_name.strip())
    _validate(facts, user)
    _check_unique(user, facts)
    before = person_profile(user)
    department_before, active_before = user.department_id, user.is_active
    if user.deprovisioned_at is not None:
        user.deprovisioned_at = None  # sent again by the directory: back
    _assign(user, facts, actor, create_departments=create_departments)
    after = person_profile(user)
    if after != before:
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError as error:
            raise Refused.conflict(
                "Another person already has this userName, externalId or employee number."
            ) from error
        actor.audit(action="person.updated", obj=user, before=before, after=after)
        _moved(user, department_before, active_before)
    return user


@transaction.atomic
def person_deprovision(user: User, *, actor: Actor) -> User:
    """A SCIM DELETE: the person leaves (cannot sign in, owes nothing) and is gone from the
    directory's view; the account and every past record stay."""
    user = User.objects.select_for_update(of=("self",)).select_related("department").get(pk=user.pk)
    if user.deprovisioned_at is not None:
        return user
    before = person_profile(user)
    active_before = user.is_active
    user.is_active = False
    user.deprovisioned_at = timezone.now()
    user.save(update_fields=["is_active", "deprovisioned_at", "updated_at"])
    user.directory_groups.clear()
    actor.audit(action="person.deprovisioned", obj=user, before=before, after=person_profile(user))
    _moved(user, user.department_id, active_before)
    return user


# --- Directory groups -------------------------------------------------------------------------


def group_profile(group: DirectoryGroup) -> dict[str, Any]:
    return {
        "display_name": group.display_name,
        "external_id": group.external_id,
        "role": group.role or None,
        "department": group.department.name if group.department_id and group.department else None,
        "members": sorted(group.members.values_list("pk", flat=True)),
    }


def _role_groups() -> dict[str, Group]:
    return {group.name: group for group in Group.objects.filter(name__in=Role.values)}


def sync_mapped_access(users: list[int], *, unmapped: Iterable[str] = ()) -> None:
    """Give ``users`` the roles and department their directory groups map to, and take away
    the mapped roles of groups they left (roles given by hand, not mapped, stay). ``unmapped``:
    roles a group stood for until now, to take away too."""
    if not users:
        return
    mapped_roles = (
        set(DirectoryGroup.objects.exclude(role="").values_list("role", flat=True)) | set(unmapped)
    ) & set(Role.values)
    roles = _role_groups()
    held: dict[int, set[str]] = {pk: set() for pk in users}
    departments: dict[int, int] = {}
    for user_id, role, department_id in DirectoryGroup.members.through.objects.filter(
        user_id__in=users
    ).values_list("user_id", "directorygroup__role", "directorygroup__department_id"):
        if role:
            held[user_id].add(role)
        if department_id:
            departments[user_id] = department_id
    through = User.groups.through
    for role in mapped_roles - {Role.EMPLOYEE.value}:
        group = roles.get(role)
        if group is None:
            continue
        give = [pk for pk in users if role in held[pk]]
        take = [pk for pk in users if role not in held[pk]]
        through.objects.filter(group=group, user_id__in=take).delete()
        have = set(
            through.objects.filter(group=group, user_id__in=give).values_list("user_id", flat=True)
        )
        through.objects.bulk_create(
            [through(group=group, user_id=pk) for pk in give if pk not in have]
        )
        User.objects.filter(pk__in=give if role == Role.ADMIN else []).update(is_staff=True)
    for user in User.objects.select_for_update(of=("self",)).filter(pk__in=list(departments)):
        if user.department_id != departments[user.pk]:
            before = user.department_id
            user.department_id = departments[user.pk]
            user.save(update_fields=["department", "updated_at"])
            _moved(user, before, user.is_active)


@transaction.atomic
def group_save(
    group: DirectoryGroup | None,
    *,
    display_name: str,
    external_id: str,
    member_ids: list[int],
    actor: Actor,
) -> tuple[DirectoryGroup, bool]:
    """Create or replace a directory group (its name and members); the mapping stays."""
    display_name = display_name.strip()
    if not display_name or len(display_name) > 255:
        raise Refused.invalid({"displayName": "Give a displayName of 1 to 255 characters."})
    _lock("group", display_name)
    others = (
        DirectoryGroup.objects.all()
        if group is None
        else DirectoryGroup.objects.exclude(pk=group.pk)
    )
    if others.filter(display_name__iexact=display_name).exists():
        raise Refused.conflict(f"Another group already has the displayName “{display_name}”.")
    members = set(member_ids)
    found = set(
        User.objects.filter(pk__in=members, deprovisioned_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    if members - found:
        missing = ", ".join(str(pk) for pk in sorted(members - found))
        raise Refused.invalid({"members": f"There is no person with id {missing}."})
    created = group is None
    if group is None:
        group = DirectoryGroup(display_name=display_name, external_id=external_id)
        before = None
        old_members: set[int] = set()
    else:
        group = DirectoryGroup.objects.select_for_update().get(pk=group.pk)
        before = group_profile(group)
        old_members = set(group.members.values_list("pk", flat=True))
    group.display_name, group.external_id = display_name, external_id[:255]
    group.save()
    group.members.set(list(found))
    after = group_profile(group)
    if after != before:
        actor.audit(
            action="directory_group.created" if created else "directory_group.updated",
            obj=group,
            before=before,
            after=after,
        )
    sync_mapped_access(sorted(old_members | found))
    return group, created


@transaction.atomic
def group_delete(group: DirectoryGroup, *, actor: Actor) -> None:
    group = DirectoryGroup.objects.select_for_update().get(pk=group.pk)
    before = group_profile(group)
    members = list(group.members.values_list("pk", flat=True))
    actor.audit(action="directory_group.deleted", obj=group, before=before)
    group.delete()
    sync_mapped_access(members, unmapped=[before["role"]] if before["role"] else [])


@transaction.atomic
def group_map(
    group: DirectoryGroup, *, role: str, department: Department | None, by: User
) -> DirectoryGroup:
    """An administrator maps a directory group to a role or a department (or neither)."""
    require(by, "portal.manage_people", None, "Only administrators map directory groups.")
    if role and role not in Role.values:
        raise Refused.invalid({"role": f"“{role}” is not a role."})
    if role and department is not None:
        raise Refused.invalid({"": "Map a group to a role or to a department, not both."})
    group = DirectoryGroup.objects.select_for_update().get(pk=group.pk)
    before = group_profile(group)
    group.role, group.department = role, department
    group.save(update_fields=["role", "department", "updated_at"])
    audit_record(
        actor=by,
        action="directory_group.mapped",
        obj=group,
        before=before,
        after=group_profile(group),
    )
    sync_mapped_access(
        list(group.members.values_list("pk", flat=True)),
        unmapped=[before["role"]] if before["role"] else [],
    )
    return group


# --- The people pages' writes (an administrator) ----------------------------------------------


def _admin(by: User) -> Actor:
    require(by, "portal.manage_people", None, "Only administrators manage people.")
    return Actor(user=by)


@transaction.atomic
def person_roles_set(user: User, *, roles: Iterable[str], by: User) -> User:
    """Give ``user`` exactly ``roles`` (besides employee, which everyone is)."""
    actor = _admin(by)
    wanted = set(roles)
    unknown = wanted - set(Role.values)
    if unknown:
        raise Refused.invalid({"roles": f"Not a role: {', '.join(sorted(unknown))}."})
    wanted.discard(Role.EMPLOYEE.value)
    user = User.objects.select_for_update(of=("self",)).get(pk=user.pk)
    if user.pk == by.pk and Role.ADMIN.value not in wanted and not by.is_superuser:
        raise Refused.conflict(
            "You cannot take the administrator role from yourself; ask another administrator."
        )
    managed = _role_groups()
    before = sorted(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
    user.groups.remove(*[g for name, g in managed.items() if name not in wanted])
    user.groups.add(*[g for name, g in managed.items() if name in wanted])
    if user.is_staff != (Role.ADMIN.value in wanted):
        user.is_staff = Role.ADMIN.value in wanted
        user.save(update_fields=["is_staff", "updated_at"])
    after = sorted(wanted)
    if before != after:
        actor.audit(
            action="person.roles_changed",
            obj=user,
            before={"roles": before},
            after={"roles": after},
        )
    return user


@transaction.atomic
def person_unlock(user: User, *, by: User) -> int:
    """Lift the sign-in lockouts of ``user`` (django-axes' records of their failures)."""
    from axes.models import AccessAttempt

    actor = _admin(by)
    attempts = AccessAttempt.objects.filter(username=user.username)
    found = list(attempts.values("ip_address", "failures_since_start"))
    if not found:
        return 0
    attempts.delete()
    actor.audit(action="person.unlocked", obj=user, before={"lockouts": found}, after=None)
    return len(found)


@transaction.atomic
def department_create(*, name: str, by: User) -> Department:
    actor = _admin(by)
    name = name.strip()
    if not name or len(name) > 120:
        raise Refused.invalid({"name": "Give the department a name of 1 to 120 characters."})
    slug = slugify(name)[:120]
    if not slug:
        raise Refused.invalid({"name": "Use at least one letter or digit in the name."})
    _lock("department", name)
    if Department.objects.filter(Q(name__iexact=name) | Q(slug=slug)).exists():
        raise Refused.invalid({"name": f"There is already a department named “{name}”."})
    department = Department.objects.create(name=name, slug=slug)
    actor.audit(action="department.created", obj=department, after={"name": name, "slug": slug})
    return department


@transaction.atomic
def department_rename(department: Department, *, name: str, by: User) -> Department:
    actor = _admin(by)
    name = name.strip()
    if not name or len(name) > 120:
        raise Refused.invalid({"name": "Give the department a name of 1 to 120 characters."})
    department = Department.objects.select_for_update().get(pk=department.pk)
    if Department.objects.filter(name__iexact=name).exclude(pk=department.pk).exists():
        raise Refused.invalid(
            {"name": f"There is already a department named “{name}”: merge them instead."}
        )
    before = {"name": department.name, "slug": department.slug}
    department.name = name  # the slug stays: links and claims that name it keep working
    department.save(update_fields=["name"])
    actor.audit(action="department.renamed", obj=department, before=before, after={"name": name})
    return department


@transaction.atomic
def department_merge(source: Department, *, into: Department, by: User) -> Department:
    """Move everything of ``source`` (people, and every other app's rows that point at it) into
    ``into``, then delete ``source``. The other apps hear :data:`departments_merged`."""
    from portal.signals import departments_merged

    actor = _admin(by)
    if source.pk == into.pk:
        raise Refused.invalid({"into": "Choose another department to merge into."})
    source = Department.objects.select_for_update().get(pk=source.pk)
    into = Department.objects.select_for_update().get(pk=into.pk)
    moved: dict[str, int] = {}
    # Every row of any app that points at the source (an automatic many-to-many table too).
    for relation in Department._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and relation.one_to_many):
            continue
        model = cast("type[Model]", relation.related_model)
        column = relation.field.name  # type: ignore[union-attr]
        rows = model._default_manager.filter(**{column: source})
        if model._meta.auto_created:  # a many-to-many table: one row per pair at most
            owner = next(
                f.name for f in model._meta.concrete_fields if f.is_relation and f.name != column
            )
            owners = model._default_manager.filter(**{column: into})
            rows.filter(**{f"{owner}__in": owners.values(owner)}).delete()
        moved[model._meta.label] = rows.update(**{column: into})
    before = {"name": source.name, "slug": source.slug}
    actor.audit(
        action="department.merged",
        obj=into,
        before={"merged": before},
        after={"into": into.name, "moved": moved},
    )
    source_id = source.pk
    source.delete()
    departments_merged.send(sender=Department, source_id=source_id, into=into)
    return into
