"""Roles and every permission decision of the portal, as ``rules`` predicates.

Roles are Django groups named by :class:`Role`'s values (created by a migration). Views, API
views and templates ask these predicates (``user.has_perm("portal.view_audit_log")`` or the
predicate itself); no other module decides who may do what.
"""

from __future__ import annotations

from typing import Any

import rules
from django.contrib.auth.backends import ModelBackend
from django.db import models
from rules.permissions import ObjectPermissionBackend


class Role(models.TextChoices):
    EMPLOYEE = "employee", "Employee"
    BUSINESS_LEAD = "business_lead", "Business lead"
    REVIEWER = "reviewer", "Reviewer (CIO office)"
    POLICY_AUTHOR = "policy_author", "Policy author"
    POLICY_APPROVER = "policy_approver", "Policy approver"
    ADMIN = "admin", "Administrator"


def roles_of(user: Any) -> list[str]:
    """The role keys a user holds, in :class:`Role` order; every signed-in user is an employee."""
    if not getattr(user, "is_authenticated", False):
        return []
    if not hasattr(user, "_group_names_cache"):
        user._group_names_cache = set(user.groups.values_list("name", flat=True))
    held = set(user._group_names_cache) | {Role.EMPLOYEE.value}
    if user.is_superuser:
        held.add(Role.ADMIN.value)
    return [role.value for role in Role if role.value in held]


# --- Who someone is -------------------------------------------------------------------------

is_employee = rules.is_authenticated & rules.is_active
is_business_lead = is_employee & rules.is_group_member(Role.BUSINESS_LEAD)
is_reviewer = is_employee & rules.is_group_member(Role.REVIEWER)
is_policy_author = is_employee & rules.is_group_member(Role.POLICY_AUTHOR)
is_policy_approver = is_employee & rules.is_group_member(Role.POLICY_APPROVER)
is_admin = is_employee & (rules.is_superuser | rules.is_group_member(Role.ADMIN))

# --- Portal-wide permissions ----------------------------------------------------------------

rules.add_perm("portal.view_home", is_employee)
rules.add_perm("portal.view_audit_log", is_admin)
rules.add_perm("portal.manage_people", is_admin)
rules.add_perm("portal.use_api", is_employee)


@rules.predicate
def is_token_owner(user: Any, token: Any) -> bool:
    return token is not None and token.owner_id is not None and token.owner_id == user.pk


@rules.predicate
def is_scim_token(user: Any, token: Any) -> bool:
    return token is not None and token.kind == "scim"


# SCIM tokens are the administrators'; a personal API token is its owner's alone.
rules.add_perm("portal.manage_scim_tokens", is_admin)
rules.add_perm("portal.make_personal_token", is_employee)
rules.add_perm("portal.revoke_token", (is_admin & is_scim_token) | (is_employee & is_token_owner))

# The administration site (people, roles, departments) answers to the admin role.
for _model in ("portal.user", "portal.department", "auth.group"):
    _app, _name = _model.split(".")
    for _verb in ("view", "add", "change", "delete"):
        rules.add_perm(f"{_app}.{_verb}_{_name}", is_admin)
rules.add_perm("portal.view_auditevent", is_admin)

# --- Policies and the AI tools register -----------------------------------------------------

may_author = is_policy_author | is_admin
may_approve = is_policy_approver | is_admin


@rules.predicate
def is_version_author(user: Any, version: Any) -> bool:
    return version is not None and version.author_id == getattr(user, "pk", None)


rules.add_perm("policies.view_policies", is_employee)
# Drafting: a policy's settings and its versions' text, and sending a version for review.
rules.add_perm("policies.author_policies", may_author)
rules.add_perm("policies.approve_policies", may_approve)
# Four eyes: an approver publishes a version someone else wrote (see can_publish).
rules.add_perm("policies.publish_version", may_approve & ~is_version_author)
# The author takes their own version back out of review (before anyone publishes it).
rules.add_perm("policies.withdraw_version", may_author & is_version_author)
rules.add_perm("policies.acknowledge_policies", is_employee)
rules.add_perm("policies.view_compliance", is_reviewer | is_policy_author | is_admin)
rules.add_perm("policies.view_register", is_employee)
rules.add_perm("policies.manage_register", may_author)


