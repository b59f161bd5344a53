"""The assumptions behind every estimate: salaries, GPUs, utilisation, effort tables, prices.

A versioned pydantic model. Admins edit it; each version is kept (stored later as JSON), and every
estimate records the version it used so that it can be reproduced. :data:`DEFAULT_ASSUMPTIONS`
holds defensible starting values, each with where it comes from; ``CALIBRATION.md`` beside this
file shows how close the engine comes to published training runs and API bills with them.

Money is in US dollars. Salaries are *fully loaded* annual costs: the median wage from the US
Bureau of Labor Statistics (OEWS, May 2023) times 1.4, because wages are about 70 % of what an
employer pays for a person (BLS Employer Costs for Employee Compensation: benefits are the other
~30 %); rounded to the nearest 5,000. Replace them with your own HR figures.
"""

from __future__ import annotations

import datetime
import json
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "DEFAULT_ASSUMPTIONS",
    "ROLES",
    "Archetype",
    "Assumptions",
    "Complexity",
    "EffortTable",
    "FineTuning",
    "Fte",
    "GpuType",
    "IntakeDefaults",
    "Licences",
    "MakerDefaults",
    "Oversight",
    "OversightCosts",
    "PeoplePlan",
    "RequestShape",
    "Retrieval",
    "Role",
    "Salaries",
    "TaskEvidence",
    "TimeToValue",
]

Archetype = Literal["taker", "shaper", "maker"]
Complexity = Literal["low", "medium", "high"]
Oversight = Literal["every_output", "spot_checks", "fully_automated"]
Role = Literal[
    "ml_engineer", "software_engineer", "data_engineer", "product_manager", "domain_expert_reviewer"
]

ROLES: tuple[Role, ...] = get_args(Role)

# Every number has a lower and an upper bound a person would accept (the one place for them;
# the editor, the API and ``manage.py estimate --assumptions`` all validate through this model).
Money = Annotated[float, Field(ge=0, le=1e9, description="USD.")]
Salary = Annotated[float, Field(ge=0, le=5_000_000, description="USD per year, fully loaded.")]
HourlyPrice = Annotated[float, Field(ge=0, le=100, description="USD per GPU-hour.")]
TokenPrice = Annotated[float, Field(ge=0, le=1_000, description="USD per million tokens.")]
Weeks = Annotated[float, Field(ge=0, le=520)]
Fte = Annotated[float, Field(ge=0, le=1_000)]
Share = Annotated[float, Field(ge=0, le=1)]
SeatPrice = Annotated[float, Field(ge=0, le=10_000, description="USD per seat per month.")]
HourlyCost = Annotated[float, Field(ge=0, le=10_000, description="USD per hour, fully loaded.")]


class _Strict(BaseModel):
    # NaN and infinities are refused ("must be a finite number"), as are unknown keys.
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, allow_inf_nan=False)


class Salaries(_Strict):
    """Annual fully loaded cost of one person in each role (USD per year)."""

    ml_engineer: Salary
    software_engineer: Salary
    data_engineer: Salary
    product_manager: Salary
    domain_expert_reviewer: Salary

    def of(self, role: Role) -> float:
        return float(getattr(self, role))


class GpuType(_Strict):
    """One accelerator: its peak dense bf16 throughput and what an hour of it costs."""

    peak_tflops: Annotated[float, Field(gt=0, le=100_000, description="Peak dense bf16 TFLOP/s.")]
    hourly_price: HourlyPrice


class EffortTable(_Strict):
    """Person-weeks (or elapsed weeks) by integration complexity."""

    low: Weeks
    medium: Weeks
    high: Weeks

    def of(self, complexity: Complexity) -> float:
        return float(getattr(self, complexity))


