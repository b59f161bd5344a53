"""A company at scale, generated quickly: people, departments, policies with versions and
acknowledgements, the tools register, and use cases in every status with ratings, risks and
estimates.

At scale 1.0: 100,000 people in 40 departments, 30 policies with several versions each,
1,000,000 acknowledgements, 200 register entries and 10,000 use cases. The scale factor
multiplies people, use cases and acknowledgements; departments, policies and register entries are
the company's reference data and stay the same at every scale.

Rows go in with PostgreSQL ``COPY`` (:mod:`bench.bulk`). Every denormalised figure is kept as the
services keep it: a case's scores come from its ratings through the scoring rubric, its risk
tier from the questionnaire, its archetype from the questionnaire's recommendation, its estimate
figures from done :class:`EstimateRun` rows computed by the real engine (once per intake
profile: cases sharing a profile share inputs, so their seeded results are the same), its open
findings from the guardrails; policies carry their current version, search documents are built by
the search module. ``bin/bench`` runs it (it clears the database first).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from bench.bulk import copy_objects, copy_rows, reset_sequences
from policies import demo as policies_demo
from policies.models import (
    Acknowledgement,
    Policy,
    PolicyCategory,
    PolicyVersion,
    RegisterEntry,
    VersionStatus,
)
from policies.register.demo import DEMO_REGISTER
from policies.rendering import render_markdown
from policies.search import reindex_everything
from policies.services import acknowledgement_tally_rebuild
from portal.demo import DEPARTMENTS as FUNCTIONS  # the demo's, one per region here
from portal.models import AuditEvent, Department, User
from portal.roles import Role
from usecases import demo as usecases_demo
from usecases.estimates import services as estimate_services
from usecases.estimates.archetype import recommend_archetype
from usecases.estimates.demo import _answers as archetype_answers_for
from usecases.estimates.engine import estimate
from usecases.estimates.inputs import EstimateInput
from usecases.guardrails import CaseView, RiskEntryView, guardrail_findings
from usecases.models import (
    Comment,
    EstimateRun,
    GuardrailException,
    Rating,
    RiskEntry,
    SignOff,
    Status,
    UseCase,
)
from usecases.risk import RiskAnswers, RiskTier, classify_risk
from usecases.scoring import Criterion, Rubric, score_usecase
from usecases.selectors import tool_view

FULL_PEOPLE = 100_000
FULL_USECASES = 10_000
FULL_ACKNOWLEDGEMENTS = 1_000_000
DEPARTMENTS = 40
POLICIES = 30
REGISTER_ENTRIES = 200
MIN_PEOPLE = 200
MIN_USECASES = 20
PASSWORD = "bench-password-2026"  # noqa: S105 - the benchmark's throwaway accounts

# Share of use cases in each status (every status is present at any scale from MIN_USECASES).
STATUS_SHARES: dict[str, float] = {
    Status.DRAFT: 0.10,
    Status.SUBMITTED: 0.10,
    Status.IN_REVIEW: 0.12,
    Status.APPROVED: 0.10,
    Status.REJECTED: 0.09,
    Status.ON_HOLD: 0.07,
    Status.IN_DELIVERY: 0.12,
    Status.LIVE: 0.14,
    Status.RETIRED: 0.06,
    Status.WITHDRAWN: 0.10,
}
ASSESSED = {
    Status.IN_REVIEW,
    Status.APPROVED,
    Status.REJECTED,
    Status.ON_HOLD,
    Status.IN_DELIVERY,
    Status.LIVE,
    Status.RETIRED,
}
DECIDED = {Status.APPROVED, Status.IN_DELIVERY, Status.LIVE, Status.RETIRED}
DECISION_STATUSES = {Status.APPROVED, Status.REJECTED, Status.ON_HOLD}

REGIONS = ["North", "South", "East", "West", "Central"]
FIRST_NAMES = ["Anna", "Ben", "Clara", "David", "Eva", "Felix", "Greta", "Hugo", "Ines", "Jonas"]
LAST_NAMES = ["Adams", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Hansen"]

# The cast the measurements sign in as: role → username (all in the first department, except
# where a role's pages do not care).
CAST = {
    "employee": "bench-employee",
    "lead": "bench-lead",
    "reviewer": "bench-reviewer",
    "second_reviewer": "bench-reviewer-2",
    "author": "bench-author",
    "approver": "bench-approver",
    "admin": "bench-admin",
}
CAST_ROLES = {
    "employee": (),
    "lead": (Role.BUSINESS_LEAD,),
    "reviewer": (Role.REVIEWER,),
    "second_reviewer": (Role.REVIEWER,),
    "author": (Role.POLICY_AUTHOR,),
    "approver": (Role.POLICY_APPROVER,),
    "admin": (Role.ADMIN,),
}
LEADS_PER_DEPARTMENT = 2
EXTRA_ROLES = {Role.REVIEWER: 8, Role.POLICY_AUTHOR: 4, Role.POLICY_APPROVER: 4, Role.ADMIN: 2}

POLICY_TOPICS = [
    "AI in recruitment and people decisions",
    "AI-generated source code",
    "Customer-facing chatbots",
    "Prompt hygiene",
    "AI literacy for every employee",
    "Model risk management",
    "Third-party AI vendors",
    "AI in marketing content",
    "Synthetic media and deepfakes",
    "AI incident response",
    "Retention of AI outputs",
    "Open-weight models",
    "Data residency for AI services",
    "Automated decisions about people",
    "AI in financial reporting",
    "AI for legal research",
    "Meeting transcription and summaries",
    "Image generation",
    "AI agents and tool use",
    "Evaluation and testing of AI systems",
    "Accessibility and AI",
    "Energy use of AI workloads",
    "Children's data and AI",
    "Export controls and AI",
    "Labelling AI-generated content",
]
SENTENCES = [
    "Use only the tools marked approved in the AI tools register for company work.",
    "Customer data may go only into tools approved for confidential data.",
    "A person reviews every output that leaves the company before it is sent.",
    "Record the use case in the portal before a pilot starts.",
    "Restricted data never goes into an external AI service.",
    "The CIO office decides which use cases the company invests in.",
    "Report a suspected leak or misuse to the security team within 24 hours.",
    "Keep prompts free of passwords, keys and personal identifiers.",
    "Check the provider's terms on training data, output ownership and indemnity.",
    "Label content produced with generative AI where readers could be misled.",
    "Decisions about people are never left to an AI system alone.",
    "Evaluate accuracy and bias before a system reaches customers.",
]
VENDORS = [
    "Acme AI",
    "Nimbus Labs",
    "Orbit Systems",
    "Helix Data",
    "Quanta",
    "Lumen",
    "Vertex Minds",
    "Cobalt",
    "Northwind AI",
    "Sable",
]
PRODUCTS = ["Assist", "Copilot", "Writer", "Coder", "Insight", "Chat", "Vision", "Scribe"]
COMMENTS = [
    "Can we start with one team before rolling it out?",
    "The vendor confirmed zero data retention in writing.",
    "Finance agrees with the benefit estimate.",
    "Please add the data protection officer's view.",
]


@dataclass(frozen=True)
class Plan:
    """How many of each thing a scale makes."""

    scale: float
    departments: int
    people: int
    policies: int
    register_entries: int
    usecases: int
    acknowledgements: int
    usecases_per_status: dict[str, int]


def _apportion(total: int, shares: dict[str, float]) -> dict[str, int]:
    """Whole numbers in proportion to ``shares`` that add up to ``total`` (largest remainder),
    with at least one each while ``total`` allows."""
    weight = sum(shares.values())
    exact = {key: total * share / weight for key, share in shares.items()}
    counts = {key: int(value) for key, value in exact.items()}
    by_remainder = sorted(shares, key=lambda key: exact[key] - counts[key], reverse=True)
    for key in by_remainder[: total - sum(counts.values())]:
        counts[key] += 1
    for key in shares:
        if counts[key] == 0 and total >= len(shares):
            donor = max(counts, key=lambda k: counts[k])
            counts[donor] -= 1
            counts[key] = 1
    return counts


def plan_for(scale: float) -> Plan:
    if not 0 < scale <= 10:
        raise ValueError("the scale is a factor above 0 and at most 10 (1.0 = 100,000 people)")
    usecases = max(MIN_USECASES, round(FULL_USECASES * scale))
    return Plan(
        scale=scale,
        departments=DEPARTMENTS,
        people=max(MIN_PEOPLE, round(FULL_PEOPLE * scale)),
        policies=POLICIES,
        register_entries=REGISTER_ENTRIES,
        usecases=usecases,
        acknowledgements=round(FULL_ACKNOWLEDGEMENTS * scale),
        usecases_per_status={
            str(status): count for status, count in _apportion(usecases, STATUS_SHARES).items()
        },
    )


@dataclass
class Generated:
    """What was made, and the handles the measurements use."""

    plan: Plan
    seconds: float = 0.0
    acknowledgements_per_policy: dict[str, int] = field(default_factory=dict)
    most_read_policy: str = ""
    cast: dict[str, str] = field(default_factory=lambda: dict(CAST))
    case_with_estimates: str = ""
    tool: str = ""
    search_query: str = "customer data approved tools"
    estimate_profiles: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# Results of the engine by inputs hash: deterministic (seeded), so a second generation in the
# same process (the growth comparison's second scale) reuses them.
Outcome = tuple[dict[str, Any] | None, str]  # (result, error)
_ENGINE_RESULTS: dict[str, Outcome] = {}


def _computed(inputs: dict[str, Any], digest: str, assumptions: Any) -> Outcome:
    if digest not in _ENGINE_RESULTS:
        try:
            result = estimate(
                EstimateInput.model_validate(inputs),
                assumptions,
                samples=estimate_services.SAMPLES,
                seed=estimate_services.SEED,
            ).model_dump(mode="json")
            _ENGINE_RESULTS[digest] = (result, "")
        except Exception as problem:  # the same outcome the worker would store
            _ENGINE_RESULTS[digest] = (None, str(problem))
    return _ENGINE_RESULTS[digest]


class _Ids:
    """Primary keys handed out by the generator (the tables start empty)."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}

    def take(self, name: str) -> int:
        value = self._next.get(name, 1)
        self._next[name] = value + 1
        return value

    def peek(self, name: str) -> int:
        return self._next.get(name, 1)


