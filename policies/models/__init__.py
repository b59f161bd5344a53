"""The policies app's models: policies and their versions, acknowledgements, the tools register,
and changes waiting for a second person."""

from policies.models.pending import ChangeStatus, PendingChange
from policies.models.policy import (
    Acknowledgement,
    AcknowledgementReminder,
    AcknowledgementTally,
    Policy,
    PolicyCategory,
    PolicyVersion,
    SearchDocument,
    VersionStatus,
)
from policies.models.register import *  # noqa: F403  (the AI tools and models register)

__all__ = [
    "Acknowledgement",
    "AcknowledgementReminder",
    "AcknowledgementTally",
    "ChangeStatus",
    "PendingChange",
    "Policy",
    "PolicyCategory",
    "PolicyVersion",
    "SearchDocument",
    "VersionStatus",
]