class Retrieval(_Strict):
    """Retrieval over the company's documents: build effort and running prices."""

    build_person_weeks: Weeks = Field(description="ML-engineer weeks to build the index pipeline.")
    build_weeks: Weeks = Field(description="Elapsed weeks the retrieval build adds.")
    embedding_price_per_million_tokens: TokenPrice
    tokens_per_document: Annotated[float, Field(gt=0, le=10_000_000)]
    tokens_per_chunk: Annotated[float, Field(gt=0, le=1_000_000)]
    vector_store_monthly_per_million_vectors: Money
    serving_monthly: Money = Field(description="Retrieval service and application hosting.")
    annual_reembedding_fraction: Share


class FineTuning(_Strict):
    """Fine-tuning an existing model (Shaper), when GPU-hours for it are given."""

    gpu: str
    data_preparation_person_weeks: Weeks
    weeks: Weeks = Field(description="Elapsed weeks fine-tuning and its evaluation add.")


class MakerDefaults(_Strict):
    """Building a foundation model: team, data, cluster, serving."""

    team: dict[Role, Fte] = Field(description="People on the build team, by role.")
    build_weeks: Weeks = Field(description="How long the build team works on the first model.")
    data_cost_per_million_training_tokens: TokenPrice
    data_preparation_weeks: Weeks
    evaluation_weeks: Weeks
    cluster_gpus: Annotated[float, Field(ge=1, le=1_000_000)]
    serving_utilization: Annotated[float, Field(gt=0, le=1)]
    min_serving_gpus: Annotated[float, Field(ge=0, le=100_000)]


class PeoplePlan(_Strict):
    """People around a solution: person-weeks to roll it out, and FTEs to run it each year."""

    build_person_weeks: dict[Role, Weeks]
    run_fte: dict[Role, Fte]


class Licences(_Strict):
    """Per-seat licences (monthly) and platform subscriptions (annual), by archetype."""

    per_seat_monthly: dict[Archetype, SeatPrice]
    platform_annual: dict[Archetype, Money]


class OversightCosts(_Strict):
    """People reviewing what the model produces."""

    minutes_per_output: dict[Oversight, Annotated[float, Field(ge=0, le=600)]]
    reviewer_hourly_cost: HourlyCost


class TimeToValue(_Strict):
    """Elapsed weeks to first value that no cost driver gives."""

    taker_weeks: Weeks
    taker_api_weeks: Weeks = Field(description="Extra weeks when the Taker calls an API.")
    shaper_integration_weeks: EffortTable


class RequestShape(_Strict):
    """Tokens of one request of a named kind."""

    input_tokens: Annotated[float, Field(ge=0, le=2_000_000)]
    output_tokens: Annotated[float, Field(ge=0, le=200_000)]
    review_minutes: Annotated[float, Field(ge=0, le=600)] = Field(
        default=2, description="Minutes to read and correct one output of this kind."
    )


Percent = Annotated[float, Field(ge=-100, le=100)]
Words = Annotated[str, Field(max_length=1_000)]


class TaskEvidence(_Strict):
    """Published evidence of the time generative AI saves on one kind of task, and the default
    range of hours a week it gives when the lead cannot say (REFERENCE.md "Productivity
    evidence"). Hours a week = time saved (%) x the task's share of a working week x the
    working hours of a week. A negative share is time lost (a measured slowdown)."""

    label: Words
    time_saved_percent_low: Percent
    time_saved_percent_likely: Percent
    time_saved_percent_high: Percent
    share_of_week: Annotated[float, Field(gt=0, le=1)] = Field(
        description="Share of a working week the users spend on this kind of task (judgement)."
    )
    finding: Words = Field(description="What the studies found, as published.")
    source: Words = Field(description="Who found it, where, when.")
    basis: Words = Field(default="", description="How the range was drawn from the finding.")
    mixed: Words = Field(
        default="", description="When the evidence is mixed: how, in words (shown with it)."
    )

    @model_validator(mode="after")
    def _ordered(self) -> TaskEvidence:
        low, likely = self.time_saved_percent_low, self.time_saved_percent_likely
        if not low <= likely <= self.time_saved_percent_high:
            raise ValueError("time saved: low <= likely <= high")
        return self

    def hours_per_week(self, working_hours: float) -> tuple[float, float, float]:
        """(low, likely, high) hours a person saves a week, rounded to 0.1 h."""
        hours = self.share_of_week * working_hours / 100
        return (
            round(self.time_saved_percent_low * hours, 1),
            round(self.time_saved_percent_likely * hours, 1),
            round(self.time_saved_percent_high * hours, 1),
        )


