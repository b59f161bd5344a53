"""What policies does when the portal says something happened (:mod:`portal.signals`)."""

from __future__ import annotations

from typing import Any

from policies.services import acknowledgement_tally_move, acknowledgement_tally_rebuild


def person_moved(
    sender: Any,
    *,
    user: Any,
    department_before: int | None,
    department_after: int | None,
    active_before: bool,
    active_after: bool,
    **kwargs: Any,
) -> None:
    acknowledgement_tally_move(
        user_id=user.pk,
        department_before=department_before,
        department_after=department_after,
        active_before=active_before,
        active_after=active_after,
    )


def departments_merged(sender: Any, **kwargs: Any) -> None:
    acknowledgement_tally_rebuild()
