"""Writes of the estimates feature: the archetype decision, assumption versions, estimate runs
and re-estimation batches.

The archetype decisions and the drivers are decisions on a case: they go through the case's one
writer (:func:`usecases.changes.case_change`), with the typed inputs of :mod:`usecases.inputs`.
Estimates never run in a request: a service records an :class:`EstimateRun` (``waiting``) and
enqueues ``usecases.run_estimate`` after commit; :func:`estimate_run_execute` is what the task
calls. The same inputs and assumption version are never computed twice (``inputs_hash``).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from pydantic import ValidationError as PydanticValidationError

from policies.models import RegisterEntry
from portal.audit import audit_record
from portal.boundary import Refused, described, require
from portal.models import User
from usecases.changes import case_change, derived_refresh
from usecases.estimates.archetype import recommend_archetype
from usecases.estimates.assumptions import DEFAULT_ASSUMPTIONS, Assumptions, TaskEvidence
from usecases.estimates.engine import EstimateError, estimate_with_sensitivity
from usecases.estimates.inputs import EstimateInput, inputs_problems
from usecases.estimates.models import (
    ACTIVE_STATUSES,
    AssumptionsVersion,
    EstimateBatch,
    EstimateDrivers,
    EstimateRun,
    RunStatus,
)
from usecases.inputs import (
    ArchetypeAnswering,
    ArchetypeChoice,
    AssumptionsChange,
    DriversChange,
    EstimateRerun,
)
from usecases.models import BenefitKind, HumanOversight, UseCase
from usecases.workflow import ESTIMATED

logger = logging.getLogger(__name__)

ARCHETYPES = ("taker", "shaper", "maker")
SAMPLES = 2000
SEED = 0
# A run queued or running longer than this is handed to a worker again by the sweeper, and the
# page offers a retry instead of a spinner.
STUCK_AFTER = timedelta(minutes=5)
# A run started this many times without finishing is failed rather than handed out again.
MAX_ATTEMPTS = 3
GAVE_UP = (
    f"The estimate was started {MAX_ATTEMPTS} times and never finished; it is not tried again "
    "by itself. Check the drivers, then try again."
)
ESTIMATED_STATUSES = list(ESTIMATED)


# --- Assumptions ----------------------------------------------------------------------------


def assumptions_current() -> AssumptionsVersion:
    """The version in force (the highest number); the built-in defaults become version 1."""
    version = AssumptionsVersion.objects.order_by("-number").first()
    if version is not None:
        return version
    try:
        with transaction.atomic():
            return AssumptionsVersion.objects.create(
                number=DEFAULT_ASSUMPTIONS.version,
                data=DEFAULT_ASSUMPTIONS.model_dump(mode="json"),
                comment="Built-in defaults (see CALIBRATION.md).",
            )
    except IntegrityError:
        return AssumptionsVersion.objects.order_by("-number").first()  # type: ignore[return-value]


def parse_assumptions(data: dict[str, Any], *, number: int) -> Assumptions:
    """Validate an edited assumptions document; errors name the field (``gpus.H100 SXM: ...``)."""
    try:
        return Assumptions.from_stored({**data, "version": number})
    except PydanticValidationError as error:
        raise Refused.invalid({"data": described(error)}) from None


def assumptions_publish(*, by: User, data: AssumptionsChange) -> AssumptionsVersion:
    """Save a new version (all are kept) and re-estimate every estimated case in a batch."""
    require(
        by, "usecases.manage_assumptions", None, "Only administrators can edit the assumptions."
    )
    with transaction.atomic():
        current = assumptions_current()
        current = AssumptionsVersion.objects.select_for_update().get(pk=current.pk)
        number = current.number + 1
        assumptions = parse_assumptions(data.data, number=number)
        version = AssumptionsVersion.objects.create(
            number=number,
            data=assumptions.model_dump(mode="json"),
            created_by=by,
            comment=data.comment,
        )
        audit_record(
            actor=by,
            action="assumptions.published",
            obj=version,
            after={"number": number},
            comment=version.comment,
        )
        batch = EstimateBatch.objects.create(
            reason=f"Assumptions version {number} published", created_by=by
        )
        _enqueue_batch_plan(batch.pk, None)
    return version


# --- Benefit and drivers --------------------------------------------------------------------


def expected_annual_benefit(usecase: UseCase, assumptions: Assumptions) -> Decimal | None:
    """The intake's benefit before any estimate (USD/year): hours saved valued at the loaded
    hourly cost of the case's business function, or the revenue weighted by its confidence
    (50 % when unstated). Once estimated, the estimate's net benefit replaces it (it also
    takes off the users' own reviewing): see ``usecases.changes.estimate_figures``."""
    if usecase.benefit_kind == BenefitKind.REVENUE and usecase.revenue_per_year is not None:
        confidence = usecase.benefit_confidence if usecase.benefit_confidence is not None else 50
        weighted = Decimal(usecase.revenue_per_year) * confidence / 100
        return weighted.quantize(Decimal("0.01"))
    people = usecase.employee_users or usecase.people_affected
    hours_a_week = _hours_a_week(usecase, assumptions)
    if usecase.benefit_kind == BenefitKind.HOURS_SAVED and hours_a_week and people is not None:
        weeks = assumptions.working_weeks_per_year
        hourly = assumptions.hourly_cost_of_function(usecase.business_function or "other")
        value = hours_a_week[1] * people * weeks * hourly
        return Decimal(str(round(value, 2)))
    return None