@rules.predicate
def is_change_proposer(user: Any, change: Any) -> bool:
    return change is not None and change.proposed_by_id == getattr(user, "pk", None)


# Four eyes on what changes what people may do (a published policy's settings, a register
# entry's approval, classification, prices, IP answers): an author proposes (the permissions
# above); an approver who did not propose it approves or rejects; the proposer may withdraw.
rules.add_perm("policies.decide_change", may_approve & ~is_change_proposer)
rules.add_perm("policies.withdraw_change", may_author & is_change_proposer)
rules.add_perm("policies.view_changes", may_author | may_approve)


def can_publish(user: Any, version: Any) -> bool:
    """Whether ``user`` may publish ``version``: an approver who did not write it."""
    return bool(user.has_perm("policies.publish_version", version))


# --- Use cases ------------------------------------------------------------------------------
# A case is visible to its submitter, the leads of its department, the CIO office (reviewers)
# and administrators; ``usecases.selectors.usecases_visible_to`` is the same rule as a query.


@rules.predicate
def is_usecase_submitter(user: Any, usecase: Any) -> bool:
    return usecase is not None and usecase.submitter_id == getattr(user, "pk", None)


@rules.predicate
def is_in_usecase_department(user: Any, usecase: Any) -> bool:
    return (
        usecase is not None
        and getattr(user, "department_id", None) is not None
        and usecase.department_id == user.department_id
    )


owns_usecase = is_employee & (is_usecase_submitter | (is_business_lead & is_in_usecase_department))


@rules.predicate
def is_draft_case(user: Any, usecase: Any) -> bool:
    return usecase is not None and usecase.is_draft


@rules.predicate
def is_high_risk_case(user: Any, usecase: Any) -> bool:
    return usecase is not None and usecase.is_high_risk


@rules.predicate
def is_awaiting_review(user: Any, usecase: Any) -> bool:
    return usecase is not None and usecase.awaits_review


@rules.predicate
def has_signed_off(user: Any, usecase: Any) -> bool:
    return usecase is not None and any(
        sign_off.reviewer_id == getattr(user, "pk", None) for sign_off in usecase.sign_offs.all()
    )


@rules.predicate
def is_exception_requester(user: Any, exception: Any) -> bool:
    return exception is not None and exception.requested_by_id == getattr(user, "pk", None)


@rules.predicate
def is_override_proposer(user: Any, override: Any) -> bool:
    return override is not None and override.proposed_by_id == getattr(user, "pk", None)


@rules.predicate
def is_ready_for_approval(user: Any, usecase: Any) -> bool:
    """The approval gate: nothing is missing (``usecases.approval.approval_missing``, asked
    through the case so that this module does not import the use cases)."""
    return usecase is not None and not usecase.approval_missing(user)


def needs_second_sign_off(usecase: Any, approver: Any) -> bool:
    """A high-risk case waits, before ``approver`` may approve it, for the sign-off of another
    reviewer (``approver`` None: of any reviewer). Reads ``usecase.sign_offs`` (prefetch them
    for a list)."""
    if not usecase.is_high_risk:
        return False
    approver_id = getattr(approver, "pk", None)
    return not any(sign_off.reviewer_id != approver_id for sign_off in usecase.sign_offs.all())


