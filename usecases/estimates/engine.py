"""The estimate engine: what a use case would cost, how soon it pays, and how feasible it is.

Pure: :func:`estimate` takes an :class:`EstimateInput` and :class:`Assumptions` (pydantic models)
and returns an :class:`EstimateResult`; no database, no clock, no global state, so Celery, the
API, the command line and the tests all get the same answer.

Uncertainty is handled by Monte Carlo: every driver given as a range or a distribution is drawn
``samples`` times from ``random.Random(seed)``; every draw is pushed through the formulas below;
the totals' 10th, 50th and 90th percentiles are reported. When every driver is exact a single
draw is made, so P10 = P50 = P90 and the answer is exact and repeatable.

The formulas (USD; "weekly cost" of a role = its loaded annual cost / working weeks per year):

Around every archetype
    people_build (one-time)   = Σ person-weeks to roll out x weekly cost of the role
                                + rollout person-weeks that grow with the users (champions,
                                guidance) x domain expert weekly
    training (one-time)       = the users' hours in training x their own hourly cost
    people_run (annual)       = Σ FTEs to run it x annual cost of the role x run team scale
                                + support FTEs (users and volume) x domain expert cost
    human_oversight (annual)  = review_by "separate_team": requests/day x days/year x share
                                reviewed x minutes per review / 60 x the team's hourly cost;
                                "own_draft" and "nobody": 0 (the users' own reviewing is
                                netted out of the benefit instead); absent (older drivers):
                                requests x days x oversight minutes / 60 x reviewer hourly cost
    licences (annual)         = users (employee seats only) x seat price a month x 12
                                + platform subscription
    contingency               = contingency % x (sum of every other line), one-time and annual
Taker and Shaper
    api_usage (annual)        = API requests/day (default all requests) x days/year
                                x (input tokens x input price
                                + output tokens x output price) / 1e6
Shaper
    integration_engineering   = integration person-weeks (from the intake's integration facts,
                                else the table by complexity) x software engineer weekly
    retrieval_build           = retrieval person-weeks x ML engineer weekly (when a corpus)
    retrieval_embedding       = corpus tokens x embedding price / 1e6 once, and that times the
                                share of the corpus re-embedded each year
    retrieval_vector_store    = corpus tokens / tokens per chunk / 1e6 x monthly price per
                                million vectors x 12
    serving (annual)          = application and retrieval hosting, monthly x 12
    fine_tuning (one-time)    = fine-tuning GPU-hours x GPU hourly price
                                + data preparation person-weeks x ML engineer weekly
Maker
    training FLOPs            = 6 x parameters x training tokens (default 20 x parameters)
    gpu_hours                 = FLOPs / (peak TFLOP/s x 1e12 x utilisation) / 3600
    training_compute          = gpu_hours x GPU hourly price
    data (one-time)           = training tokens / 1e6 x data cost per million tokens
    maker_team (one-time)     = Σ team members x weekly cost x build weeks
    serving (annual)          = max(2 x parameters x (input + output tokens) x requests/day
                                x days/year / (peak x 1e12 x serving utilisation) / 3600,
                                minimum serving GPUs x 8760) x GPU hourly price
Time to first value (weeks)
    Taker   = rollout weeks (+ API integration weeks when it calls an API)
    Shaper  = integration weeks[complexity] (+ retrieval build weeks) (+ fine-tuning weeks)
    Maker   = data preparation weeks + gpu_hours / cluster GPUs / 168 + evaluation weeks
Benefit (annual), per draw
    hours saved x the users' hourly cost - own review hours x the same cost
    + revenue x confidence; the lump ``expected_annual_benefit`` when none of these is given
Payback (months), per draw
    one-time / ((annual benefit - annual cost) / 12); never when the benefit does not exceed
    the annual cost. The median over the draws is reported; ``None`` when that is "never".
Three-year NPV, per draw
    - one-time + sum over t = 1..3 of (benefit - annual cost) / (1 + discount rate)^t
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from usecases.estimates.assumptions import ROLES, Archetype, Assumptions, Role
from usecases.estimates.feasibility import FeasibilityFacts, score_feasibility
from usecases.estimates.inputs import BOUNDS, EstimateInput
from usecases.estimates.results import (
    Benefit,
    EstimateResult,
    LineItem,
    Swing,
    median,
    percentiles,
)
from usecases.estimates.uncertain import is_exact, sample

__all__ = [
    "ITEMS",
    "EstimateError",
    "api_usage_cost",
    "estimate",
    "estimate_with_sensitivity",
    "gpu_hours_for",
    "inference_flops",
    "sensitivity",
    "training_flops",
]

HOURS_PER_YEAR = 8_760
# Clock hours in a week (a cluster runs around the clock), not a person's working week.
CLOCK_HOURS_PER_WEEK = 168
# The line items of each archetype, in the order they are reported. Names are stable: pages,
# exports and stored results refer to them.
ITEMS: dict[Archetype, tuple[str, ...]] = {
    "taker": (
        "api_usage",
        "licences",
        "people_build",
        "training",
        "people_run",
        "human_oversight",
    ),
    "shaper": (
        "api_usage",
        "integration_engineering",
        "retrieval_build",
        "retrieval_embedding",
        "retrieval_vector_store",
        "serving",
        "fine_tuning",
        "licences",
        "people_build",
        "training",
        "people_run",
        "human_oversight",
    ),
    "maker": (
        "training_compute",
        "data",
        "maker_team",
        "serving",
        "licences",
        "people_build",
        "training",
        "people_run",
        "human_oversight",
    ),
}


class EstimateError(ValueError):
    """An input that passed validation but does not fit the assumptions (an unknown GPU)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def api_usage_cost(
    *,
    requests_per_day: float,
    days_per_year: float,
    input_tokens: float,
    output_tokens: float,
    price_per_million_input_tokens: float,
    price_per_million_output_tokens: float,
) -> float:
    """Annual API bill: requests/day x days x (tokens in x price in + tokens out x price out) / 1e6.

    Prices are per million tokens.
    """
    per_request = (
        input_tokens * price_per_million_input_tokens
        + output_tokens * price_per_million_output_tokens
    )
    return requests_per_day * days_per_year * per_request / 1e6