def hours_saved_evidence(usecase: UseCase, assumptions: Assumptions) -> TaskEvidence | None:
    """The published evidence a case's hours saved default to: when it saves time, gives no
    hours and names a kind of task the assumptions have evidence for."""
    if usecase.benefit_kind != BenefitKind.HOURS_SAVED or not usecase.task_kind:
        return None
    if usecase.hours_saved_per_person_per_week is not None:
        return None
    return assumptions.intake.hours_saved_by_task.get(usecase.task_kind)


def _hours_a_week(usecase: UseCase, assumptions: Assumptions) -> tuple[float, float, float] | None:
    """(low, likely, high) hours a person saves a week: the lead's figure (one number, spread
    by the stated confidence in :func:`default_drivers`), else the evidence's range."""
    if usecase.hours_saved_per_person_per_week is not None:
        hours = float(usecase.hours_saved_per_person_per_week)
        return (hours, hours, hours)
    evidence = hours_saved_evidence(usecase, assumptions)
    if evidence is None:
        return None
    return evidence.hours_per_week(assumptions.intake.working_hours_per_week)


def _priced_tool(usecase: UseCase) -> RegisterEntry | None:
    tools = sorted(usecase.preferred_tools.all(), key=lambda t: t.slug)
    return next((t for t in tools if t.has_token_prices), None)


def _seat_tool(usecase: UseCase) -> RegisterEntry | None:
    tools = sorted(usecase.preferred_tools.all(), key=lambda t: t.slug)
    return next((t for t in tools if t.seat_price_monthly is not None), None)


def _in_force(assumptions: Assumptions | None) -> Assumptions:
    return assumptions if assumptions is not None else assumptions_current().assumptions()


# Older oversight answers, read as who reviews when the intake does not say (assumed).
_REVIEW_FROM_OVERSIGHT: dict[str, tuple[str, float]] = {
    HumanOversight.EVERY_OUTPUT.value: ("own_draft", 1.0),
    HumanOversight.SPOT_CHECKS.value: ("own_draft", 0.1),
}


def assumed_facts(usecase: UseCase) -> list[str]:
    """The intake facts an estimate of this case assumes because the lead did not give them."""
    assumed = []
    if usecase.employee_users is None and usecase.customer_interactions_per_month is None:
        assumed.append(f"{usecase.people_affected or 10} employee users (the people affected)")
    if usecase.uses_per_person_per_day is None and usecase.customer_interactions_per_month is None:
        assumed.append("uses per person a day (the business function's usual)")
    if not usecase.reviewed_by:
        assumed.append("the users review their own drafts")
    if not usecase.request_kind and usecase.request_input_tokens is None:
        assumed.append("tokens per request (a typical request)")
    if usecase.systems_connected is None and usecase.data_sources is None:
        assumed.append("integration effort (by data sensitivity)")
    no_hours = usecase.hours_saved_per_person_per_week is None
    if usecase.benefit_kind == BenefitKind.HOURS_SAVED and no_hours and usecase.task_kind:
        assumed.append("hours saved (the published range for the kind of task)")
    return assumed