# REFERENCE.md "Productivity evidence", quoted; the shares of a week and the likely figures are
# judgement, said so in ``basis``.
TASK_EVIDENCE: dict[str, TaskEvidence] = {
    "customer_support": TaskEvidence(
        label="Answering customers' questions (support)",
        # 14 % more issues an hour is 1 - 1/1.14 = 12.3 % less time an issue; 34 %: 25.4 %.
        time_saved_percent_low=0,
        time_saved_percent_likely=12.3,
        time_saved_percent_high=25.4,
        share_of_week=0.75,
        finding="Customer support agents with a generative-AI assistant resolved 14 % more "
        "issues an hour on average, 34 % more for novice agents, little for the most skilled",
        source="Brynjolfsson, Li and Raymond, NBER w31161 2023; Quarterly Journal of "
        "Economics 2025, 15 %",
        basis="12.3 % less time an issue on average (14 % more an hour), 25.4 % for novices, "
        "about none for the most skilled; agents spend about three quarters of their week on "
        "issues (judgement).",
    ),
    "software_development": TaskEvidence(
        label="Writing and changing code",
        time_saved_percent_low=-19,
        time_saved_percent_likely=10,
        time_saved_percent_high=55.8,
        share_of_week=0.5,
        finding="Developers with GitHub Copilot finished a set programming task 55.8 % faster; "
        "a 2025 randomised trial with experienced open-source developers on their own "
        "repositories found them 19 % slower, though they believed they were faster",
        source="Peng et al., 2023, controlled experiment; METR, July 2025",
        basis="From 19 % slower to 55.8 % faster, likely 10 % (judgement, nearer the trial on "
        "real repositories); developers write code about half their week (judgement).",
        mixed="The evidence is mixed: a controlled task went 55.8 % faster, a randomised trial "
        "on developers' own code went 19 % slower; the range runs from time lost to time saved.",
    ),
    "analysis": TaskEvidence(
        label="Analysis and advice (consulting-style work)",
        time_saved_percent_low=0,
        time_saved_percent_likely=12.5,
        time_saved_percent_high=25.1,
        share_of_week=0.5,
        finding="Consultants using GPT-4 on tasks inside its competence did 12.2 % more tasks, "
        "25.1 % faster, at higher quality; on a task outside it they were 19 points less "
        "likely to be right",
        source="Dell'Acqua et al., Harvard Business School working paper 24-013, 2023",
        basis="25.1 % faster inside the model's competence, nothing saved outside it; likely "
        "half the measured gain (judgement); about half a week on such tasks (judgement).",
        mixed="The evidence is mixed: 25.1 % faster on tasks inside the model's competence, "
        "19 points less likely to be right on a task outside it.",
    ),
    "writing": TaskEvidence(
        label="Professional writing (emails, reports, announcements)",
        time_saved_percent_low=20,
        time_saved_percent_likely=30,
        time_saved_percent_high=40,
        share_of_week=0.25,
        finding="Professional writing tasks: time fell by about 40 % and quality rose by about "
        "18 %",
        source="Noy and Zhang, Science, 2023",
        basis="About 40 % less time on short writing tasks in the study is the high end; real "
        "documents have parts the assistant does not touch, so likely 30 %, at least 20 % "
        "(judgement); a quarter of a week spent writing (judgement).",
    ),
}