def training_flops(*, parameters: float, training_tokens: float) -> float:
    """Training compute of a dense transformer: 6 x parameters x tokens (Kaplan et al. 2020)."""
    return 6 * parameters * training_tokens


def inference_flops(*, parameters: float, tokens: float) -> float:
    """Inference compute: 2 x parameters per token processed."""
    return 2 * parameters * tokens


def gpu_hours_for(*, flops: float, peak_tflops: float, utilization: float) -> float:
    """GPU-hours to do ``flops`` at ``utilization`` of a GPU's peak: FLOPs / (peak x u) / 3600."""
    return flops / (peak_tflops * 1e12 * utilization) / 3600


@dataclass(slots=True)
class _Draw:
    """One draw of every driver, with defaults filled in."""

    requests_per_day: float
    days_per_year: float
    input_tokens: float
    output_tokens: float
    price_in: float
    price_out: float
    users: float
    corpus_tokens: float
    fine_tuning_gpu_hours: float
    parameters: float
    training_tokens: float
    gpu_hourly_price: float
    utilization: float
    cluster_gpus: float
    benefit: float | None
    api_requests_per_day: float
    seat_price_monthly: float
    review_share: float
    review_minutes: float
    reviewer_hourly_cost: float
    user_hourly_cost: float
    hours_saved_per_year: float | None
    revenue_per_year: float | None
    revenue_confidence: float
    integration_person_weeks: float | None
    support_fte: float
    run_team_scale: float
    training_hours: float
    rollout_person_weeks: float