def default_drivers(
    usecase: UseCase, archetype: str, assumptions: Assumptions | None = None
) -> dict[str, Any]:
    """Drivers derived from the intake under ``assumptions`` (the version in force by default).

    Volume: employee users x uses a working day, plus customers' interactions a month; seats
    only for employee users of a seat-licensed tool; API tokens only for requests that go to an
    API (customers', or everyone's when the tool is an API). Review: who reviews, at whose
    rate. Benefit: hours saved x the users' loaded hourly cost (by business function), revenue
    x confidence. Integration effort from the integration facts, retrieval from the corpus.
    Where the intake says nothing the mapping (the assumptions' ``intake`` part) fills in, and
    :func:`assumed_facts` names what was assumed. Ranges where the intake is only a hint.
    """
    a = _in_force(assumptions)
    mapping = a.intake
    function = usecase.business_function or "other"
    answers = usecase.archetype_answers or {}
    days = mapping.working_days_per_year
    customers_only = usecase.employee_users is None and usecase.customer_interactions_per_month
    employees = (
        usecase.employee_users
        if usecase.employee_users is not None
        else (0 if customers_only else usecase.people_affected or 10)
    )
    if usecase.uses_per_person_per_day is not None:
        uses = float(usecase.uses_per_person_per_day)
    elif usecase.business_function:
        uses = mapping.uses_per_day_by_function.get(function, mapping.requests_per_person_per_day)
    else:
        uses = mapping.requests_per_person_per_day
    stated = usecase.uses_per_person_per_day is not None
    customer_requests = (usecase.customer_interactions_per_month or 0) * 12 / days
    employee_requests = float(employees * uses)

    def spread(value: float, exact: bool) -> Any:
        if exact or value == 0:
            return round(value, 2)
        return {
            "low": round(value * mapping.requests_low_factor, 2),
            "mode": round(value, 2),
            "high": round(value * mapping.requests_high_factor, 2),
        }

    spread_by = mapping.assumed_spread

    def assumed(value: float, given: bool, digits: int = 1) -> Any:
        """A default the lead did not give carries a range (the tornado shows what to
        challenge); a stated fact stays exact."""
        if given or value == 0:
            return round(value, digits)
        return {
            "low": round(value * spread_by.low, digits),
            "mode": round(value, digits),
            "high": round(value * spread_by.high, digits),
        }

    requests = employee_requests + customer_requests
    drivers: dict[str, Any] = {
        "archetype": archetype,
        "requests_per_day": spread(requests, stated or employee_requests == 0),
        "days_per_year": days,
        "oversight": usecase.human_oversight or HumanOversight.SPOT_CHECKS,
    }
    if answers.get("skills_in_house"):
        drivers["skills_in_house"] = answers["skills_in_house"]
    if answers.get("budget_ceiling") is not None:
        drivers["budget_ceiling"] = float(answers["budget_ceiling"])

    # Review: who, what share, at whose rate.
    if usecase.reviewed_by:
        review_by = usecase.reviewed_by
        share = (usecase.review_share_percent or 100) / 100
    else:
        review_by, share = _REVIEW_FROM_OVERSIGHT.get(
            usecase.human_oversight or HumanOversight.SPOT_CHECKS.value, ("nobody", 0.0)
        )
    drivers["review_by"] = review_by
    if review_by != "nobody":
        drivers["review_share"] = share
        kind = mapping.request_kinds.get(usecase.request_kind) if usecase.request_kind else None
        if kind is not None:
            drivers["review_minutes_per_output"] = kind.review_minutes
    if review_by == "separate_team":
        team = usecase.review_team_function or "other"
        drivers["reviewer_hourly_cost"] = round(a.hourly_cost_of_function(team), 2)

    # Benefit: hours at the people's own cost; revenue weighted by the stated confidence.
    user_hourly = round(a.hourly_cost_of_function(function), 2)
    evidence = hours_saved_evidence(usecase, a)
    if usecase.benefit_kind == BenefitKind.HOURS_SAVED and evidence is not None:
        # No hours given: the published range for the kind of task (low, likely, high).
        people = usecase.employee_users or usecase.people_affected or 0
        low, likely, high = (
            round(h * people * a.working_weeks_per_year, 1)
            for h in evidence.hours_per_week(mapping.working_hours_per_week)
        )
        drivers["hours_saved_per_year"] = (
            likely if low == high else {"low": low, "mode": likely, "high": high}
        )
        drivers["user_hourly_cost"] = user_hourly
    elif (
        usecase.benefit_kind == BenefitKind.HOURS_SAVED and usecase.hours_saved_per_person_per_week
    ):
        people = usecase.employee_users or usecase.people_affected or 0
        hours = round(
            float(usecase.hours_saved_per_person_per_week) * people * a.working_weeks_per_year, 1
        )
        # The lead's stated confidence is the spread: 60 % sure means 60 % to 140 % of it.
        sure = (usecase.benefit_confidence if usecase.benefit_confidence is not None else 50) / 100
        drivers["hours_saved_per_year"] = (
            hours
            if sure >= 1
            else {
                "low": round(hours * sure, 1),
                "mode": hours,
                "high": round(hours * (2 - sure), 1),
            }
        )
        drivers["user_hourly_cost"] = user_hourly
    elif usecase.benefit_kind == BenefitKind.REVENUE and usecase.revenue_per_year is not None:
        drivers["revenue_per_year"] = float(usecase.revenue_per_year)
        confidence = usecase.benefit_confidence
        drivers["revenue_confidence"] = (confidence if confidence is not None else 50) / 100
        drivers["user_hourly_cost"] = user_hourly
    elif review_by == "own_draft":
        drivers["user_hourly_cost"] = user_hourly

    # Tokens: the intake's request shape, else the mapping's by archetype.
    shape = mapping.request_kinds.get(usecase.request_kind) if usecase.request_kind else None
    input_tokens = (
        float(usecase.request_input_tokens)
        if usecase.request_input_tokens is not None
        else shape.input_tokens
        if shape
        else mapping.input_tokens.get(archetype, 0.0)  # type: ignore[call-overload]
    )
    output_tokens = (
        float(usecase.request_output_tokens)
        if usecase.request_output_tokens is not None
        else shape.output_tokens
        if shape
        else mapping.output_tokens
    )
    tokens_given = bool(usecase.request_kind) or usecase.request_input_tokens is not None
    tool = _priced_tool(usecase)
    seat_tool = _seat_tool(usecase)
    if archetype in ("taker", "shaper"):
        drivers["input_tokens"] = assumed(input_tokens, tokens_given, 0)
        drivers["output_tokens"] = assumed(output_tokens, tokens_given, 0)
        if tool is not None:
            drivers["model"] = tool.slug
        else:
            drivers["price_per_million_input_tokens"] = (
                mapping.fallback_price_per_million_input_tokens
            )
            drivers["price_per_million_output_tokens"] = (
                mapping.fallback_price_per_million_output_tokens
            )
    if archetype == "taker":
        if tool is not None and seat_tool is None:
            # An API tool: every request is a call; nobody gets a seat.
            drivers["users"] = 0.0
        else:
            # A seat tool: seats for employee users only; customers' requests go to an API.
            drivers["users"] = float(employees)
            drivers["api_requests_per_day"] = round(customer_requests, 2)
            if seat_tool is not None:
                drivers["seat_price_monthly"] = float(seat_tool.seat_price_monthly or 0)
    if archetype == "shaper":
        sensitive = usecase.data_classification in ("confidential", "restricted")
        drivers["integration_complexity"] = "high" if sensitive else "medium"
        weeks = _integration_weeks(usecase, mapping)
        if weeks is None:  # assumed: the table's weeks for the complexity, as a range
            complexity = drivers["integration_complexity"]
            weeks = a.integration_person_weeks.of(complexity)
            drivers["integration_person_weeks"] = assumed(weeks, False)
        else:
            drivers["integration_person_weeks"] = weeks
        if usecase.corpus_documents is not None:
            documents: float | None = float(usecase.corpus_documents)
        else:
            documents = mapping.corpus_documents.get(str(answers.get("data_volume", "small")))
        if documents:
            drivers["corpus_documents"] = float(documents)
    if archetype == "shaper":
        size = employees + customer_requests
        drivers["run_team_scale"] = round(
            min(1.0, max(mapping.run_team_minimum_share, size / mapping.run_team_full_at_users)),
            3,
        )
    if archetype in ("shaper", "maker"):
        support = (
            employees / 1000 * mapping.run_fte_per_thousand_users
            + requests * days / 12 / 1e6 * mapping.run_fte_per_million_requests_a_month
        )
        if support > 0:
            drivers["support_fte"] = round(support, 3)
    # Rollout and training follow the employee users (customers are not trained).
    users_given = usecase.employee_users is not None
    if employees:
        training = mapping.training_hours_per_user
        drivers["training_hours"] = {
            "low": round(employees * training.low, 1),
            "mode": round(employees * training.medium, 1),
            "high": round(employees * training.high, 1),
        }
        drivers.setdefault("user_hourly_cost", user_hourly)
        rollout = employees / 100 * mapping.rollout_person_weeks_per_hundred_users
        drivers["rollout_person_weeks"] = assumed(rollout, users_given, 2)
    if archetype == "maker":
        drivers["parameters"] = mapping.maker_parameters
        drivers["input_tokens"] = assumed(input_tokens, tokens_given, 0)
        drivers["output_tokens"] = assumed(output_tokens, tokens_given, 0)
    return drivers