class IntakeDefaults(_Strict):
    """How the intake's answers become an estimate's drivers where the lead gave no figure.

    Every default has a value so that versions stored before this part existed still parse.
    """

    working_days_per_year: Annotated[float, Field(ge=1, le=366)] = Field(
        default=250, description="Days a year people use it (52 weeks x 5, less leave)."
    )
    working_hours_per_week: Annotated[float, Field(ge=1, le=80)] = Field(
        default=40, description="Hours in a person's working week (values time saved)."
    )
    requests_per_person_per_day: Annotated[float, Field(ge=0, le=10_000)] = Field(
        default=20, description="Uses per person per working day when the intake says none."
    )
    requests_low_factor: Annotated[float, Field(ge=0, le=1)] = Field(
        default=0.5, description="P-low of the requests a day, as a share of the intake's hint."
    )
    requests_high_factor: Annotated[float, Field(ge=1, le=100)] = Field(
        default=2, description="P-high of the requests a day, as a multiple of the hint."
    )
    input_tokens: dict[Archetype, Annotated[float, Field(ge=0, le=2_000_000)]] = Field(
        # A question with some context (Taker), with retrieved passages (Shaper): judgement.
        default={"taker": 1_500, "shaper": 3_500, "maker": 1_500},
        description="Tokens sent per request, by archetype.",
    )
    output_tokens: Annotated[float, Field(ge=0, le=200_000)] = Field(
        default=400, description="Tokens generated per request (about 300 words)."
    )
    maker_parameters: Annotated[float, Field(gt=0, le=1e13)] = Field(
        default=7e9, description="Size of the model a Maker would train (a 7B model)."
    )
    # A mid-range commercial model's list price (GPT-4o, 2024-2025), when no preferred tool of
    # the case has token prices.
    fallback_price_per_million_input_tokens: TokenPrice = 2.5
    fallback_price_per_million_output_tokens: TokenPrice = 10.0
    corpus_documents: dict[str, Annotated[float, Field(ge=0, le=1e9)]] = Field(
        default={"none": 0, "small": 10_000, "large": 500_000, "massive": 10_000_000},
        description="Documents to index for retrieval, by the questionnaire's data volume.",
    )
    benefit_valued_as: Role = Field(
        default="domain_expert_reviewer",
        description="Whose loaded hourly cost values an hour saved when the case names no "
        "business function.",
    )
    loaded_annual_cost_by_function: dict[str, Salary] = Field(
        # BLS OEWS May 2023 median wages x 1.4, rounded to 5,000 (as the salaries above):
        # customer service representatives $39,680; sales and marketing (market research
        # analysts and marketing specialists) $74,680; software developers $132,270; network
        # and computer systems administrators $95,360; human resources specialists $67,650;
        # accountants and auditors $79,880; legal (a team of lawyers, $145,760, and paralegals,
        # $60,970, half each) ~$103,000; product (project management specialists) $98,580;
        # other: business and financial operations $79,050.
        default={
            "customer_service": 55_000,
            "marketing_sales": 105_000,
            "software_engineering": 185_000,
            "it_operations": 135_000,
            "hr": 95_000,
            "finance": 110_000,
            "legal": 145_000,
            "product_rd": 140_000,
            "other": 110_000,
        },
        description="Fully loaded annual cost of the people of each business function (USD); "
        "an hour saved is worth this / working weeks / working hours a week.",
    )
    uses_per_day_by_function: dict[str, Annotated[float, Field(ge=0, le=10_000)]] = Field(
        # Judgement: an agent drafts a reply per conversation; a developer asks many small
        # completions; office work uses an assistant a few times a day.
        default={
            "customer_service": 40,
            "marketing_sales": 8,
            "software_engineering": 30,
            "it_operations": 10,
            "hr": 5,
            "finance": 5,
            "legal": 5,
            "product_rd": 8,
            "other": 5,
        },
        description="The hint for uses per person per working day, by business function.",
    )
    request_kinds: dict[str, RequestShape] = Field(
        # Judgement from typical prompts (~750 words is 1,000 tokens), and the time to read and
        # correct one output: a glance at a short answer, a careful read of a contract review.
        default={
            "short_chat": RequestShape(input_tokens=500, output_tokens=250, review_minutes=0.5),
            "email_draft": RequestShape(input_tokens=1_500, output_tokens=400, review_minutes=1.5),
            "document_summary": RequestShape(
                input_tokens=6_000, output_tokens=600, review_minutes=3
            ),
            "long_document_review": RequestShape(
                input_tokens=40_000, output_tokens=2_000, review_minutes=10
            ),
        },
        description="Tokens in and out of one request, by the intake's kind of request.",
    )
    integration_weeks_per_system: Weeks = Field(
        default=3, description="Software-engineer weeks per system connected (read only)."
    )
    integration_weeks_write_back: Weeks = Field(
        default=4, description="Extra weeks when it writes back to a system (tests, approvals)."
    )
    integration_weeks_per_data_source: Weeks = Field(
        default=2, description="Weeks per data source to ingest and keep fresh."
    )
    integration_weeks_access_control: dict[str, Weeks] = Field(
        default={"none": 0, "role_based": 2, "per_record": 6},
        description="Weeks to enforce access control, by the intake's answer.",
    )
    run_team_full_at_users: Annotated[float, Field(ge=1, le=10_000_000)] = Field(
        # Judgement: a tool for a team of ten is kept by a fraction of an engineer; one for
        # hundreds of users (or as many customers a day) needs the full run team.
        default=500,
        description="Users (employees, or customers' requests a day) at which a Shaper needs "
        "its full run team; below, a proportional share.",
    )
    run_team_minimum_share: Share = Field(
        default=0.2, description="The smallest share of the run team any Shaper needs."
    )
    run_fte_per_thousand_users: Fte = Field(
        default=0.1, description="Support effort added to the run team per 1,000 users."
    )
    run_fte_per_million_requests_a_month: Fte = Field(
        default=0.1, description="Operations effort per million requests a month."
    )
    training_hours_per_user: EffortTable = Field(
        # Judgement: a vendor's onboarding session and some guided practice (one to four hours
        # a person); the users' own time, priced at their loaded cost.
        default=EffortTable(low=1, medium=2, high=4),
        description="Hours each employee user spends in training before using it well "
        "(low, likely, high).",
    )
    rollout_person_weeks_per_hundred_users: Weeks = Field(
        # Judgement: champions, guidance and first-line help during the rollout, about half a
        # week of a domain expert for every hundred users, on top of the fixed rollout plan.
        default=0.5,
        description="Rollout support weeks for every 100 employee users (champions, help).",
    )
    assumed_spread: EffortTable = Field(
        # Judgement: a fact the lead did not give is not known to better than half to double.
        default=EffortTable(low=0.5, medium=1, high=2),
        description="The range given to a fact the intake does not state (tokens, people, "
        "integration effort), as multiples of the default.",
    )
    hours_saved_by_task: dict[str, TaskEvidence] = Field(
        default=TASK_EVIDENCE,
        description="Published evidence of time saved, by kind of task: the default range of "
        "hours saved when the intake gives none.",
    )


