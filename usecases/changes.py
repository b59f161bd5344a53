"""The one writer of a case row.

Every decision on a case goes through :func:`case_change`: it locks the row, checks the
person's permission on it (``portal.roles``) and the version of the page they decided on, lets
the service change the case, bumps ``version`` (so a decision taken on a stale page is refused),
saves what changed, recomputes what is derived from the case, and records the audit event on it
(the case's timeline reads them back). Background work that only moves a derived figure (an
estimate finished, the assumptions changed) calls :func:`derived_refresh` with what it moved.

Derived, kept on the row so that lists sort and total them without recomputing: the scores
(ratings, rubric and risk tier), the expected annual benefit (intake and assumptions), the count
of open guardrail findings (data, tools, risks, exceptions) and the P50 costs and payback of the
chosen, else recommended, archetype (its current estimate).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction

from portal.audit import audit_record
from portal.boundary import Refused, require
from portal.models import AuditEvent, User
from usecases.estimates.models import EstimateRun, RunStatus
from usecases.findings import count_open
from usecases.models import UseCase
from usecases.scoring import Rubric, score_usecase
from usecases.search import INDEXED_FIELDS, index_usecase
from usecases.selectors import latest_rubric, with_guardrail_inputs

CHANGED_UNDER_YOU = (
    "The case changed under you: someone else updated it while you were looking. "
    "Reload the page to see the latest version, then try again."
)

SCORE_FIELDS = (
    "value_score",
    "feasibility_score",
    "priority_score",
    "quadrant",
    "score_breakdown",
    "scored_with_rubric",
)
FIGURE_FIELDS = (
    "estimate_one_time_p50",
    "estimate_annual_p50",
    "estimate_payback_months",
    "estimate_benefit_p50",
    "estimate_npv_3y_p50",
)
DERIVED = ("scores", "benefit", "findings", "figures")


@dataclass
class CaseChange:
    """What a service changes in :func:`case_change`: fields set, rows of the case touched, and
    what the audit event says. ``after`` may be a function of the case once it is derived."""

    case: UseCase
    fields: list[str] = field(default_factory=list)
    rows_changed: bool = False
    before: dict[str, Any] | None = None
    after: dict[str, Any] | Callable[[UseCase], dict[str, Any]] | None = None
    comment: str = ""
    action: str = ""  # the audit action, when the service knows it only inside the block
    event: AuditEvent | None = None
    _then: list[Callable[[], None]] = field(default_factory=list)

    def set(self, **values: Any) -> list[str]:
        """Set fields of the case; returns those whose value changed."""
        changed = []
        for name, value in values.items():
            if getattr(self.case, name) != value:
                setattr(self.case, name, value)
                changed.append(name)
        self.fields.extend(name for name in changed if name not in self.fields)
        return changed

    def touched(self) -> None:
        """Rows that belong to the case changed (ratings, risks, tools, exceptions, sign-offs),
        or the decision is recorded even if no field moved."""
        self.rows_changed = True

    def then(self, step: Callable[[], None]) -> None:
        """Run ``step`` after the change is saved and audited, in the same transaction."""
        self._then.append(step)

    @property
    def changed(self) -> bool:
        return bool(self.fields) or self.rows_changed


@contextmanager
def case_change(
    usecase: UseCase,
    *,
    by: User,
    may: str,
    refused: str,
    action: str,
    expected_version: int | None = None,
) -> Iterator[CaseChange]:
    """Change one case: ``by`` needs the permission ``may`` on it (else ``refused`` is the
    message); a decision on a page older than ``expected_version`` is refused. Nothing is written
    unless the block changes something; a refusal inside it writes nothing at all."""
    with transaction.atomic():
        case = UseCase.objects.select_for_update().get(pk=usecase.pk)
        require(by, may, case, refused)
        if expected_version is not None and case.version != expected_version:
            raise Refused.conflict(CHANGED_UNDER_YOU)
        change = CaseChange(case=case)
        yield change
        if not change.changed:
            return
        case.version += 1
        case.save(update_fields=[*change.fields, "version", "updated_at"])
        derived_refresh(case)
        if INDEXED_FIELDS.intersection(change.fields):
            index_usecase(case)
        after = change.after(case) if callable(change.after) else change.after
        change.event = audit_record(
            actor=by,
            action=change.action or action,
            obj=case,
            before=change.before,
            after=after,
            comment=change.comment,
        )
        for step in change._then:
            step()


def case_created(case: UseCase, *, by: User, after: dict[str, Any]) -> AuditEvent:
    """A new case: what is derived from its intake, and the audit event of its creation."""
    derived_refresh(case)
    index_usecase(case)
    return audit_record(actor=by, action="usecase.created", obj=case, after=after)


# --- What is derived ------------------------------------------------------------------------


def derived_refresh(case: UseCase, parts: Collection[str] = DERIVED) -> list[str]:
    """Recompute the derived ``parts`` of a saved case (inside the caller's transaction) and
    save those that moved; returns their fields."""
    values: dict[str, Any] = {}
    if "scores" in parts:
        values.update(scores_of(case))
    if "benefit" in parts:
        values["expected_annual_benefit"] = _benefit(case)
    if "findings" in parts:
        loaded = with_guardrail_inputs(UseCase.objects.filter(pk=case.pk)).get()
        values["open_findings_count"] = count_open([loaded])[case.pk]
    if "figures" in parts:
        values.update(estimate_figures(case))
    moved = [name for name, value in values.items() if getattr(case, name) != value]
    for name in moved:
        setattr(case, name, values[name])
    if moved:
        case.save(update_fields=moved)
    return moved


def scores_of(
    case: UseCase,
    ratings: Mapping[str, int] | None = None,
    rubric: tuple[int | None, Rubric] | None = None,
) -> dict[str, Any]:
    """The score fields of a case from its ratings, its risk tier and the rubric in force."""
    number, in_force = rubric if rubric is not None else latest_rubric()
    if ratings is None:
        ratings = dict(case.ratings.values_list("criterion", "score"))
    result = score_usecase(ratings, case.risk_tier or None, in_force)
    return {
        "value_score": result.value,
        "feasibility_score": result.feasibility,
        "priority_score": result.priority,
        "quadrant": result.quadrant or "",
        "score_breakdown": [c.model_dump(mode="json") for c in result.contributions],
        "scored_with_rubric": number,
    }


def _benefit(case: UseCase) -> Decimal | None:
    # The estimates' model of the benefit, and the assumptions in force; imported here because
    # the estimates' services write through this module.
    from usecases.estimates.services import assumptions_current, expected_annual_benefit

    if case.estimate_benefit_p50 is not None:  # the estimate's (own review netted) wins
        return case.estimate_benefit_p50
    return expected_annual_benefit(case, assumptions_current().assumptions())


def estimate_figures(case: UseCase) -> dict[str, Any]:
    """The P50 costs and payback of the chosen (else recommended) archetype's estimate: the
    current one once done, else the latest done."""
    archetype = case.chosen_archetype or case.recommended_archetype
    run = None
    if archetype:
        runs = EstimateRun.objects.filter(usecase=case, archetype=archetype, status=RunStatus.DONE)
        run = runs.filter(is_current=True).first() or runs.order_by("-finished_at").first()
    result = run.result if run is not None and run.result else None

    def p50(key: str) -> Decimal | None:
        spread = (result or {}).get(key)
        return Decimal(str(round(spread["p50"], 2))) if spread else None

    figures: dict[str, Any] = {
        "estimate_one_time_p50": p50("one_time"),
        "estimate_annual_p50": p50("annual"),
        "estimate_payback_months": result["payback_months"] if result else None,
        "estimate_benefit_p50": p50("annual_benefit"),
        "estimate_npv_3y_p50": p50("npv_3y"),
    }
    if figures["estimate_benefit_p50"] is not None:
        # The portfolio, the summary and the exports total the estimate's net benefit.
        figures["expected_annual_benefit"] = figures["estimate_benefit_p50"]
    return figures