def _integration_weeks(usecase: UseCase, mapping: Any) -> float | None:
    """Engineer weeks from the integration facts; None when the intake gives none."""
    if usecase.systems_connected is None and usecase.data_sources is None:
        return None
    weeks = (usecase.systems_connected or 0) * mapping.integration_weeks_per_system
    weeks += (usecase.data_sources or 0) * mapping.integration_weeks_per_data_source
    if usecase.writes_back:
        weeks += mapping.integration_weeks_write_back
    weeks += mapping.integration_weeks_access_control.get(usecase.access_control or "none", 0)
    return float(weeks)


def drivers_for(
    usecase: UseCase, archetype: str, assumptions: Assumptions | None = None
) -> dict[str, Any]:
    """The reviewer's drivers when set, else the intake's defaults (under ``assumptions``)."""
    stored = EstimateDrivers.objects.filter(usecase=usecase, archetype=archetype).first()
    if stored is not None:
        return {**stored.drivers, "archetype": archetype}
    return default_drivers(usecase, archetype, assumptions)


def resolve_inputs(drivers: dict[str, Any], usecase: UseCase | None = None) -> dict[str, Any]:
    """Fill prices from the register entry ``model`` names (given values win), and the benefit."""
    resolved = dict(drivers)
    slug = resolved.get("model")
    if isinstance(slug, str):
        entry = RegisterEntry.objects.filter(slug=slug).first()
        if entry is None:
            raise ValidationError({"model": f"no register entry with the slug '{slug}'"})
        if not entry.has_prices:
            raise ValidationError({"model": f"the register entry '{slug}' has no prices"})
        prices = {
            "price_per_million_input_tokens": entry.price_per_million_input_tokens,
            "price_per_million_output_tokens": entry.price_per_million_output_tokens,
            "gpu_hourly_price": entry.gpu_hourly_price,
        }
        for key, price in prices.items():
            if price is not None:
                resolved.setdefault(key, float(price))
        if entry.gpu_type and entry.gpu_hourly_price is not None:
            resolved.setdefault("gpu", entry.gpu_type)
    states_benefit = "hours_saved_per_year" in resolved or "revenue_per_year" in resolved
    if usecase is not None and not states_benefit:
        # Older drivers without benefit facts: the intake's lump sum (not the field the
        # estimate itself fills, which would feed each result back into the next).
        lump = expected_annual_benefit(usecase, assumptions_current().assumptions())
        if lump is not None:
            resolved.setdefault("expected_annual_benefit", float(lump))
    return resolved