KEEP_TABLES = {
    "django_migrations",
    "django_content_type",
    "auth_permission",
    "auth_group",
    "auth_group_permissions",
}


def clear() -> None:
    """Empty every table of the portal but the migration state and the role groups."""
    tables = [
        name
        for name in connection.introspection.django_table_names(only_existing=True)
        if name not in KEEP_TABLES and not name.startswith("django_celery_beat")
    ]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"TRUNCATE {', '.join(quote(name) for name in tables)} RESTART IDENTITY CASCADE"
        )


def _say(log: Callable[[str], None] | None, started: float, message: str) -> None:
    if log is not None:
        log(f"  [{time.perf_counter() - started:6.1f} s] {message}")


def generate(scale: float, *, seed: int = 7, log: Callable[[str], None] | None = None) -> Generated:
    """Empty the database and fill it with a company at ``scale``; PostgreSQL only."""
    if connection.vendor != "postgresql":
        raise RuntimeError("the benchmark's generator needs PostgreSQL (COPY)")
    plan = plan_for(scale)
    started = time.perf_counter()
    builder = _Builder(plan, random.Random(seed), lambda message: _say(log, started, message))
    with transaction.atomic():
        clear()
        generated = builder.build()
    with connection.cursor() as cursor:
        # The state a live database is in: statistics gathered and, outside a transaction,
        # the visibility map set by VACUUM (index-only scans need it).
        cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
    generated.seconds = round(time.perf_counter() - started, 1)
    _say(log, started, "done")
    return generated