@dataclass(frozen=True)
class _Outcome:
    lines: dict[str, tuple[float, float]]  # item -> (one-time, annual), contingency included
    gpu_hours: float | None
    weeks_to_value: float
    training_weeks: float
    review_hours: float  # reviewing by a separate team (or the older oversight rule): a cost
    own_review_hours: float  # the users reviewing their own drafts: netted out of the benefit
    # The totals of ``lines``, summed once (they are read several times per draw).
    one_time: float
    annual: float


def _people_cost(weeks_or_fte: dict[Role, float], cost_of: dict[Role, float]) -> float:
    return sum(amount * cost_of[role] for role, amount in weeks_or_fte.items())


@dataclass(frozen=True)
class _RoleCosts:
    """What a person in each role costs per week and per year, and the people lines that do
    not depend on a draw: computed once per estimate."""

    weekly: dict[Role, float]
    annual: dict[Role, float]
    build: float  # the archetype's roll-out person-weeks, priced
    run: float  # its standard run team a year, before scaling
    maker_team: float  # the Maker's build team for its build weeks

    @classmethod
    def of(cls, assumptions: Assumptions, archetype: Archetype) -> _RoleCosts:
        weekly = {role: assumptions.weekly_cost(role) for role in ROLES}
        annual = {role: assumptions.salaries.of(role) for role in ROLES}
        plan = assumptions.people[archetype]
        m = assumptions.maker
        return cls(
            weekly=weekly,
            annual=annual,
            build=_people_cost(plan.build_person_weeks, weekly),
            run=_people_cost(plan.run_fte, annual),
            maker_team=_people_cost(m.team, weekly) * m.build_weeks,
        )