def validate_drivers(archetype: str, drivers: Any) -> dict[str, Any]:
    """Check a reviewer's drivers (JSON object) against the engine's input model."""
    if not isinstance(drivers, dict):
        raise ValidationError({"drivers": "The drivers must be a JSON object."})
    data = {**drivers, "archetype": archetype}
    try:
        EstimateInput.model_validate(resolve_inputs(data))
    except PydanticValidationError as error:
        raise ValidationError({"drivers": inputs_problems(error)}) from None
    return data


def inputs_hash(inputs: dict[str, Any], assumptions_number: int) -> str:
    canonical = json.dumps(
        {"inputs": inputs, "assumptions": assumptions_number}, sort_keys=True, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- Runs -----------------------------------------------------------------------------------


def _enqueue_runs(run_ids: list[int], *, queue: str = "portal") -> None:
    """After commit, hand the runs to the broker; if it is down they stay ``waiting``."""
    if not run_ids:
        return

    def send() -> None:
        from usecases.estimates.tasks import run_estimate

        for run_id in run_ids:
            now = timezone.now()
            EstimateRun.objects.filter(pk=run_id, status=RunStatus.WAITING).update(
                status=RunStatus.QUEUED, queued_at=now
            )
            try:
                run_estimate.apply_async(args=(run_id,), queue=queue)
            except Exception:
                logger.exception("could not enqueue estimate run %s; the sweeper will", run_id)
                EstimateRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
                    status=RunStatus.WAITING
                )

    transaction.on_commit(send)


def _enqueue_batch_plan(batch_id: int, entry_id: int | None) -> None:
    def send() -> None:
        from usecases.estimates.tasks import plan_estimate_batch

        try:
            plan_estimate_batch.apply_async(args=(batch_id, entry_id), queue="batch")
        except Exception:
            logger.exception("could not enqueue estimate batch %s", batch_id)

    transaction.on_commit(send)


def _request(
    usecase: UseCase, archetype: str, version: AssumptionsVersion, batch: EstimateBatch | None
) -> tuple[EstimateRun, bool]:
    """Make the run for the case's current inputs current; returns (run, needs computing)."""
    try:
        assumptions = version.assumptions()
        inputs = resolve_inputs(drivers_for(usecase, archetype, assumptions), usecase)
    except ValidationError as error:
        inputs = {"archetype": archetype, "problem": "; ".join(error.messages)}
    except PydanticValidationError as error:  # a stored version today's rules refuse
        problem = f"assumptions version {version.number}: "
        problem += inputs_problems(error, form="the assumptions")
        inputs = {"archetype": archetype, "problem": problem}
    digest = inputs_hash(inputs, version.number)
    runs = EstimateRun.objects.select_for_update().filter(usecase=usecase, archetype=archetype)
    existing = {run.inputs_hash: run for run in runs}
    run = existing.get(digest)
    previous = next((r for r in existing.values() if r.is_current), None)
    if previous is not None and previous is not run:
        previous.is_current = False
        previous.save(update_fields=["is_current"])
    # Results of other inputs are out of date; they stay visible until the new one lands.
    EstimateRun.objects.filter(usecase=usecase, archetype=archetype, status=RunStatus.DONE).exclude(
        inputs_hash=digest
    ).update(is_stale=True)
    if run is None:
        run = EstimateRun.objects.create(
            usecase=usecase,
            archetype=archetype,
            inputs=inputs,
            assumptions_version=version,
            inputs_hash=digest,
            batch=batch,
        )
        return run, True
    run.is_current = True
    run.is_stale = False
    fields = ["is_current", "is_stale"]
    needs = run.status == RunStatus.FAILED
    if needs:  # a retry of the same inputs
        run.status = RunStatus.WAITING
        run.error = ""
        run.batch = batch
        fields += ["status", "error", "batch"]
    run.save(update_fields=fields)
    return run, needs