rules.add_perm("usecases.view_usecases", is_business_lead | is_reviewer | is_admin)
rules.add_perm("usecases.view_all_usecases", is_reviewer | is_admin)
rules.add_perm("usecases.create_usecase", is_business_lead)
rules.add_perm("usecases.view_usecase", owns_usecase | is_reviewer | is_admin)
rules.add_perm("usecases.own_usecase", owns_usecase)
rules.add_perm("usecases.comment_usecase", owns_usecase | is_reviewer)
rules.add_perm("usecases.assess_risk", owns_usecase | is_reviewer)
# Owners answer the questionnaire while the case is a draft; then it is the CIO office's.
rules.add_perm("usecases.change_risk_answers", is_reviewer | (owns_usecase & is_draft_case))
rules.add_perm("usecases.review_usecases", is_reviewer)
# A second reviewer's sign-off: a high-risk case under review, once per reviewer.
rules.add_perm(
    "usecases.sign_off_usecase",
    is_reviewer & is_awaiting_review & is_high_risk_case & ~has_signed_off,
)
# Approval: a reviewer, once the case has everything the gate asks for (usecases.approval).
rules.add_perm("usecases.approve_usecase", is_reviewer & is_awaiting_review & is_ready_for_approval)
# Exceptions to guardrail findings, under four eyes: a reviewer requests one; another reviewer
# or an administrator grants it (asked of the exception: never its requester).
rules.add_perm("usecases.request_exception", is_reviewer)
rules.add_perm("usecases.decide_exceptions", is_reviewer | is_admin)
rules.add_perm("usecases.grant_exception", (is_reviewer | is_admin) & ~is_exception_requester)
# The EU AI Act tier: a reviewer overrides it with a reason; lowering it needs another reviewer.
rules.add_perm("usecases.override_tier", is_reviewer)
rules.add_perm("usecases.agree_tier_override", is_reviewer & ~is_override_proposer)
rules.add_perm("usecases.manage_rubric", is_admin)
# Which policy each guardrail rule comes from.
rules.add_perm("usecases.manage_guardrail_policies", is_admin)

# --- Portfolio ------------------------------------------------------------------------------
# The CIO office (reviewers) and administrators see the ranked portfolio, its exports, the
# decision log and the compliance dashboard; nobody else (403: it is a report, not a case).

rules.add_perm("usecases.view_portfolio", is_reviewer | is_admin)

# --- Archetypes and estimates ---------------------------------------------------------------
# Estimates are seen by whoever sees the case; the questionnaire is answered by the case's
# owners or the CIO office; drivers, re-runs and the archetype choice are the CIO office's.

rules.add_perm("usecases.view_estimates", owns_usecase | is_reviewer | is_admin)
rules.add_perm("usecases.answer_archetype", owns_usecase | is_reviewer)
rules.add_perm("usecases.adjust_estimates", is_reviewer)
# Re-estimation batches: the CIO office, and the administrators whose assumption edits start them.
rules.add_perm("usecases.view_estimate_batches", is_reviewer | is_admin)
rules.add_perm("usecases.view_assumptions", is_employee)
rules.add_perm("usecases.manage_assumptions", is_admin)


# --- How Django asks ------------------------------------------------------------------------


class RolePermissionBackend(ObjectPermissionBackend):
    """Answers ``user.has_perm`` from the rules above.

    A check without an object (may this person do X at all: menus, page guards, panels) is
    remembered on the user object, which lives for one request, so a page that asks a dozen
    times reads the person's groups once. Checks about an object are asked every time.
    """

    def has_perm(self, user: Any, perm: str, *args: Any, **kwargs: Any) -> bool:
        if any(arg is not None for arg in args) or kwargs:
            return bool(rules.has_perm(perm, user, *args, **kwargs))
        answers: dict[str, bool] = user.__dict__.setdefault("_role_permissions_cache", {})
        if perm not in answers:
            answers[perm] = bool(rules.has_perm(perm, user))
        return answers[perm]


class WithoutModelPermissions:
    """For a sign-in backend: Django's per-model permission tables are not how the portal
    decides (roles are), so they are never read; without this, every check the rules answer
    "no" costs two more queries."""

    def get_user_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()


class PasswordBackend(WithoutModelPermissions, ModelBackend):
    """Signs people in with their username and password."""

    def get_user(self, user_id: Any) -> Any:
        """The signed-in person of each request, with their department (most pages show it or
        scope by it) in the same query."""
        from django.contrib.auth import get_user_model

        model = get_user_model()
        try:
            user = model._default_manager.select_related("department").get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