def _outcome(
    inputs: EstimateInput, draw: _Draw, assumptions: Assumptions, gpu: str, costs: _RoleCosts
) -> _Outcome:
    a = assumptions
    archetype = inputs.archetype
    weekly, annual_salary = costs.weekly, costs.annual
    peak = a.gpus[gpu].peak_tflops
    lines: dict[str, tuple[float, float]] = {}
    outputs_per_year = draw.requests_per_day * draw.days_per_year
    gpu_hours: float | None = None
    training_weeks = 0.0

    if archetype in ("taker", "shaper"):
        lines["api_usage"] = (
            0.0,
            api_usage_cost(
                requests_per_day=draw.api_requests_per_day,
                days_per_year=draw.days_per_year,
                input_tokens=draw.input_tokens,
                output_tokens=draw.output_tokens,
                price_per_million_input_tokens=draw.price_in,
                price_per_million_output_tokens=draw.price_out,
            ),
        )
    if archetype == "taker":
        weeks = a.time_to_value.taker_weeks
        if draw.api_requests_per_day > 0:
            weeks += a.time_to_value.taker_api_weeks
    elif archetype == "shaper":
        complexity = inputs.integration_complexity
        person_weeks = draw.integration_person_weeks
        if person_weeks is None:
            person_weeks = a.integration_person_weeks.of(complexity)
        lines["integration_engineering"] = (person_weeks * weekly["software_engineer"], 0.0)
        has_corpus = draw.corpus_tokens > 0
        r = a.retrieval
        lines["retrieval_build"] = (
            r.build_person_weeks * weekly["ml_engineer"] if has_corpus else 0.0,
            0.0,
        )
        embedding = draw.corpus_tokens * r.embedding_price_per_million_tokens / 1e6
        lines["retrieval_embedding"] = (embedding, embedding * r.annual_reembedding_fraction)
        vectors_millions = draw.corpus_tokens / r.tokens_per_chunk / 1e6
        lines["retrieval_vector_store"] = (
            0.0,
            vectors_millions * r.vector_store_monthly_per_million_vectors * 12,
        )
        lines["serving"] = (0.0, r.serving_monthly * 12)
        fine_tuning = 0.0
        if draw.fine_tuning_gpu_hours > 0:
            gpu_hours = draw.fine_tuning_gpu_hours
            fine_tuning = (
                gpu_hours * draw.gpu_hourly_price
                + a.fine_tuning.data_preparation_person_weeks * weekly["ml_engineer"]
            )
        lines["fine_tuning"] = (fine_tuning, 0.0)
        weeks = a.time_to_value.shaper_integration_weeks.of(complexity)
        if has_corpus:
            weeks += r.build_weeks
        if gpu_hours is not None:
            weeks += a.fine_tuning.weeks
    else:
        m = a.maker
        flops = training_flops(parameters=draw.parameters, training_tokens=draw.training_tokens)
        gpu_hours = gpu_hours_for(flops=flops, peak_tflops=peak, utilization=draw.utilization)
        lines["training_compute"] = (gpu_hours * draw.gpu_hourly_price, 0.0)
        lines["data"] = (draw.training_tokens / 1e6 * m.data_cost_per_million_training_tokens, 0.0)
        lines["maker_team"] = (costs.maker_team, 0.0)
        serving_flops = inference_flops(
            parameters=draw.parameters,
            tokens=(draw.input_tokens + draw.output_tokens) * outputs_per_year,
        )
        serving_hours = max(
            gpu_hours_for(flops=serving_flops, peak_tflops=peak, utilization=m.serving_utilization),
            m.min_serving_gpus * HOURS_PER_YEAR,
        )
        lines["serving"] = (0.0, serving_hours * draw.gpu_hourly_price)
        training_weeks = gpu_hours / draw.cluster_gpus / CLOCK_HOURS_PER_WEEK
        weeks = m.data_preparation_weeks + training_weeks + m.evaluation_weeks

    licences = a.licences
    lines["licences"] = (
        0.0,
        draw.users * draw.seat_price_monthly * 12 + licences.platform_annual[archetype],
    )
    lines["people_build"] = (
        costs.build + draw.rollout_person_weeks * weekly["domain_expert_reviewer"],
        0.0,
    )
    lines["training"] = (draw.training_hours * draw.user_hourly_cost, 0.0)
    lines["people_run"] = (
        0.0,
        costs.run * draw.run_team_scale
        + draw.support_fte * annual_salary["domain_expert_reviewer"],
    )
    own_review_hours = 0.0
    if inputs.review_by is None:  # the older rule: every reviewed output a cost
        review_hours = outputs_per_year * a.oversight.minutes_per_output[inputs.oversight] / 60
        reviewer_rate = a.oversight.reviewer_hourly_cost
    else:
        reviewed = outputs_per_year * draw.review_share * draw.review_minutes / 60
        review_hours = reviewed if inputs.review_by == "separate_team" else 0.0
        own_review_hours = reviewed if inputs.review_by == "own_draft" else 0.0
        reviewer_rate = draw.reviewer_hourly_cost
    lines["human_oversight"] = (0.0, review_hours * reviewer_rate)

    share = a.contingency_percent / 100
    # One pass over the lines (the hottest loop of an estimate); the same left-to-right sums
    # as sum() over the lines, contingency last.
    one_time_total = annual_total = 0.0
    for one_time, annual in lines.values():
        one_time_total += one_time
        annual_total += annual
    contingency = (share * one_time_total, share * annual_total)
    lines["contingency"] = contingency
    return _Outcome(
        lines,
        gpu_hours,
        weeks,
        training_weeks,
        review_hours,
        own_review_hours,
        one_time=one_time_total + contingency[0],
        annual=annual_total + contingency[1],
    )


