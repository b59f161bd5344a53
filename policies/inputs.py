"""The typed inputs of the policy writes: a policy's settings, a version's text, a return.

Each carries its limits, choices and messages; forms and serializers take theirs from here, and
the services take these (``data: <Input>``). See :mod:`portal.inputs`. The register's inputs are
in :mod:`policies.register.inputs`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from policies.models import PolicyCategory
from portal.inputs import Choice, Input, Text
from portal.models import Department

TITLE_NEEDED = "Give the policy a title."
REASON_NEEDED = "Say what the author should change."
REJECT_REASON_NEEDED = "Say why you reject this change."


class PolicySettings(Input):
    """What a policy is and whom it addresses."""

    form_name = "the policy's settings"

    title: Annotated[
        str,
        Text(
            200,
            required=TITLE_NEEDED,
            one_line=True,
            too_long="Keep the title under 200 characters.",
        ),
    ]
    category: Annotated[
        str,
        Choice(
            PolicyCategory,
            blank=False,
            missing="Choose one of the categories offered.",
            unknown="Choose one of the categories offered.",
        ),
    ]
    summary: Annotated[str, Text(300, too_long="Keep the summary under 300 characters.")] = ""
    requires_acknowledgement: bool = True
    audience_everyone: bool = True
    audience_departments: tuple[Department, ...] = ()

    @classmethod
    def cross_checks(cls, raw: Mapping[str, Any]) -> dict[str, str]:
        if raw.get("audience_everyone", True) is False and not raw.get("audience_departments"):
            return {"audience_departments": "Choose at least one department, or address everyone."}
        return {}


class NewPolicy(PolicySettings):
    """A new policy and the text of its first draft (rendered, and refused if it cannot be)."""

    body_markdown: str = ""


class VersionText(Input):
    """A draft's text: Markdown as typed (not trimmed), and what changed."""

    body_markdown: str = ""
    summary_of_changes: Annotated[
        str, Text(500, too_long="Keep the summary of changes under 500 characters.")
    ] = ""
    is_material: bool = True


class ReturnReason(Input):
    """Why an approver sends a version back to its author."""

    reason: Annotated[str, Text(2000, required=REASON_NEEDED)]


class RejectReason(Input):
    """Why an approver says no to a proposed change (policy settings, a register entry)."""

    reason: Annotated[str, Text(2000, required=REJECT_REASON_NEEDED)]