def estimates_request(
    *,
    usecase: UseCase,
    archetypes: Iterable[str] = ARCHETYPES,
    batch: EstimateBatch | None = None,
    queue: str = "portal",
) -> list[EstimateRun]:
    """Ask for the estimates of ``archetypes`` with the case's current inputs (idempotent)."""
    with transaction.atomic():
        version = assumptions_current()
        usecase = UseCase.objects.select_for_update().get(pk=usecase.pk)
        derived_refresh(usecase, ["benefit"])  # the assumptions may have moved it
        runs, to_compute = [], []
        for archetype in archetypes:
            run, needs = _request(usecase, archetype, version, batch)
            runs.append(run)
            if needs:
                to_compute.append(run.pk)
        if batch is not None and to_compute:
            EstimateBatch.objects.filter(pk=batch.pk).update(total=F("total") + len(to_compute))
        derived_refresh(usecase, ["figures"])
        _enqueue_runs(to_compute, queue=queue)
    return runs


def estimate_rerun(*, by: User, usecase: UseCase, data: EstimateRerun) -> EstimateRun:
    """A reviewer's re-run (or retry of a failed run) of one archetype."""
    require(by, "usecases.adjust_estimates", usecase, "Only the CIO office can re-run estimates.")
    archetype = data.archetype
    with transaction.atomic():
        UseCase.objects.select_for_update().get(pk=usecase.pk)  # the case first, then its runs
        current = (
            EstimateRun.objects.select_for_update()
            .filter(usecase=usecase, archetype=archetype, is_current=True)
            .first()
        )
        if current is not None and current.is_active and not _is_stuck(current):
            return current
        if current is not None and current.is_active:  # stuck: hand it to a worker again
            current.status = RunStatus.WAITING
            current.save(update_fields=["status"])
            _enqueue_runs([current.pk])
            return current
        (run,) = estimates_request(usecase=usecase, archetypes=[archetype])
    return run


def _is_stuck(run: EstimateRun) -> bool:
    since = run.started_at if run.status == RunStatus.RUNNING else run.queued_at or run.created_at
    return since is not None and timezone.now() - since > STUCK_AFTER


def estimate_drivers_set(*, by: User, usecase: UseCase, data: DriversChange) -> EstimateRun:
    """Store a reviewer's drivers for one archetype and re-run its estimate.

    The drivers given are laid over the current ones (the reviewer's, else the intake's): a
    driver left out is kept, never dropped silently (the budget ceiling, say); ``null`` removes
    one.
    """
    archetype = data.archetype
    runs: list[EstimateRun] = []
    with case_change(
        usecase,
        by=by,
        may="usecases.adjust_estimates",
        refused="Only the CIO office can adjust the drivers.",
        action="usecase.estimate_drivers_set",
    ) as change:
        current = drivers_for(change.case, archetype)
        merged = {**current, **data.drivers}
        merged = {key: value for key, value in merged.items() if value is not None}
        try:  # the engine's input model decides (EstimateInput), with its own words
            drivers = validate_drivers(archetype, merged)
        except ValidationError as error:
            raise Refused.invalid(error.message_dict) from None
        before = EstimateDrivers.objects.filter(usecase=change.case, archetype=archetype).first()
        EstimateDrivers.objects.update_or_create(
            usecase=change.case,
            archetype=archetype,
            defaults={"drivers": drivers, "updated_by": by},
        )
        change.touched()
        change.before = {"drivers": before.drivers if before else None}
        change.after = {"archetype": archetype, "drivers": drivers}
        change.then(
            lambda: runs.extend(estimates_request(usecase=change.case, archetypes=[archetype]))
        )
    return runs[0]


def estimate_run_start(run_id: int, *, redelivered: bool = False) -> EstimateRun | None:
    """Mark the run running, unless it is done or another worker runs it (returns None then).

    ``redelivered``: the broker hands the task out again because the worker that had it died
    unacknowledged (killed, or its pool process lost). A run it left ``running`` is taken over
    at once rather than after ``STUCK_AFTER``; should that worker still be alive after all, its
    attempt finds a newer ``started_at`` in :func:`_finish` and stores nothing.
    """
    with transaction.atomic():
        run = EstimateRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status in (RunStatus.DONE, RunStatus.FAILED):
            return None
        if run.status == RunStatus.RUNNING and not (redelivered or _is_stuck(run)):
            return None
        run.status = RunStatus.RUNNING
        run.started_at = timezone.now()
        run.attempts += 1
        run.save(update_fields=["status", "started_at", "attempts"])
        return run


