"""The use-case workflow: the statuses and which move leads where, owned by whom.

Pure: no database. Read by the services (which move is allowed now), the selectors (which moves
to offer, which cases wait for the CIO office) and the decision log (which events are moves).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    ON_HOLD = "on_hold", "On hold"
    IN_DELIVERY = "in_delivery", "In delivery"
    LIVE = "live", "Live"
    RETIRED = "retired", "Retired"
    WITHDRAWN = "withdrawn", "Withdrawn"


@dataclass(frozen=True)
class Transition:
    to: Status
    sources: frozenset[str]
    by_owner: bool  # the submitter or a lead of the department; otherwise the CIO office
    needs_reason: bool = False
    verb: str = ""


TRANSITIONS: dict[str, Transition] = {
    t.to: t
    for t in [
        Transition(Status.SUBMITTED, frozenset({Status.DRAFT}), True, verb="Submit for review"),
        Transition(
            Status.IN_REVIEW,
            frozenset({Status.SUBMITTED, Status.ON_HOLD}),
            False,
            verb="Start review",
        ),
        Transition(Status.APPROVED, frozenset({Status.IN_REVIEW}), False, verb="Approve"),
        Transition(
            Status.REJECTED, frozenset({Status.IN_REVIEW}), False, needs_reason=True, verb="Reject"
        ),
        Transition(
            Status.ON_HOLD,
            frozenset({Status.IN_REVIEW}),
            False,
            needs_reason=True,
            verb="Put on hold",
        ),
        Transition(Status.IN_DELIVERY, frozenset({Status.APPROVED}), False, verb="Start delivery"),
        Transition(Status.LIVE, frozenset({Status.IN_DELIVERY}), False, verb="Mark as live"),
        Transition(Status.RETIRED, frozenset({Status.LIVE}), False, verb="Retire"),
        # A hold is answered by its owners: back to a draft, changed, then submitted again.
        Transition(
            Status.DRAFT, frozenset({Status.ON_HOLD}), True, verb="Take back to draft to answer"
        ),
        Transition(
            Status.WITHDRAWN,
            frozenset({Status.DRAFT, Status.SUBMITTED, Status.IN_REVIEW, Status.ON_HOLD}),
            True,
            verb="Withdraw",
        ),
    ]
}
# The moves that decide a case: the submitter is told by email.
DECISIONS = frozenset({Status.APPROVED, Status.REJECTED, Status.ON_HOLD})
# Cases waiting for the CIO office (the review queue; a sign-off is given then).
AWAITING_REVIEW = (Status.SUBMITTED, Status.IN_REVIEW, Status.ON_HOLD)
# Cases the CIO office rates: everything submitted and not withdrawn.
NOT_RATED = frozenset({Status.DRAFT, Status.WITHDRAWN})
# Estimated cases: the three archetypes' costs are computed from submission on.
ESTIMATED = tuple(s for s in Status.values if s not in (Status.DRAFT, Status.WITHDRAWN))
# The home page's list of a lead's cases leaves the closed ones out.
CLOSED = (Status.REJECTED, Status.RETIRED, Status.WITHDRAWN)
# Where the audit log's action names of the moves come from: "usecase.<status>".
MOVE_ACTIONS = {f"usecase.{to}": transition for to, transition in TRANSITIONS.items()}


def transitions_from(status: str) -> list[Transition]:
    """The moves the workflow allows from ``status`` (whoever may make them)."""
    return [t for t in TRANSITIONS.values() if status in t.sources]


def is_notified(to: str) -> bool:
    """Whether a move is emailed: a submission to the CIO office, a decision to the submitter."""
    return to == Status.SUBMITTED or to in DECISIONS