class _Builder:
    def __init__(self, plan: Plan, rng: random.Random, say: Callable[[str], None]) -> None:
        self.plan = plan
        self.rng = rng
        self.say = say
        self.ids = _Ids()
        self.now = timezone.now().replace(microsecond=0)
        self.generated = Generated(plan=plan)

    def build(self) -> Generated:
        self.departments()
        self.people()
        self.say(f"{self.plan.people:,} people in {self.plan.departments} departments")
        self.policies()
        self.say(f"{self.plan.policies} policies with {len(self.versions)} versions")
        self.register()
        self.say(f"{self.plan.register_entries} register entries")
        self.acknowledgements()
        self.say(f"{self.plan.acknowledgements:,} acknowledgements")
        reindex_everything()
        self.say("search documents")
        self.usecases()
        self.say(f"{self.plan.usecases:,} use cases")
        self.estimates()
        self.say(f"estimates ({self.generated.estimate_profiles} intake profiles computed)")
        reset_sequences(
            Department,
            User,
            Policy,
            PolicyVersion,
            RegisterEntry,
            Acknowledgement,
            UseCase,
            EstimateRun,
        )
        return self.generated

    # --- People ----------------------------------------------------------------------------

    def departments(self) -> None:
        self.department_ids: list[int] = []
        self.department_names: dict[int, str] = {}
        objects = []
        for function in FUNCTIONS:
            for region in REGIONS:
                pk = self.ids.take("department")
                name = f"{function} {region}"
                objects.append(Department(pk=pk, name=name, slug=slugify(name)))
                self.department_names[pk] = name
                self.department_ids.append(pk)
        copy_objects(Department, objects[: self.plan.departments])
        self.department_ids = self.department_ids[: self.plan.departments]

    def people(self) -> None:
        password = make_password(PASSWORD)
        rng = self.rng
        groups = {name: Group.objects.get_or_create(name=name)[0].pk for name in Role.values}
        self.role_members: dict[str, list[int]] = {role: [] for role in Role.values}
        self.leads_of: dict[int, list[int]] = {pk: [] for pk in self.department_ids}
        self.members_of: dict[int, list[int]] = {pk: [] for pk in self.department_ids}
        self.cast_ids: dict[str, int] = {}
        memberships: list[tuple[int, int]] = []
        first_department = self.department_ids[0]

        self.usernames: dict[int, str] = {}

        def person(username: str, department: int, roles: Sequence[str], active: bool) -> User:
            pk = self.ids.take("user")
            if roles:
                self.usernames[pk] = username
            for role in roles:
                memberships.append((pk, groups[role]))
                self.role_members[role].append(pk)
            if Role.BUSINESS_LEAD in roles:
                self.leads_of[department].append(pk)
            self.members_of[department].append(pk)
            first = FIRST_NAMES[pk % len(FIRST_NAMES)]
            last = LAST_NAMES[(pk // len(FIRST_NAMES)) % len(LAST_NAMES)]
            return User(
                pk=pk,
                username=username,
                password=password,
                first_name=first,
                last_name=last,
                email=f"{username}@example.com",
                department_id=department,
                is_active=active,
                is_staff=Role.ADMIN in roles,
                date_joined=self.now - timedelta(days=rng.randint(30, 2000)),
            )

        users = []
        for key, username in CAST.items():
            user = person(username, first_department, CAST_ROLES[key], True)
            self.cast_ids[key] = user.pk
            users.append(user)
        for department in self.department_ids:
            while len(self.leads_of[department]) < LEADS_PER_DEPARTMENT:
                n = self.ids.peek("user")
                users.append(person(f"lead{n:06d}", department, (Role.BUSINESS_LEAD,), True))
        for role, count in EXTRA_ROLES.items():
            for _ in range(count):
                n = self.ids.peek("user")
                department = rng.choice(self.department_ids)
                users.append(person(f"{role}{n:06d}", department, (role,), True))
        while len(users) < self.plan.people:
            n = self.ids.peek("user")
            department = self.department_ids[n % len(self.department_ids)]
            users.append(person(f"p{n:06d}", department, (), rng.random() > 0.01))
        copy_objects(User, users)
        copy_rows("portal_user_groups", ("user_id", "group_id"), memberships)
        self.user_ids = [user.pk for user in users]
        self.active_ids = {user.pk for user in users if user.is_active}

    # --- Policies --------------------------------------------------------------------------

    def _body(self, title: str, index: int, number: int, given: str) -> str:
        """Version ``number`` of a policy's text: the demo text or a generated one, with a
        section on what changed from version 2 on."""
        rng = random.Random(index * 100 + number)
        parts = [given] if given else []
        if not given:
            parts += [f"# {title}", "", rng.choice(SENTENCES) + " " + rng.choice(SENTENCES), ""]
            for heading in ("Scope", "What you may do", "What you may not do", "Who decides"):
                parts += [f"## {heading}", ""]
                parts += [f"- {rng.choice(SENTENCES)}" for _ in range(rng.randint(3, 6))]
                parts += ["", " ".join(rng.choice(SENTENCES) for _ in range(4)), ""]
        if number > 1:
            parts += [f"## Changes in version {number}", "", rng.choice(SENTENCES), ""]
        return "\n".join(parts)

    def policies(self) -> None:
        rng = self.rng
        authors = self.role_members[Role.POLICY_AUTHOR]
        approvers = self.role_members[Role.POLICY_APPROVER]
        demo = [
            ("Our stance on generative AI", PolicyCategory.STANCE, policies_demo.STANCE_V2),
            (
                "Acceptable use of generative AI",
                PolicyCategory.ACCEPTABLE_USE,
                policies_demo.ACCEPTABLE_USE,
            ),
            (
                "Data privacy and sensitive data tagging",
                PolicyCategory.DATA_PRIVACY,
                policies_demo.DATA_PRIVACY,
            ),
            (
                "Intellectual property and model-provider transparency",
                PolicyCategory.INTELLECTUAL_PROPERTY,
                policies_demo.IP,
            ),
            ("Security of AI systems", PolicyCategory.SECURITY, policies_demo.SECURITY),
        ]
        categories = list(PolicyCategory.values)
        specs: list[tuple[str, str, str]] = [*demo]
        for n, topic in enumerate(POLICY_TOPICS[: self.plan.policies - len(demo)]):
            specs.append((topic, categories[n % len(categories)], ""))
        policies: list[Policy] = []
        versions: list[PolicyVersion] = []
        audiences: list[tuple[int, int]] = []
        self.versions: list[PolicyVersion] = []
        self.published_versions: dict[int, list[PolicyVersion]] = {}
        self.ack_policies: list[Policy] = []
        self.audience_of: dict[int, list[int]] = {}
        renders: dict[str, tuple[str, list[dict[str, Any]]]] = {}
        for index, (title, category, demo_body) in enumerate(specs):
            pk = self.ids.take("policy")
            published_count = rng.randint(2, 4)
            open_status = [None, VersionStatus.DRAFT, VersionStatus.IN_REVIEW, None][index % 4]
            start = self.now - timedelta(days=720 - index * 7)
            author, approver = rng.choice(authors), rng.choice(approvers)
            policy_versions = []
            for number in range(1, published_count + (2 if open_status else 1)):
                body = self._body(title, index, number, demo_body)
                if body not in renders:
                    rendered = render_markdown(body)
                    renders[body] = (
                        rendered.html,
                        [
                            {"level": h.level, "text": h.text, "anchor": h.anchor}
                            for h in rendered.table_of_contents
                        ],
                    )
                html, toc = renders[body]
                published_at = start + timedelta(days=150 * (number - 1))
                status: str
                if number <= published_count:
                    status = (
                        VersionStatus.PUBLISHED
                        if number == published_count
                        else VersionStatus.SUPERSEDED
                    )
                else:
                    status = str(open_status)
                is_published = number <= published_count
                policy_versions.append(
                    PolicyVersion(
                        pk=self.ids.take("version"),
                        policy_id=pk,
                        number=number,
                        status=status,
                        body_markdown=body,
                        body_html=html,
                        table_of_contents=toc,
                        summary_of_changes="First version."
                        if number == 1
                        else f"Changes in version {number}.",
                        is_material=number == 1 or rng.random() < 0.6,
                        author_id=author,
                        approver_id=approver if is_published else None,
                        created_at=published_at - timedelta(days=10),
                        updated_at=published_at,
                        submitted_at=published_at - timedelta(days=3)
                        if status != VersionStatus.DRAFT
                        else None,
                        published_at=published_at if is_published else None,
                        superseded_at=published_at + timedelta(days=150)
                        if status == VersionStatus.SUPERSEDED
                        else None,
                    )
                )
            published = [v for v in policy_versions if v.published_at is not None]
            current = published[-1]
            material = max(v.number for v in published if v.is_material)
            due_since = next(v.published_at for v in published if v.number == material)
            requires = index < self.plan.policies - 5
            everyone = not (self.plan.policies - 10 <= index < self.plan.policies - 5)
            policy = Policy(
                pk=pk,
                title=title,
                slug=slugify(title)[:100],
                category=category,
                summary=f"What the company expects on {title[0].lower() + title[1:]}.",
                requires_acknowledgement=requires,
                audience_everyone=everyone,
                created_by_id=author,
                created_at=start - timedelta(days=10),
                current_version_id=current.pk,
                acknowledgement_from_number=material,
                acknowledgement_due_since=due_since,
                published_at=current.published_at,
            )
            policies.append(policy)
            versions.extend(policy_versions)
            self.published_versions[pk] = published
            if everyone:
                self.audience_of[pk] = self.user_ids
            else:
                chosen = rng.sample(self.department_ids, rng.randint(4, 10))
                audiences.extend((pk, department) for department in chosen)
                self.audience_of[pk] = [
                    user for department in chosen for user in self.members_of[department]
                ]
            if requires:
                self.ack_policies.append(policy)
        copy_objects(Policy, policies)
        copy_objects(PolicyVersion, versions)
        copy_rows("policies_policy_audience_departments", ("policy_id", "department_id"), audiences)
        self.versions = versions
        self.policy_list = policies

    def register(self) -> None:
        rng = self.rng
        acceptable_use = self.policy_list[1].pk
        entries = []
        for data in DEMO_REGISTER[: self.plan.register_entries]:
            entry = RegisterEntry(pk=self.ids.take("entry"), **data)
            entry.governing_policy_id = acceptable_use
            entries.append(entry)
        kinds = ["chat_assistant", "coding_assistant", "api_model", "self_hosted_model"]
        statuses = ["approved"] * 5 + ["restricted"] * 2 + ["under_review"] * 2 + ["prohibited"]
        classes = ["public", "internal", "internal", "confidential", "confidential", "restricted"]
        disclosures = ["full", "partial", "none", "unknown"]
        n = 0
        while len(entries) < self.plan.register_entries:
            vendor = VENDORS[n % len(VENDORS)]
            name = f"{vendor} {PRODUCTS[(n // len(VENDORS)) % len(PRODUCTS)]} {n // 80 + 1}"
            kind = kinds[n % len(kinds)]
            entry = RegisterEntry(
                pk=self.ids.take("entry"),
                name=name,
                slug=slugify(name),
                vendor=vendor,
                kind=kind,
                status=rng.choice(statuses),
                max_data_classification=rng.choice(classes),
                description=f"{vendor}'s {kind.replace('_', ' ')} for everyday work.",
                conditions_of_use=rng.choice(["", SENTENCES[0], SENTENCES[7]]),
                training_data_disclosure=rng.choice(disclosures),
                licence="Commercial licence",
                output_ownership="Customer owns outputs",
                indemnity=rng.choice(["yes", "no", "unknown"]),
                governing_policy_id=acceptable_use if n % 3 == 0 else None,
            )
            if kind == "api_model":
                entry.price_per_million_input_tokens = Decimal(rng.choice(["0.15", "1", "2.5"]))
                entry.price_per_million_output_tokens = Decimal(rng.choice(["0.6", "4", "10"]))
                entry.prices_checked_on = self.now.date()
            if kind == "self_hosted_model":
                entry.gpu_type = "A100 80GB"
                entry.gpu_hourly_price = Decimal("1.79")
                entry.prices_checked_on = self.now.date()
            entries.append(entry)
            n += 1
        for entry in entries:
            entry.created_at = entry.updated_at = self.now - timedelta(days=200)
        copy_objects(RegisterEntry, entries)
        self.entries = {entry.slug: entry for entry in entries}
        self.generated.tool = entries[min(1, len(entries) - 1)].slug

    # --- Acknowledgements ------------------------------------------------------------------

    def _allocation(self) -> list[tuple[Policy, int, int]]:
        """(policy, acknowledgements that count, older ones) for each policy asking for them,
        adding up to the plan's total; the first policy is the most read."""
        wanted = []
        for j, policy in enumerate(self.ack_policies):
            rate = 0.93 * 0.9**j
            has_old = any(
                v.number < (policy.acknowledgement_from_number or 0)
                for v in self.published_versions[policy.pk]
            )
            wanted.append(rate * len(self.audience_of[policy.pk]) * (1.25 if has_old else 1.0))
        target = self.plan.acknowledgements
        factor = target / sum(wanted) if sum(wanted) else 0.0
        counts = [int(w * factor) for w in wanted]
        for j in range(target - sum(counts)):
            counts[j % len(counts)] += 1
        allocation = []
        carry = 0
        for j, policy in enumerate(self.ack_policies):
            audience = len(self.audience_of[policy.pk])
            counted_versions = [
                v
                for v in self.published_versions[policy.pk]
                if v.number >= (policy.acknowledgement_from_number or 0)
            ]
            old_versions = len(self.published_versions[policy.pk]) - len(counted_versions)
            total = counts[j] + carry
            counting = min(audience * 98 // 100, round(total / (1.25 if old_versions else 1.0)))
            older = min(total - counting, audience * old_versions)
            carry = total - counting - older
            allocation.append((policy, counting, older))
        if carry:  # more than the audiences hold: give the rest to older versions of the first
            policy, counting, older = allocation[0]
            allocation[0] = (policy, counting, older + carry)
        return allocation

    def acknowledgements(self) -> None:
        rng = self.rng
        per_policy: dict[str, int] = {}

        def rows() -> Iterable[tuple[int, int, int, int, datetime]]:
            for policy, counting, older in self._allocation():
                audience = self.audience_of[policy.pk]
                from_number = policy.acknowledgement_from_number or 0
                published = self.published_versions[policy.pk]
                counted = [v for v in published if v.number >= from_number]
                old = [v for v in published if v.number < from_number]
                per_policy[policy.slug] = counting + older
                for user in rng.sample(audience, min(counting, len(audience))):
                    version = counted[0] if rng.random() < 0.7 else rng.choice(counted)
                    yield self._ack(user, version, rng)
                if older and old:
                    pairs = rng.sample(range(len(audience) * len(old)), older)
                    for pair in pairs:
                        version = old[pair % len(old)]
                        yield self._ack(audience[pair // len(old)], version, rng)

        copy_rows(
            "policies_acknowledgement",
            ("id", "user_id", "version_id", "policy_id", "version_number", "acknowledged_at"),
            ((self.ids.take("ack"), *row) for row in rows()),
        )
        acknowledgement_tally_rebuild()  # the compliance tally, as the services keep it
        self.generated.acknowledgements_per_policy = per_policy
        self.generated.most_read_policy = max(per_policy, key=lambda slug: per_policy[slug])

    def _ack(
        self, user: int, version: PolicyVersion, rng: random.Random
    ) -> tuple[int, int, int, int, datetime]:
        assert version.published_at is not None
        later = timedelta(minutes=rng.randint(10, 60 * 24 * 60))
        when = min(self.now, version.published_at + later)
        return (user, version.pk, version.policy_id, version.number, when)

    # --- Use cases -------------------------------------------------------------------------

    def _profile_facts(self) -> None:
        """What every intake profile (a demo case) leads to: tier, recommendation, findings."""
        self.profiles = [case for case in usecases_demo.CASES if case.tools]
        self.facts: list[dict[str, Any]] = []
        for profile in self.profiles:
            tools = [self.entries[slug] for slug in profile.tools if slug in self.entries]
            preset = usecases_demo.RISK_PRESETS[profile.risk]
            risk = classify_risk(RiskAnswers.model_validate(preset))
            probe = UseCase(
                data_categories=profile.categories,
                data_classification=profile.data,
                people_affected=profile.people,
                value_lever=profile.lever,
            )
            answers = archetype_answers_for(probe)
            recommendation = recommend_archetype(answers)
            views = [tool_view(entry) for entry in tools]
            findings: dict[bool, list[str]] = {}
            for assessed in (False, True):
                case = CaseView(
                    data_classification=profile.data,
                    data_categories=tuple(profile.categories),
                    output_audience=tuple(profile.audience),
                    human_oversight=profile.oversight,
                    risk_tier=str(risk.tier) if assessed else "",
                    tool_slugs=tuple(entry.slug for entry in tools),
                    risks=tuple(
                        RiskEntryView(risk=r, severity=sv, mitigation=m)
                        for r, _lk, sv, m in profile.risks
                    )
                    if assessed
                    else (),
                )
                findings[assessed] = [f.key for f in guardrail_findings(case, views)]
            self.facts.append(
                {
                    "tools": [entry.pk for entry in tools],
                    "tier": str(risk.tier),
                    "risk_reasons": risk.reasons,
                    "risk_answers": usecases_demo.RISK_PRESETS[profile.risk],
                    "answers": answers.model_dump(mode="json"),
                    "recommended": str(recommendation.archetype),
                    "reasons": recommendation.reasons,
                    "findings": findings,
                }
            )

    def usecases(self) -> None:
        rng = self.rng
        self._profile_facts()
        assumptions = estimate_services.assumptions_current()
        self.assumptions = assumptions
        statuses = [
            status for status, count in self.plan.usecases_per_status.items() for _ in range(count)
        ]
        rng.shuffle(statuses)
        reviewers = self.role_members[Role.REVIEWER]
        second = self.cast_ids["second_reviewer"]
        rubric = Rubric()
        cases: list[UseCase] = []
        tools: list[tuple[int, int]] = []
        ratings: list[Rating] = []
        risks: list[RiskEntry] = []
        exceptions: list[GuardrailException] = []
        sign_offs: list[SignOff] = []
        comments: list[Comment] = []
        events: list[AuditEvent] = []
        self.case_profile: dict[int, int] = {}
        self.case_status: dict[int, str] = {}
        self.case_archetype: dict[int, str] = {}
        span = 700 * 24 * 3600
        for n, status in enumerate(statuses):
            pk = self.ids.take("usecase")
            department = self.department_ids[n % len(self.department_ids)]
            index = rng.randrange(len(self.profiles))
            # Submitted cases are complete; a prohibited practice is never approved.
            while (status != Status.DRAFT and not self.profiles[index].solution) or (
                status in DECIDED and self.facts[index]["tier"] == RiskTier.PROHIBITED
            ):
                index = (index + 1) % len(self.profiles)
            profile, facts = self.profiles[index], self.facts[index]
            submitter = rng.choice(self.leads_of[department])
            created = self.now - timedelta(seconds=rng.randint(3600 * 24 * 10, span))
            submitted = created + timedelta(days=rng.randint(1, 5))
            decided = submitted + timedelta(days=rng.randint(2, 30))
            assessed = status in ASSESSED
            estimated = status in estimate_services.ESTIMATED_STATUSES
            kind, amount = profile.benefit
            case = UseCase(
                pk=pk,
                reference=f"UC-{pk:04d}",
                title=f"{profile.title} ({self.department_names[department]})",
                problem=profile.problem,
                proposed_solution=profile.solution,
                department_id=department,
                value_lever=profile.lever,
                business_function=profile.function,
                people_affected=profile.people,
                benefit_kind=kind,
                hours_saved_per_person_per_week=Decimal(amount) if kind == "hours_saved" else None,
                revenue_per_year=Decimal(amount) if kind == "revenue" else None,
                benefit_confidence=profile.confidence,
                data_classification=profile.data,
                data_categories=list(profile.categories),
                output_audience=list(profile.audience),
                human_oversight=profile.oversight,
                status=status,
                submitter_id=submitter,
                version=1 + len(usecases_demo.PATH[Status(status)]),
                created_at=created,
                updated_at=decided if assessed else submitted,
                submitted_at=submitted if status != Status.DRAFT else None,
                decided_at=decided if status in DECIDED | DECISION_STATUSES else None,
            )
            case.expected_annual_benefit = estimate_services.expected_annual_benefit(
                case, assumptions.assumptions()
            )
            if assessed:
                case.risk_tier = facts["tier"]
                case.risk_answers = facts["risk_answers"]
                case.risk_reasons = facts["risk_reasons"]
                for risk, likelihood, severity, mitigation in profile.risks:
                    risks.append(
                        RiskEntry(
                            usecase_id=pk,
                            risk=risk,
                            likelihood=likelihood,
                            severity=severity,
                            mitigation=mitigation,
                            owner_id=reviewers[pk % len(reviewers)],
                            updated_at=decided,
                        )
                    )
                if status != Status.IN_REVIEW or rng.random() < 0.7:
                    base = profile.ratings or tuple(rng.randint(2, 4) for _ in Criterion)
                    scores = {
                        str(c): min(5, max(1, b + rng.choice((-1, 0, 0, 1))))
                        for c, b in zip(Criterion, base, strict=True)
                    }
                    rater = rng.choice(reviewers)
                    for criterion, score in scores.items():
                        ratings.append(
                            Rating(
                                usecase_id=pk,
                                criterion=criterion,
                                score=score,
                                rated_by_id=rater,
                                rated_at=decided,
                            )
                        )
                    result = score_usecase(scores, case.risk_tier, rubric)
                    case.value_score = result.value
                    case.feasibility_score = result.feasibility
                    case.priority_score = result.priority
                    case.quadrant = result.quadrant or ""
                    case.score_breakdown = [c.model_dump(mode="json") for c in result.contributions]
            if estimated:
                case.archetype_answers = facts["answers"]
                case.recommended_archetype = facts["recommended"]
                case.archetype_reasons = facts["reasons"]
            if status in DECIDED:
                case.chosen_archetype = facts["recommended"]
                case.archetype_justification = "Confirmed at the review."
            findings = facts["findings"][assessed]
            if status in DECIDED:
                for key in findings:
                    exceptions.append(
                        GuardrailException(
                            usecase_id=pk,
                            finding_key=key,
                            reason="Accepted for a time-boxed pilot; revisit at the review.",
                            granted_by_id=rng.choice(reviewers),
                            granted_at=decided,
                        )
                    )
                if case.risk_tier == RiskTier.HIGH:
                    sign_offs.append(SignOff(usecase_id=pk, reviewer_id=second, created_at=decided))
                case.open_findings_count = 0
            else:
                case.open_findings_count = len(findings)
            tools.extend((pk, tool) for tool in facts["tools"])
            if status != Status.DRAFT and rng.random() < 0.3:
                comments.append(
                    Comment(
                        usecase_id=pk,
                        author_id=rng.choice(reviewers),
                        body=rng.choice(COMMENTS),
                        created_at=submitted + timedelta(hours=5),
                    )
                )
            events.extend(self._events(case, profile.reason, reviewers, rng))
            cases.append(case)
            self.case_profile[pk] = index
            self.case_status[pk] = status
            self.case_archetype[pk] = case.chosen_archetype or case.recommended_archetype
        copy_objects(UseCase, cases)
        copy_rows("usecases_usecase_preferred_tools", ("usecase_id", "registerentry_id"), tools)
        for model, objects in (
            (Rating, ratings),
            (RiskEntry, risks),
            (GuardrailException, exceptions),
            (SignOff, sign_offs),
            (Comment, comments),
            (AuditEvent, events),
        ):
            for obj in objects:
                obj.pk = self.ids.take(model._meta.label)
            copy_objects(model, objects)
            reset_sequences(model)
        self.cases = cases

    def _events(
        self, case: UseCase, reason: str, reviewers: list[int], rng: random.Random
    ) -> list[AuditEvent]:
        label = f"{case.reference} {case.title}"[:255]
        events = [
            AuditEvent(
                actor_id=case.submitter_id,
                actor_label=self.usernames[case.submitter_id],
                action="usecase.created",
                object_type="usecases.usecase",
                object_id=str(case.pk),
                object_label=label,
                after={"title": case.title},
                created_at=case.created_at,
            )
        ]
        before = Status.DRAFT
        when = case.submitted_at or case.created_at
        reviewer = rng.choice(reviewers)
        for step in usecases_demo.PATH[Status(case.status)]:
            by_owner = step in (Status.SUBMITTED, Status.WITHDRAWN)
            events.append(
                AuditEvent(
                    actor_id=case.submitter_id if by_owner else reviewer,
                    actor_label=self.usernames[case.submitter_id if by_owner else reviewer],
                    action=f"usecase.{step}",
                    object_type="usecases.usecase",
                    object_id=str(case.pk),
                    object_label=label,
                    before={"status": str(before)},
                    after={"status": str(step)},
                    comment=(reason or "Not now; revisit next quarter.")
                    if step in (Status.REJECTED, Status.ON_HOLD)
                    else "",
                    created_at=when,
                )
            )
            before = step
            when = when + timedelta(days=rng.randint(1, 20))
        return events

    # --- Estimates -------------------------------------------------------------------------

    def estimates(self) -> None:
        """Three done runs per estimated case, computed once per intake profile."""
        version = self.assumptions
        assumptions = version.assumptions()
        estimated = [
            case for case in self.cases if case.status in estimate_services.ESTIMATED_STATUSES
        ]
        representative: dict[int, int] = {}
        for case in estimated:
            representative.setdefault(self.case_profile[case.pk], case.pk)
        computed: dict[tuple[int, str], dict[str, Any]] = {}
        for profile, pk in representative.items():
            probe = UseCase.objects.get(pk=pk)
            for archetype in estimate_services.ARCHETYPES:
                inputs = estimate_services.resolve_inputs(
                    estimate_services.default_drivers(probe, archetype), probe
                )
                digest = estimate_services.inputs_hash(inputs, version.number)
                result, error = _computed(inputs, digest, assumptions)
                computed[(profile, archetype)] = {
                    "inputs": inputs,
                    "hash": digest,
                    "result": result,
                    "error": error,
                }
        self.generated.estimate_profiles = len(representative)
        runs = []
        figures: list[tuple[int, Any, Any, Any]] = []
        for case in estimated:
            profile = self.case_profile[case.pk]
            assert case.submitted_at is not None
            finished = case.submitted_at + timedelta(minutes=2)
            for archetype in estimate_services.ARCHETYPES:
                run = computed[(profile, archetype)]
                runs.append(
                    EstimateRun(
                        pk=self.ids.take("run"),
                        usecase_id=case.pk,
                        archetype=archetype,
                        status="done" if run["result"] is not None else "failed",
                        inputs=run["inputs"],
                        assumptions_version_id=version.pk,
                        inputs_hash=run["hash"],
                        result=run["result"],
                        error=run["error"],
                        attempts=1,
                        is_current=True,
                        is_stale=False,
                        created_at=case.submitted_at,
                        queued_at=case.submitted_at,
                        started_at=finished - timedelta(seconds=1),
                        finished_at=finished,
                    )
                )
            chosen = computed.get((profile, self.case_archetype[case.pk]))
            result = chosen["result"] if chosen else None
            if result:
                figures.append(
                    (
                        case.pk,
                        Decimal(str(result["one_time"]["p50"])),
                        Decimal(str(result["annual"]["p50"])),
                        result["payback_months"],
                    )
                )
        copy_objects(EstimateRun, runs)
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMPORARY TABLE bench_figures (id bigint, one_time numeric, annual numeric,"
                " payback double precision) ON COMMIT DROP"
            )
        copy_rows("bench_figures", ("id", "one_time", "annual", "payback"), figures)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE usecases_usecase AS c SET estimate_one_time_p50 = f.one_time,"
                " estimate_annual_p50 = f.annual, estimate_payback_months = f.payback"
                " FROM bench_figures AS f WHERE c.id = f.id"
            )
        done = [case for case in estimated if case.status in ASSESSED and case.priority_score]
        pick = max(done or estimated, key=lambda case: (case.priority_score or 0, case.pk))
        self.generated.case_with_estimates = str(pick.reference)