def _draws(
    inputs: EstimateInput, assumptions: Assumptions, gpu: str, n: int, rng: random.Random
) -> list[_Draw]:
    """``n`` draws of every driver, in a fixed field order so a seed always means the same."""
    sampled: dict[str, list[float | None]] = {}
    for name, bounds in BOUNDS.items():
        value = getattr(inputs, name)
        sampled[name] = [None] * n if value is None else list(sample(value, n, rng, bounds))
    catalogue_price = assumptions.gpus[gpu].hourly_price
    tokens_per_document = assumptions.retrieval.tokens_per_document

    def column(name: str, default: float) -> list[float]:
        drawn = sampled[name]
        if drawn[0] is None:  # not given: the default for every draw
            return [default] * n
        return drawn  # type: ignore[return-value]

    parameters = column("parameters", 0.0)
    documents = column("corpus_documents", 0.0)
    requests = column("requests_per_day", 0.0)
    corpus = sampled["corpus_tokens"]
    training = sampled["training_tokens"]
    columns = zip(
        requests,
        column("days_per_year", 365.0),
        column("input_tokens", 0.0),
        column("output_tokens", 0.0),
        column("price_per_million_input_tokens", 0.0),
        column("price_per_million_output_tokens", 0.0),
        column("users", 0.0),
        [d * tokens_per_document for d in documents] if corpus[0] is None else corpus,
        column("fine_tuning_gpu_hours", 0.0),
        parameters,
        # Compute-optimal data: about 20 tokens per parameter (Hoffmann et al. 2022).
        [20 * p for p in parameters] if training[0] is None else training,
        column("gpu_hourly_price", catalogue_price),
        column("utilization", assumptions.default_utilization),
        column("cluster_gpus", assumptions.maker.cluster_gpus),
        sampled["expected_annual_benefit"],
        requests if sampled["api_requests_per_day"][0] is None else sampled["api_requests_per_day"],
        column("seat_price_monthly", assumptions.licences.per_seat_monthly[inputs.archetype]),
        column("review_share", 1.0),
        column(
            "review_minutes_per_output", assumptions.oversight.minutes_per_output["every_output"]
        ),
        column("reviewer_hourly_cost", assumptions.oversight.reviewer_hourly_cost),
        column("user_hourly_cost", assumptions.hourly_cost(assumptions.intake.benefit_valued_as)),
        sampled["hours_saved_per_year"],
        sampled["revenue_per_year"],
        column("revenue_confidence", 1.0),
        sampled["integration_person_weeks"],
        column("support_fte", 0.0),
        column("run_team_scale", 1.0),
        column("training_hours", 0.0),
        column("rollout_person_weeks", 0.0),
        strict=True,
    )
    draws = [_Draw(*values) for values in columns]
    return draws


def _gpu(inputs: EstimateInput, assumptions: Assumptions) -> str:
    if inputs.gpu is not None:
        gpu = inputs.gpu
    elif inputs.archetype == "shaper":
        gpu = assumptions.fine_tuning.gpu
    else:
        gpu = assumptions.default_gpu
    if gpu not in assumptions.gpus:
        known = ", ".join(sorted(assumptions.gpus))
        raise EstimateError("gpu", f"'{gpu}' is not in the GPU catalogue (one of: {known})")
    return gpu


def _states_benefit(inputs: EstimateInput) -> bool:
    """Whether the benefit is built from intake facts (hours saved, revenue), not a lump sum."""
    return inputs.hours_saved_per_year is not None or inputs.revenue_per_year is not None


@dataclass(frozen=True)
class _Benefit:
    time_saved: float
    own_review: float
    revenue: float
    hours_saved: float

    @property
    def net(self) -> float:
        return self.time_saved - self.own_review + self.revenue


def _benefit(inputs: EstimateInput, draw: _Draw, outcome: _Outcome) -> _Benefit | None:
    """Benefit = hours saved x the users' hourly cost - their own reviewing at the same cost
    + revenue x confidence; the lump sum ``expected_annual_benefit`` when no facts are given."""
    if not _states_benefit(inputs):
        if draw.benefit is None:
            return None
        return _Benefit(draw.benefit, 0.0, 0.0, 0.0)
    hours = draw.hours_saved_per_year or 0.0
    return _Benefit(
        time_saved=hours * draw.user_hourly_cost,
        own_review=outcome.own_review_hours * draw.user_hourly_cost,
        revenue=(draw.revenue_per_year or 0.0) * draw.revenue_confidence,
        hours_saved=hours,
    )