class Assumptions(_Strict):
    """Everything the engine assumes, as one versioned, validated document.

    Strict: numbers must be numbers, unknown keys are refused, and each figure has a range that
    makes sense (prices not negative, utilisation in (0, 1], contingency 0-100 %). Load stored
    JSON with :meth:`from_stored` (strict mode reads dates from JSON text, not from Python strings).
    """

    version: Annotated[int, Field(ge=1, le=1_000_000)]
    as_of: datetime.date
    currency: Literal["USD"] = "USD"
    working_weeks_per_year: Annotated[float, Field(ge=1, le=52)]
    salaries: Salaries
    gpus: dict[str, GpuType]
    default_gpu: str
    default_utilization: Annotated[float, Field(gt=0, le=1)]
    integration_person_weeks: EffortTable
    retrieval: Retrieval
    fine_tuning: FineTuning
    maker: MakerDefaults
    people: dict[Archetype, PeoplePlan]
    licences: Licences
    oversight: OversightCosts
    time_to_value: TimeToValue
    contingency_percent: Annotated[float, Field(ge=0, le=100)]
    intake: IntakeDefaults = IntakeDefaults()
    # A company's cost of capital for a three-year net present value; 8 % is a common
    # corporate hurdle rate (judgement; replace with the finance team's).
    discount_rate_percent: Annotated[float, Field(ge=0, le=50)] = 8.0

    @field_validator("gpus")
    @classmethod
    def _some_gpus(cls, gpus: dict[str, GpuType]) -> dict[str, GpuType]:
        if not gpus:
            raise ValueError("name at least one GPU type")
        return gpus

    @model_validator(mode="after")
    def _known_names(self) -> Assumptions:
        for field, gpu in (
            ("default_gpu", self.default_gpu),
            ("fine_tuning", self.fine_tuning.gpu),
        ):
            if gpu not in self.gpus:
                known = ", ".join(sorted(self.gpus))
                raise ValueError(f"{field}: '{gpu}' is not in the GPU catalogue ({known})")
        missing = {"taker", "shaper", "maker"} - set(self.people)
        if missing:
            raise ValueError(f"people: give a plan for {', '.join(sorted(missing))}")
        return self

    def weekly_cost(self, role: Role) -> float:
        """What one person in ``role`` costs per working week (annual cost / working weeks)."""
        return self.salaries.of(role) / self.working_weeks_per_year

    def hourly_cost(self, role: Role) -> float:
        """What an hour of a person in ``role`` costs (annual / working weeks / hours a week)."""
        return self.weekly_cost(role) / self.intake.working_hours_per_week

    def hourly_cost_of_function(self, function: str) -> float:
        """An hour of a person of a business function; the benefit role's when unknown."""
        annual = self.intake.loaded_annual_cost_by_function.get(function)
        if annual is None:
            return self.hourly_cost(self.intake.benefit_valued_as)
        return annual / self.working_weeks_per_year / self.intake.working_hours_per_week

    def hourly_gpu_price(self, gpu: str) -> float:
        return self.gpus[gpu].hourly_price

    @classmethod
    def from_stored(cls, data: dict[str, Any]) -> Assumptions:
        """Read a version stored as JSON (dates as ISO text) under the same strict rules."""
        return cls.model_validate_json(json.dumps(data))