def estimate_run_execute(run_id: int, *, redelivered: bool = False) -> str:
    """Compute one run and store its result once; what the task calls. Returns the status."""
    run = estimate_run_start(run_id, redelivered=redelivered)
    if run is None:
        return "skipped"
    assumptions_version = AssumptionsVersion.objects.get(pk=run.assumptions_version_id)
    result, error = compute_run(run.inputs, assumptions_version)
    return _finish(run, result, error)


def compute_run(
    inputs_data: dict[str, Any], version: AssumptionsVersion
) -> tuple[dict[str, Any] | None, str]:
    """(result, "") or (None, the reason): inputs that cannot be computed fail once, with why.

    The inputs are validated again (a run stored before today's bounds may hold 1e308), and a
    result that is not finite JSON is refused rather than left for the database to choke on:
    either way the run is marked failed and never handed to a worker again.
    """
    try:
        if "problem" in inputs_data:
            raise ValueError(inputs_data["problem"])
        inputs = EstimateInput.model_validate(inputs_data)
        assumptions = version.assumptions()
        computed = estimate_with_sensitivity(inputs, assumptions, samples=SAMPLES, seed=SEED)
        result = computed.model_dump(mode="json")
        json.dumps(result, allow_nan=False)  # NaN or infinity cannot be stored or shown
    except PydanticValidationError as problem:
        return None, inputs_problems(problem)
    except (EstimateError, ValueError, ArithmeticError) as problem:
        message = str(problem)
        if "Out of range float values" in message:
            message = "the inputs give figures too large to compute; check the drivers"
        return None, message
    return result, ""


def _finish(run: EstimateRun, result: dict[str, Any] | None, error: str) -> str:
    with transaction.atomic():
        # Locks in the one order every writer of a case's estimates takes them: the case row
        # first, then its runs. Taking the run first deadlocks with a request for the same case
        # (``estimates_request`` holds the case and waits for the run).
        usecase = UseCase.objects.select_for_update().get(pk=run.usecase_id)
        locked = EstimateRun.objects.select_for_update().get(pk=run.pk)
        if locked.status != RunStatus.RUNNING or locked.started_at != run.started_at:
            return "skipped"  # another attempt took over and finishes it
        locked.status = RunStatus.DONE if result is not None else RunStatus.FAILED
        locked.result = result
        locked.error = error[:5000]
        locked.finished_at = timezone.now()
        locked.save(update_fields=["status", "result", "error", "finished_at"])
        if locked.status == RunStatus.DONE and locked.is_current:
            # The new result has landed: older results of this archetype are history now.
            EstimateRun.objects.filter(
                usecase_id=locked.usecase_id, archetype=locked.archetype, status=RunStatus.DONE
            ).exclude(pk=locked.pk).update(is_stale=True)
        if locked.batch_id is not None:
            counter = "done" if locked.status == RunStatus.DONE else "failed"
            EstimateBatch.objects.filter(pk=locked.batch_id).update(**{counter: F(counter) + 1})
            _close_batch(locked.batch_id)
        derived_refresh(usecase, ["figures"])
        return str(locked.status)


def _close_batch(batch_id: int) -> None:
    EstimateBatch.objects.filter(
        pk=batch_id, planned=True, finished_at__isnull=True, total__lte=F("done") + F("failed")
    ).update(finished_at=timezone.now())


def estimate_runs_fail_stale_retries(run_id: int, reason: str) -> None:
    """A run whose retries ran out: failed, with the reason, so the page offers a retry."""
    with transaction.atomic():
        run = EstimateRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status == RunStatus.DONE:
            return
        run.status = RunStatus.FAILED
        run.error = reason[:5000]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])


def estimates_sweep() -> int:
    """Enqueue runs left ``waiting`` (the broker was down) and re-queue stuck ones."""
    cutoff = timezone.now() - STUCK_AFTER
    stuck = Q(status=RunStatus.QUEUED, queued_at__lt=cutoff) | Q(
        status=RunStatus.RUNNING, started_at__lt=cutoff
    )
    with transaction.atomic():
        # A run that workers started MAX_ATTEMPTS times without finishing is not tried again:
        # it fails once, with the reason, and the page stops polling and offers "Try again".
        EstimateRun.objects.filter(stuck, attempts__gte=MAX_ATTEMPTS).update(
            status=RunStatus.FAILED,
            error=GAVE_UP,
            finished_at=timezone.now(),
        )
        ids = list(
            EstimateRun.objects.select_for_update(skip_locked=True)
            .filter(Q(status=RunStatus.WAITING) | stuck)
            .values_list("pk", flat=True)[:1000]
        )
        EstimateRun.objects.filter(pk__in=ids).update(status=RunStatus.WAITING)
        batched = set(
            EstimateRun.objects.filter(pk__in=ids, batch__isnull=False).values_list("pk", flat=True)
        )
        _enqueue_runs([i for i in ids if i not in batched])
        _enqueue_runs([i for i in ids if i in batched], queue="batch")
    return len(ids)