def _npv(outcome: _Outcome, benefit: float, rate: float, years: int = 3) -> float:
    """-one-time now, then (benefit - annual cost) at the end of each of ``years`` years."""
    flow = benefit - outcome.annual
    return -outcome.one_time + sum(flow / (1 + rate) ** year for year in range(1, years + 1))


def _payback_months(outcome: _Outcome, benefit: float | None) -> float:
    if benefit is None or benefit <= outcome.annual:
        return math.inf
    return outcome.one_time / ((benefit - outcome.annual) / 12)


def _median_months(months: list[float]) -> float:
    """The median payback; "never" (infinity) when the middle draws never pay back."""
    ordered = sorted(months)
    middle = ordered[(len(ordered) - 1) // 2 : len(ordered) // 2 + 1]
    return math.inf if math.inf in middle else sum(middle) / len(middle)


def estimate(
    inputs: EstimateInput, assumptions: Assumptions, *, samples: int = 2000, seed: int = 0
) -> EstimateResult:
    """Estimate one archetype of one use case (see the module docstring for every formula).

    ``samples`` draws are made from ``random.Random(seed)`` when any driver is uncertain, one
    when all are exact. Raises :class:`EstimateError` for a GPU the assumptions do not know, and
    ``ValueError`` for fewer than one sample.
    """
    if samples < 1:
        raise ValueError("samples: must be at least 1")
    gpu = _gpu(inputs, assumptions)
    exact = all(is_exact(getattr(inputs, name)) for name in BOUNDS)
    n = 1 if exact else samples
    rng = random.Random(seed)
    draws = _draws(inputs, assumptions, gpu, n, rng)
    costs = _RoleCosts.of(assumptions, inputs.archetype)
    outcomes = [_outcome(inputs, draw, assumptions, gpu, costs) for draw in draws]

    items = (*ITEMS[inputs.archetype], "contingency")
    breakdown = [
        LineItem(
            item=item,
            one_time=round(median([o.lines[item][0] for o in outcomes]), 2),
            annual=round(median([o.lines[item][1] for o in outcomes]), 2),
        )
        for item in items
    ]
    any_gpu_hours = any(o.gpu_hours is not None for o in outcomes)
    hours = [o.gpu_hours or 0.0 for o in outcomes]
    first_year = [o.one_time + o.annual for o in outcomes]
    first_year_range = percentiles(first_year)
    facts = FeasibilityFacts(
        archetype=inputs.archetype,
        complexity=inputs.integration_complexity,
        skills=inputs.skills_in_house,
        budget_ceiling=inputs.budget_ceiling,
        first_year_p50=first_year_range.p50,
        first_year_p90=first_year_range.p90,
        weeks_to_value=median([o.weeks_to_value for o in outcomes]),
        training_weeks=median([o.training_weeks for o in outcomes]),
        review_hours_per_year=median([o.review_hours for o in outcomes]),
    )
    benefits = [_benefit(inputs, d, o) for o, d in zip(outcomes, draws, strict=True)]
    payback = _median_months(
        [
            _payback_months(o, b.net if b is not None else None)
            for o, b in zip(outcomes, benefits, strict=True)
        ]
    )
    summary: Benefit | None = None
    annual_benefit = net_annual = npv_3y = None
    rate = assumptions.discount_rate_percent / 100
    if all(b is not None for b in benefits):
        known = [b for b in benefits if b is not None]
        annual_benefit = percentiles([b.net for b in known])
        net_annual = percentiles([b.net - o.annual for b, o in zip(known, outcomes, strict=True)])
        npv_3y = percentiles([_npv(o, b.net, rate) for b, o in zip(known, outcomes, strict=True)])
        if _states_benefit(inputs):
            summary = Benefit(
                time_saved=round(median([b.time_saved for b in known]), 2),
                own_review=round(median([b.own_review for b in known]), 2),
                revenue=round(median([b.revenue for b in known]), 2),
                hours_saved=round(median([b.hours_saved for b in known]), 1),
                review_hours=round(median([o.own_review_hours for o in outcomes]), 1),
                user_hourly_cost=round(median([d.user_hourly_cost for d in draws]), 2),
            )
    return EstimateResult(
        archetype=inputs.archetype,
        currency=assumptions.currency,
        one_time=percentiles([o.one_time for o in outcomes]),
        annual=percentiles([o.annual for o in outcomes]),
        breakdown=breakdown,
        gpu_hours=percentiles(hours, digits=0) if any_gpu_hours else None,
        time_to_first_value_weeks=round(facts.weeks_to_value, 1),
        feasibility=score_feasibility(facts),
        payback_months=None if math.isinf(payback) else round(payback, 1),
        annual_benefit=annual_benefit,
        benefit=summary,
        net_annual=net_annual,
        npv_3y=npv_3y,
        discount_rate_percent=assumptions.discount_rate_percent,
        review_hours_per_year=round(median([o.review_hours for o in outcomes]), 1),
        inputs=inputs,
        assumptions_version=assumptions.version,
        samples=n,
        seed=seed,
    )


# Drivers whose swing is not a question to put to a reader (they are switches or identities).
_NOT_SWUNG = frozenset({"days_per_year"})


def sensitivity(
    inputs: EstimateInput, assumptions: Assumptions, *, top: int = 5, seed: int = 0
) -> list[Swing]:
    """What drives the figures: each uncertain driver swung from its P10 to its P90 with every
    other driver held at its P50, the P50 annual cost and the payback at both ends; the ``top``
    that move the annual cost most (then the payback), largest first.

    Exact drivers have P10 = P90 and do not swing: give a range to see what it weighs.
    """
    rng = random.Random(seed)
    ends: dict[str, tuple[float, float, float]] = {}
    for name, bounds in BOUNDS.items():
        value = getattr(inputs, name)
        if value is None or is_exact(value) or name in _NOT_SWUNG:
            continue
        spread = percentiles(sample(value, 400, rng, bounds), digits=6)
        if spread.p10 != spread.p90:
            ends[name] = (spread.p10, spread.p50, spread.p90)
    if not ends:
        return []
    base = inputs.model_copy(update={name: middle for name, (_, middle, _) in ends.items()})

    def at(name: str, point: float) -> EstimateResult:
        return estimate(base.model_copy(update={name: point}), assumptions, samples=1)

    swings = []
    for name, (low, _, high) in ends.items():
        lo, hi = at(name, low), at(name, high)
        swings.append(
            Swing(
                driver=name,
                low=round(low, 4),
                high=round(high, 4),
                annual_at_low=lo.annual.p50,
                annual_at_high=hi.annual.p50,
                payback_at_low=lo.payback_months,
                payback_at_high=hi.payback_months,
            )
        )

    def weight(swing: Swing) -> tuple[float, float]:
        payback = [
            m if m is not None else 1e6 for m in (swing.payback_at_low, swing.payback_at_high)
        ]
        return (abs(swing.annual_at_high - swing.annual_at_low), abs(payback[1] - payback[0]))

    return sorted(swings, key=weight, reverse=True)[:top]


def estimate_with_sensitivity(
    inputs: EstimateInput, assumptions: Assumptions, *, samples: int = 2000, seed: int = 0
) -> EstimateResult:
    """:func:`estimate` with its :func:`sensitivity`: what the portal and the command compute."""
    result = estimate(inputs, assumptions, samples=samples, seed=seed)
    return result.model_copy(update={"sensitivity": sensitivity(inputs, assumptions, seed=seed)})