DEFAULT_ASSUMPTIONS = Assumptions(
    version=1,
    # Prices and wages below are as published up to mid-2025; re-check before relying on them.
    as_of=datetime.date(2025, 6, 1),
    # 52 weeks less ~4 weeks of leave and ~2 of public holidays: a loaded annual cost buys
    # about 46 productive weeks.
    working_weeks_per_year=46,
    salaries=Salaries(
        # BLS OEWS May 2023 medians x 1.4 (see module docstring):
        ml_engineer=205_000,  # computer and information research scientists, $145,080
        software_engineer=185_000,  # software developers, $132,270
        data_engineer=190_000,  # database architects, $134,700
        product_manager=140_000,  # project management specialists, $98,580
        domain_expert_reviewer=110_000,  # business and financial operations, $79,050
    ),
    gpus={
        # Peak dense bf16 from NVIDIA's data sheets (REFERENCE.md "Compute figures"); hourly
        # prices are on-demand per-GPU list prices of a GPU cloud (Lambda, 2024-2025). The big
        # clouds list more (AWS p5 was ~$12/GPU-hour before its 2025 cut), reserved capacity less.
        "A100 80GB": GpuType(peak_tflops=312, hourly_price=1.79),
        "H100 SXM": GpuType(peak_tflops=989, hourly_price=2.99),
        # Same compute as H100 SXM with more, faster memory; market quotes $3-4.5: judgement.
        "H200": GpuType(peak_tflops=989, hourly_price=3.79),
    },
    default_gpu="H100 SXM",
    # Model FLOPs utilisation of large published runs: Llama 3 405B 38-43 % on H100 (Meta 2024),
    # PaLM 540B 46.2 % on TPU v4 (Chowdhery et al. 2022), MPT ~40 % on A100; the GPU-hours Meta
    # reported imply 43 % for Llama 2 70B and 35 % for Llama 3.1 405B. 40 % sits in the middle
    # and reproduces both within 15 % (CALIBRATION.md). A first in-house run may do worse.
    default_utilization=0.40,
    # Judgement, from typical delivery of internal LLM applications: a low-complexity
    # integration is one system and a prompt (a month for one engineer); high touches several
    # systems with access control, tools and evaluation (a team of three for ten weeks).
    integration_person_weeks=EffortTable(low=4, medium=12, high=30),
    retrieval=Retrieval(
        build_person_weeks=6,  # chunking, indexing pipeline, evaluation set: judgement
        build_weeks=2,
        embedding_price_per_million_tokens=0.13,  # OpenAI text-embedding-3-large list price
        tokens_per_document=2_000,  # about four pages of text: judgement
        tokens_per_chunk=500,  # common chunk sizes are 256-1,024 tokens
        # Pinecone p1.x1 pod ($0.096/hour, ~$70/month) holds about a million 768-d vectors.
        vector_store_monthly_per_million_vectors=70,
        serving_monthly=1_000,  # two small always-on instances, logging, monitoring: judgement
        annual_reembedding_fraction=0.5,  # half the corpus changes each year: judgement
    ),
    fine_tuning=FineTuning(gpu="H100 SXM", data_preparation_person_weeks=4, weeks=4),
    maker=MakerDefaults(
        # A small foundation-model team (BloombergGPT's paper lists nine authors); judgement.
        team={"ml_engineer": 8, "data_engineer": 2, "software_engineer": 1, "product_manager": 1},
        build_weeks=26,
        data_cost_per_million_training_tokens=0.5,  # licensing, cleaning, dedup: judgement
        data_preparation_weeks=12,
        evaluation_weeks=6,
        cluster_gpus=256,
        # Decoding is memory-bound; batched serving reaches ~10-30 % of peak: judgement.
        serving_utilization=0.15,
        min_serving_gpus=8,  # one 8-GPU node always on
    ),
    people={
        # Rolling a tool out: guidance, training, a champion (judgement).
        "taker": PeoplePlan(
            build_person_weeks={"product_manager": 2, "domain_expert_reviewer": 2},
            run_fte={"product_manager": 0.1},
        ),
        "shaper": PeoplePlan(
            build_person_weeks={"product_manager": 8, "domain_expert_reviewer": 4},
            run_fte={"software_engineer": 0.5, "ml_engineer": 0.25, "product_manager": 0.2},
        ),
        # The build team is priced in the Maker's own line; this is the team that keeps it running.
        "maker": PeoplePlan(
            build_person_weeks={},
            run_fte={
                "ml_engineer": 2,
                "software_engineer": 1,
                "data_engineer": 0.5,
                "product_manager": 0.5,
            },
        ),
    },
    licences=Licences(
        # Microsoft 365 Copilot list price, $30 per user per month (2023-2025).
        per_seat_monthly={"taker": 30, "shaper": 0, "maker": 0},
        # Observability, evaluation and guardrail tooling; an MLOps platform (judgement).
        platform_annual={"taker": 0, "shaper": 20_000, "maker": 100_000},
    ),
    oversight=OversightCosts(
        # Two minutes to read and correct an output; spot checks review one in ten.
        minutes_per_output={"every_output": 2.0, "spot_checks": 0.2, "fully_automated": 0.0},
        reviewer_hourly_cost=60,  # domain expert reviewer: $110,000 / (46 weeks x 40 hours)
    ),
    time_to_value=TimeToValue(
        taker_weeks=2,
        taker_api_weeks=2,
        shaper_integration_weeks=EffortTable(low=4, medium=8, high=16),
    ),
    # Software cost estimates early in a project are commonly -30 %/+50 % (AACE class 4);
    # 20 % is a usual planning contingency.
    contingency_percent=20,
)