# --- Batches --------------------------------------------------------------------------------


def cases_affected_by(entry: RegisterEntry | None) -> Any:
    """Cases with estimates whose prices come from ``entry`` (every estimated case if None)."""
    cases = UseCase.objects.filter(status__in=ESTIMATED_STATUSES, estimate_runs__isnull=False)
    if entry is not None:
        cases = cases.filter(
            Q(preferred_tools=entry) | Q(estimate_drivers__drivers__model=entry.slug)
        )
    return cases.distinct().order_by("pk")


def estimates_after_price_change(*, entry: RegisterEntry, changed: Iterable[str]) -> None:
    """Called by the register when an entry changes: re-estimate its cases if prices moved."""
    price_fields = {
        "price_per_million_input_tokens",
        "price_per_million_output_tokens",
        "gpu_hourly_price",
        "gpu_type",
        "seat_price_monthly",
    }
    if not price_fields & set(changed):
        return
    batch = EstimateBatch.objects.create(reason=f"Prices of {entry.name} changed")
    _enqueue_batch_plan(batch.pk, entry.pk)


def estimate_batch_plan(batch_id: int, entry_id: int | None, *, chunk: int = 200) -> int:
    """Create the batch's runs, case by case, on the batch queue; returns how many to compute."""
    batch = EstimateBatch.objects.filter(pk=batch_id).first()
    if batch is None or batch.planned:
        return 0
    entry = RegisterEntry.objects.filter(pk=entry_id).first() if entry_id else None
    case_ids = list(cases_affected_by(entry).values_list("pk", flat=True))
    for start in range(0, len(case_ids), chunk):
        for usecase in UseCase.objects.filter(pk__in=case_ids[start : start + chunk]):
            estimates_request(usecase=usecase, batch=batch, queue="batch")
    EstimateBatch.objects.filter(pk=batch_id).update(planned=True)
    _close_batch(batch_id)
    return EstimateBatch.objects.get(pk=batch_id).total


# --- The archetype --------------------------------------------------------------------------


def usecase_archetype_answer(*, by: User, usecase: UseCase, data: ArchetypeAnswering) -> UseCase:
    """Record the questionnaire's answers and the archetype they recommend, with the reasons."""
    with case_change(
        usecase,
        by=by,
        may="usecases.answer_archetype",
        refused="Only the submitter, leads of the department and the CIO office answer this.",
        action="usecase.archetype_answered",
        expected_version=data.expected_version,
    ) as change:
        seat_tool = _seat_tool(change.case)
        recommendation = recommend_archetype(
            data.answers,
            seat_tool=seat_tool.name if seat_tool is not None else None,
            writes_back=bool(change.case.writes_back),
        )
        change.before = {"recommended_archetype": change.case.recommended_archetype}
        change.set(
            archetype_answers=data.answers.model_dump(mode="json"),
            recommended_archetype=recommendation.archetype,
            archetype_reasons=recommendation.reasons,
        )
        change.touched()
        change.after = {"recommended_archetype": recommendation.archetype}
        if change.case.estimate_runs.exists():
            # Budget and skills feed the feasibility: re-estimate with the new answers.
            change.then(lambda: _reestimate(change.case))
    return change.case


def _reestimate(usecase: UseCase) -> None:
    estimates_request(usecase=usecase)


def usecase_archetype_choose(*, by: User, usecase: UseCase, data: ArchetypeChoice) -> UseCase:
    """A reviewer confirms or overrides the recommendation; an override needs a justification."""
    with case_change(
        usecase,
        by=by,
        may="usecases.review_usecases",
        refused="Only the CIO office chooses the archetype.",
        action="usecase.archetype_chosen",
        expected_version=data.expected_version,
    ) as change:
        case = change.case
        overrides = data.archetype != case.recommended_archetype
        if overrides and len(data.justification) < 10:
            raise Refused.invalid(
                {"justification": "Explain in a sentence why you depart from the recommendation."}
            )
        change.before = {
            "chosen_archetype": case.chosen_archetype,
            "recommended_archetype": case.recommended_archetype,
        }
        change.set(chosen_archetype=data.archetype, archetype_justification=data.justification)
        change.touched()
        change.after = {"chosen_archetype": data.archetype, "overrides_recommendation": overrides}
        change.comment = data.justification
    return change.case


def estimates_for_submission(usecase: UseCase) -> None:
    """On submission: all three archetypes, computed after commit."""
    estimates_request(usecase=usecase)


ACTIVE = ACTIVE_STATUSES
