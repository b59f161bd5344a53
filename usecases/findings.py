"""The open guardrail findings of each case, counted and kept on ``UseCase.open_findings_count``
so that the portfolio can show, sort and total them without running the guardrails per row.

The case's one writer (:mod:`usecases.changes`) recounts them with every change of the case; a
change to a register entry recounts the cases that use it in the background
(:func:`open_findings_refresh_for_tool`, on the ``batch`` queue).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from usecases.models import UseCase
from usecases.selectors import findings_for, with_guardrail_inputs

logger = logging.getLogger(__name__)

# What a register change must touch to change a case's findings (names, links and
# descriptions only change the wording).
TOOL_FIELDS_THE_GUARDRAILS_READ = frozenset(
    {"status", "max_data_classification", "training_data_disclosure"}
)


def count_open(cases: Iterable[Any]) -> dict[int, int]:
    """Case id → open findings, for cases loaded with their tools, risks and exceptions."""
    # The policies' names do not change a count: none are read.
    return {
        case.pk: sum(1 for state in findings_for(case, policies={}) if state.is_open)
        for case in cases
    }


def open_findings_refresh_many(cases: QuerySet[UseCase], *, batch_size: int = 500) -> int:
    """Recount the open findings of ``cases`` in batches (each locked while it is counted);
    returns how many counts changed. Safe to run twice, or beside the services."""
    changed = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(
                with_guardrail_inputs(
                    cases.filter(pk__gt=last_pk).order_by("pk").select_for_update(of=("self",))
                ).only("pk", "open_findings_count", *_CASE_FIELDS)[:batch_size]
            )
            if not batch:
                return changed
            counts = count_open(batch)
            stale = [case for case in batch if case.open_findings_count != counts[case.pk]]
            for case in stale:
                case.open_findings_count = counts[case.pk]
            UseCase.objects.bulk_update(stale, ["open_findings_count"])
            changed += len(stale)
            last_pk = batch[-1].pk


def open_findings_refresh_for_tool(entry_id: int) -> int:
    """After a register entry changed: recount the cases that name it."""
    return open_findings_refresh_many(UseCase.objects.filter(preferred_tools__pk=entry_id))


def open_findings_after_register_change(*, entry_id: int, changed: Iterable[str]) -> None:
    """Called by the register inside its transaction: once it commits, recount the cases that
    use the entry on the ``batch`` queue; if the broker is down, recount them right away."""
    if not TOOL_FIELDS_THE_GUARDRAILS_READ & set(changed):
        return

    def send() -> None:
        from usecases.tasks import refresh_open_findings_for_tool

        try:
            refresh_open_findings_for_tool.apply_async(args=(entry_id,), queue="batch")
        except Exception:
            logger.warning("broker unavailable: counting the findings of tool %s now", entry_id)
            open_findings_refresh_for_tool(entry_id)

    transaction.on_commit(send)


# The case fields the guardrails read (see usecases.selectors.case_view).
_CASE_FIELDS = (
    "data_classification",
    "data_categories",
    "output_audience",
    "human_oversight",
    "risk_tier",
)
