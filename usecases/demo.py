"""Demo data: about thirty realistic use cases across departments, in every status, with
ratings, risks and a few guardrail findings. Driven through the services, so every case has a
real timeline; idempotent (skipped when the demo cases are already there)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from policies.models import Policy, RegisterEntry
from portal.demo import register_demo_step
from portal.models import Department, User
from usecases import services
from usecases.guardrails import Rule
from usecases.inputs import (
    ArchetypeChoice,
    ExceptionGrant,
    ExceptionRequest,
    GuardrailPolicies,
    Move,
    NewIntake,
    Ratings,
    RiskAssessment,
    RiskRegister,
    SignOffInput,
)
from usecases.models import GuardrailPolicy, Status, UseCase
from usecases.risk import RiskAnswers
from usecases.scoring import Criterion
from usecases.selectors import findings_for, with_guardrail_inputs

RISK_PRESETS: dict[str, dict[str, Any]] = {
    "minimal": {},
    "chatbot": {"transparency_duties": ["chatbot"]},
    "synthetic": {"transparency_duties": ["synthetic_content"]},
    "employment": {"high_risk_areas": ["employment"], "profiles_people": True},
    "employment_exempt": {"high_risk_areas": ["employment"], "exemptions": ["preparatory"]},
    "credit": {"high_risk_areas": ["essential_services"], "profiles_people": True},
    "emotion": {"prohibited_practices": ["workplace_emotion"]},
}


@dataclass
class DemoCase:
    title: str
    department: str
    function: str
    lever: str
    people: int
    benefit: tuple[str, str]  # ("hours_saved", "2.5") or ("revenue", "250000")
    confidence: int
    data: str
    categories: list[str]
    audience: list[str]
    oversight: str
    tools: list[str]
    status: str
    problem: str
    solution: str
    risk: str = "minimal"
    ratings: tuple[int, ...] = ()  # in Criterion order
    risks: list[tuple[str, int, int, str]] = field(default_factory=list)
    reason: str = ""


D = DemoCase


def _facts(
    employees: int | None,
    uses: str | None,
    kind: str,
    review: str,
    *,
    customers: int | None = None,
    share: int | None = None,
    team: str = "",
    systems: int | None = None,
    writes: bool | None = None,
    sources: int | None = None,
    access: str = "",
    corpus: int | None = None,
) -> dict[str, Any]:
    return {
        "employee_users": employees,
        "customer_interactions_per_month": customers,
        "uses_per_person_per_day": Decimal(uses) if uses is not None else None,
        "request_kind": kind,
        "reviewed_by": review,
        "review_share_percent": share,
        "review_team_function": team,
        "systems_connected": systems,
        "writes_back": writes,
        "data_sources": sources,
        "access_control": access,
        "corpus_documents": corpus,
    }


# The intake's volume, review and integration answers of each demo case, as its lead would
# give them (from the problem and the solution each case describes).
FACTS: dict[str, dict[str, Any]] = {
    "Code assistant for every engineer": _facts(
        180, "30", "short_chat", "own_draft", systems=1, writes=False, sources=1,
        access="role_based",
    ),
    "Draft answers to customer emails": _facts(
        45, "27", "email_draft", "own_draft", systems=2, writes=True, sources=1,
        access="role_based", corpus=3_000,
    ),
    "Customer-service chatbot on the website": _facts(
        0, None, "short_chat", "separate_team", customers=15_000, share=5,
        team="customer_service", systems=1, writes=False, sources=1, access="none", corpus=800,
    ),
    "Summarise call recordings": _facts(
        45, "12", "document_summary", "own_draft", systems=1, writes=False, sources=1,
        access="role_based",
    ),
    "Marketing copy for product launches": _facts(
        12, "4", "email_draft", "separate_team", share=100, team="marketing_sales",
    ),
    "Personalised sales emails": _facts(
        30, "15", "email_draft", "own_draft", systems=1, writes=False, sources=1,
        access="role_based",
    ),
    "Contract review assistant": _facts(
        8, "3", "long_document_review", "own_draft", systems=1, writes=False, sources=1,
        access="per_record", corpus=2_000,
    ),
    "HR policy questions assistant": _facts(
        2_400, "0.5", "short_chat", "own_draft", systems=0, sources=1, access="role_based",
        corpus=400,
    ),
    "Screen CVs and rank applicants": _facts(
        6, "40", "document_summary", "nobody", systems=1, writes=True, sources=1,
        access="per_record",
    ),
    "Interview notes into structured feedback": _facts(
        60, "2", "document_summary", "own_draft", systems=1, writes=True, sources=0,
    ),
    "Detect employee mood from video calls": _facts(
        2_400, "2", "short_chat", "nobody", systems=1, writes=True, sources=1,
    ),
    "IT ticket triage": _facts(
        25, "60", "short_chat", "own_draft", share=20, systems=1, writes=True, sources=1,
        access="role_based", corpus=5_000,
    ),
    "Incident post-mortem drafts": _facts(
        25, "0.5", "document_summary", "own_draft", systems=2, writes=False, sources=2,
    ),
    "Log anomaly explanations": _facts(
        12, "10", "document_summary", "own_draft", systems=1, writes=False, sources=1,
    ),
    "Invoice data extraction": _facts(
        14, "80", "document_summary", "own_draft", share=10, systems=1, writes=True, sources=1,
        access="role_based",
    ),
    "Month-end commentary drafts": _facts(
        10, "1", "document_summary", "separate_team", share=100, team="finance",
    ),
    "Credit limit suggestions for new customers": _facts(
        6, "20", "short_chat", "separate_team", share=100, team="finance", systems=2,
        writes=True, sources=2, access="per_record",
    ),
    "Proprietary model for our core product": _facts(
        0, None, "short_chat", "nobody", customers=500_000, systems=3, writes=True, sources=4,
        access="per_record", corpus=2_000_000,
    ),
    "Product requirement drafts": _facts(35, "2", "document_summary", "own_draft"),
    "User research synthesis": _facts(8, "2", "long_document_review", "own_draft"),
    "Test case generation": _facts(60, "10", "short_chat", "own_draft", systems=1),
    "Migrate COBOL batch jobs": _facts(
        10, "20", "long_document_review", "own_draft", systems=1, writes=True, sources=1,
    ),
    "Release notes from merged pull requests": _facts(
        15, "1", "document_summary", "own_draft", systems=1, writes=False, sources=1,
    ),
    "Security questionnaire answers": _facts(
        5, "5", "document_summary", "separate_team", share=100, team="legal", sources=2,
        corpus=1_500,
    ),
    "Translate support articles": _facts(
        4, "10", "document_summary", "separate_team", share=20, team="customer_service",
    ),
    "Meeting minutes in Teams": _facts(2_400, "1", "document_summary", "own_draft"),
    "Sales call coaching": _facts(30, "3", "document_summary", "own_draft", systems=1),
    "Expense claim checks": _facts(4, "100", "short_chat", "nobody", systems=1, writes=True),
    "Supplier risk news monitoring": _facts(6, "5", "document_summary", "own_draft"),
    "Onboarding buddy for new engineers": _facts(
        40, "5", "short_chat", "own_draft", sources=2, corpus=2_000,
    ),
}  # fmt: skip
CASES: list[DemoCase] = [
    D(
        "Code assistant for every engineer",
        "Engineering",
        "software_engineering",
        "productivity",
        180,
        ("hours_saved", "3"),
        70,
        "confidential",
        ["source_code"],
        ["internal"],
        "every_output",
        ["github-copilot-business"],
        "live",
        "Engineers spend hours on boilerplate, tests and reading unfamiliar code.",
        "Roll out the approved coding assistant in every editor, with the public-code filter on.",
        "minimal",
        (5, 4, 5, 5, 5, 4, 5),
        [("intellectual_property", 2, 3, "Public-code filter on; licence scan in CI.")],
    ),
    D(
        "Draft answers to customer emails",
        "Customer Service",
        "customer_service",
        "productivity",
        45,
        ("hours_saved", "4"),
        65,
        "confidential",
        ["personal", "customer"],
        ["customers"],
        "every_output",
        ["company-ai-gateway", "anthropic-claude-sonnet-api"],
        "in_delivery",
        "Agents answer 1,200 emails a day; most follow a handful of patterns and take 8 minutes.",
        "Draft a reply from the knowledge base in the agent's inbox; the agent edits and sends it.",
        "synthetic",
        (5, 4, 4, 4, 4, 3, 3),
        [
            ("confabulation", 3, 3, "Agent reviews every draft; answers cite the knowledge base."),
            ("data_privacy", 2, 4, "Gateway masks card numbers; zero data retention."),
        ],
    ),
    D(
        "Customer-service chatbot on the website",
        "Customer Service",
        "customer_service",
        "growth",
        20,
        ("revenue", "180000"),
        40,
        "internal",
        ["customer"],
        ["customers", "public"],
        "spot_checks",
        ["company-ai-gateway", "openai-gpt-4o-mini-api"],
        "in_review",
        "Customers wait 6 hours on average for simple questions outside office hours.",
        "A chatbot answers order-status and returns questions, and hands over to an agent.",
        "chatbot",
        (4, 3, 5, 3, 3, 3, 2),
        [
            ("confabulation", 3, 3, "Answers only from the help centre; hand-over on doubt."),
            ("information_integrity", 2, 2, ""),
        ],
    ),
    D(
        "Summarise call recordings",
        "Customer Service",
        "customer_service",
        "productivity",
        45,
        ("hours_saved", "1.5"),
        60,
        "confidential",
        ["personal", "customer"],
        ["internal"],
        "spot_checks",
        ["gemini-for-workspace"],
        "submitted",
        "Agents write call notes by hand after each call; notes are short and inconsistent.",
        "Transcribe and summarise each call into the CRM; the agent checks the summary.",
        "minimal",
    ),
    D(
        "Marketing copy for product launches",
        "Marketing and Sales",
        "marketing_sales",
        "growth",
        12,
        ("revenue", "120000"),
        50,
        "internal",
        [],
        ["public"],
        "every_output",
        ["mistral-large-api"],
        "in_review",
        "Each launch needs 40 pieces of copy in five languages; agencies take three weeks.",
        "Generate first drafts in every language from the product brief; copywriters edit them.",
        "synthetic",
        (4, 3, 3, 4, 5, 4, 4),
    ),
    D(
        "Personalised sales emails",
        "Marketing and Sales",
        "marketing_sales",
        "growth",
        30,
        ("revenue", "400000"),
        45,
        "confidential",
        ["personal", "customer"],
        ["customers"],
        "spot_checks",
        ["chatgpt-enterprise"],
        "approved",
        "Sales reps send generic follow-ups; reply rates are below 3 %.",
        "Draft follow-ups from CRM notes; reps pick, edit and send.",
        "synthetic",
        (4, 4, 3, 3, 4, 4, 3),
        [("data_privacy", 3, 3, "Only CRM fields needed; opt-outs respected.")],
    ),
    D(
        "Contract review assistant",
        "Legal",
        "legal",
        "productivity",
        8,
        ("hours_saved", "6"),
        60,
        "confidential",
        ["customer", "financial"],
        ["internal"],
        "every_output",
        ["claude-for-work"],
        "approved",
        "Lawyers spend a day on first-pass review of each supplier contract.",
        "Compare contracts with our playbook and flag deviating clauses for the lawyer.",
        "minimal",
        (4, 4, 2, 4, 4, 4, 5),
        [("confabulation", 3, 4, "Lawyer checks every flagged clause against the source.")],
    ),
    D(
        "HR policy questions assistant",
        "Human Resources",
        "hr",
        "productivity",
        2400,
        ("hours_saved", "0.2"),
        55,
        "internal",
        ["employee"],
        ["internal"],
        "spot_checks",
        ["microsoft-365-copilot"],
        "live",
        "HR answers the same questions about leave and benefits hundreds of times a month.",
        "An assistant answers from the HR handbook and links the source paragraph.",
        "chatbot",
        (3, 3, 5, 5, 5, 4, 4),
    ),
    D(
        "Screen CVs and rank applicants",
        "Human Resources",
        "hr",
        "productivity",
        6,
        ("hours_saved", "8"),
        40,
        "confidential",
        ["personal", "employee"],
        ["internal"],
        "fully_automated",
        ["openai-gpt-4o-api"],
        "on_hold",
        "Recruiters read 300 CVs per opening.",
        "Score every CV against the job profile and reject the lowest half automatically.",
        "employment",
        (3, 3, 2, 3, 3, 3, 3),
        [("harmful_bias", 4, 5, ""), ("data_privacy", 3, 4, "Data minimised to the CV.")],
        "Automatic rejection is a high-risk use under the EU AI Act; come back with a design "
        "where a recruiter decides.",
    ),
    D(
        "Interview notes into structured feedback",
        "Human Resources",
        "hr",
        "productivity",
        60,
        ("hours_saved", "1"),
        60,
        "confidential",
        ["personal", "employee"],
        ["internal"],
        "every_output",
        ["microsoft-365-copilot"],
        "approved",
        "Interviewers write feedback late and in very different formats.",
        "Turn the interviewer's own notes into the feedback template; the interviewer signs it.",
        "employment_exempt",
        (3, 2, 3, 4, 4, 4, 4),
    ),
    D(
        "Detect employee mood from video calls",
        "Human Resources",
        "hr",
        "new_business_model",
        2400,
        ("hours_saved", "0.1"),
        20,
        "restricted",
        ["personal", "employee", "health"],
        ["internal"],
        "fully_automated",
        ["free-consumer-chatbots"],
        "rejected",
        "Managers learn about disengagement too late.",
        "Infer the mood of each employee from their video calls and alert the manager.",
        "emotion",
        (1, 1, 3, 1, 2, 2, 1),
        [],
        "Inferring employees' emotions is a prohibited practice under the EU AI Act (Article 5).",
    ),
    D(
        "IT ticket triage",
        "IT Operations",
        "it_operations",
        "productivity",
        25,
        ("hours_saved", "3"),
        75,
        "internal",
        ["employee"],
        ["internal"],
        "spot_checks",
        ["company-ai-gateway", "anthropic-claude-haiku-api"],
        "live",
        "A quarter of IT tickets land in the wrong queue and wait a day for re-routing.",
        "Classify each ticket, suggest a queue and a first answer; the service desk confirms.",
        "minimal",
        (4, 3, 4, 5, 4, 5, 4),
    ),
    D(
        "Incident post-mortem drafts",
        "IT Operations",
        "it_operations",
        "productivity",
        25,
        ("hours_saved", "2"),
        60,
        "confidential",
        [],
        ["internal"],
        "every_output",
        ["claude-for-work"],
        "in_delivery",
        "Post-mortems take a day to write and are often skipped.",
        "Draft the post-mortem from the incident channel and timeline; the owner completes it.",
        "minimal",
        (3, 2, 3, 4, 5, 5, 4),
    ),
    D(
        "Log anomaly explanations",
        "IT Operations",
        "it_operations",
        "productivity",
        12,
        ("hours_saved", "2"),
        50,
        "confidential",
        ["source_code"],
        ["internal"],
        "every_output",
        ["cursor-business"],
        "submitted",
        "On-call engineers spend the first hour of an incident reading logs.",
        "Explain clusters of anomalous log lines in plain language with likely causes.",
        "minimal",
    ),
    D(
        "Invoice data extraction",
        "Finance",
        "finance",
        "productivity",
        14,
        ("hours_saved", "5"),
        80,
        "confidential",
        ["financial"],
        ["internal"],
        "spot_checks",
        ["company-ai-gateway", "openai-gpt-4o-mini-api"],
        "live",
        "Accounts payable keys in 4,000 supplier invoices a month by hand.",
        "Extract supplier, amounts and VAT from invoice PDFs into the ERP for checking.",
        "minimal",
        (4, 5, 3, 4, 4, 4, 3),
    ),
    D(
        "Month-end commentary drafts",
        "Finance",
        "finance",
        "productivity",
        10,
        ("hours_saved", "3"),
        55,
        "restricted",
        ["financial"],
        ["internal"],
        "every_output",
        ["chatgpt-enterprise"],
        "in_review",
        "Controllers write variance commentary for 60 cost centres every month.",
        "Draft the commentary from the ledger variances; controllers edit and approve.",
        "minimal",
        (3, 3, 2, 3, 4, 4, 3),
    ),
    D(
        "Credit limit suggestions for new customers",
        "Finance",
        "finance",
        "growth",
        6,
        ("revenue", "300000"),
        35,
        "confidential",
        ["personal", "customer", "financial"],
        ["internal"],
        "spot_checks",
        ["llama-3-1-70b-self-hosted"],
        "in_review",
        "Credit checks for new business customers take three days and lose deals.",
        "Suggest a credit limit from financial statements and payment history.",
        "credit",
        (4, 4, 2, 3, 2, 3, 2),
        [
            ("harmful_bias", 3, 4, "Quarterly fairness review of suggestions."),
            ("confabulation", 3, 4, ""),
        ],
    ),
    D(
        "Proprietary model for our core product",
        "Product and R&D",
        "product_rd",
        "new_business_model",
        50000,
        ("revenue", "5000000"),
        30,
        "confidential",
        ["customer", "source_code"],
        ["customers"],
        "spot_checks",
        ["llama-3-1-70b-self-hosted"],
        "in_review",
        "Competitors ship AI features; our product has none and renewals are at risk.",
        "Fine-tune and host an open model on our product data to power in-product assistance.",
        "synthetic",
        (5, 5, 5, 2, 1, 2, 2),
        [
            ("value_chain", 3, 3, "Model card and licence review."),
            ("environmental", 3, 2, "Right-size GPUs; measure energy per request."),
        ],
    ),
    D(
        "Product requirement drafts",
        "Product and R&D",
        "product_rd",
        "productivity",
        35,
        ("hours_saved", "2"),
        60,
        "internal",
        [],
        ["internal"],
        "every_output",
        ["claude-for-work"],
        "approved",
        "Product managers start every requirement document from a blank page.",
        "Draft requirement documents from interview notes and tickets.",
        "minimal",
        (3, 2, 3, 4, 5, 5, 5),
    ),
    D(
        "User research synthesis",
        "Product and R&D",
        "product_rd",
        "productivity",
        8,
        ("hours_saved", "4"),
        50,
        "confidential",
        ["personal", "customer"],
        ["internal"],
        "every_output",
        ["gemini-for-workspace"],
        "draft",
        "Researchers spend a week coding interview transcripts.",
        "Cluster interview quotes into themes with links to the transcripts.",
        "minimal",
    ),
    D(
        "Test case generation",
        "Engineering",
        "software_engineering",
        "productivity",
        60,
        ("hours_saved", "2"),
        60,
        "confidential",
        ["source_code"],
        ["internal"],
        "every_output",
        ["github-copilot-business"],
        "approved",
        "Coverage of legacy modules is under 30 % and nobody wants to write the tests.",
        "Generate unit tests for legacy modules; engineers review them in pull requests.",
        "minimal",
        (3, 3, 3, 5, 4, 5, 5),
    ),
    D(
        "Migrate COBOL batch jobs",
        "Engineering",
        "software_engineering",
        "productivity",
        10,
        ("hours_saved", "10"),
        35,
        "confidential",
        ["source_code", "financial"],
        ["internal"],
        "every_output",
        ["deepseek-chat"],
        "submitted",
        "Three people understand the COBOL batch jobs; two retire next year.",
        "Translate batch jobs to Java with explanations, reviewed by the remaining experts.",
        "minimal",
    ),
    D(
        "Release notes from merged pull requests",
        "Engineering",
        "software_engineering",
        "productivity",
        15,
        ("hours_saved", "1"),
        70,
        "internal",
        ["source_code"],
        ["customers"],
        "every_output",
        ["openai-gpt-4o-mini-api"],
        "retired",
        "Release notes were written by hand on release day and were often late.",
        "Draft customer-facing release notes from merged pull requests.",
        "synthetic",
        (2, 2, 3, 5, 5, 5, 5),
    ),
    D(
        "Security questionnaire answers",
        "Legal",
        "legal",
        "growth",
        5,
        ("revenue", "150000"),
        50,
        "confidential",
        ["customer"],
        ["customers"],
        "every_output",
        ["company-ai-gateway", "anthropic-claude-sonnet-api"],
        "draft",
        "Sales waits two weeks for security questionnaires to be answered.",
        "Draft answers from previous questionnaires and our security documentation.",
        "minimal",
    ),
    D(
        "Translate support articles",
        "Customer Service",
        "customer_service",
        "growth",
        4,
        ("revenue", "90000"),
        45,
        "public",
        [],
        ["public"],
        "spot_checks",
        ["mistral-large-api"],
        "withdrawn",
        "Our help centre exists only in English and German.",
        "Machine-translate support articles into eight languages.",
        "synthetic",
    ),
    D(
        "Meeting minutes in Teams",
        "IT Operations",
        "it_operations",
        "productivity",
        2400,
        ("hours_saved", "0.5"),
        60,
        "internal",
        ["employee"],
        ["internal"],
        "spot_checks",
        ["microsoft-365-copilot"],
        "retired",
        "Minutes are rarely written and decisions get lost.",
        "Turn on meeting recap for all staff with a short training.",
        "minimal",
        (3, 2, 5, 5, 5, 5, 5),
    ),
    D(
        "Sales call coaching",
        "Marketing and Sales",
        "marketing_sales",
        "growth",
        30,
        ("revenue", "250000"),
        35,
        "confidential",
        ["personal", "customer"],
        ["internal"],
        "spot_checks",
        ["gemini-for-workspace"],
        "draft",
        "New sales reps take nine months to reach quota.",
        "Give reps feedback on recorded calls against our sales method.",
        "minimal",
    ),
    D(
        "Expense claim checks",
        "Finance",
        "finance",
        "productivity",
        4,
        ("hours_saved", "6"),
        65,
        "confidential",
        ["employee", "financial"],
        ["internal"],
        "fully_automated",
        ["openai-gpt-4o-mini-api"],
        "withdrawn",
        "Finance checks every expense claim by hand.",
        "Check claims against the travel policy and approve compliant ones automatically.",
        "minimal",
    ),
    D(
        "Supplier risk news monitoring",
        "Legal",
        "legal",
        "productivity",
        6,
        ("hours_saved", "3"),
        50,
        "public",
        [],
        ["internal"],
        "every_output",
        ["chatgpt-enterprise"],
        "rejected",
        "Procurement learns about supplier problems from the news weeks late.",
        "Summarise news about our top 200 suppliers weekly.",
        "minimal",
        (2, 2, 2, 4, 4, 4, 4),
        [],
        "A subscription service we already pay for does this; no need to build it.",
    ),
    D(
        "Onboarding buddy for new engineers",
        "Engineering",
        "software_engineering",
        "productivity",
        40,
        ("hours_saved", "3"),
        50,
        "internal",
        ["source_code"],
        ["internal"],
        "every_output",
        ["company-ai-gateway"],
        "draft",
        "New engineers need two months before their first meaningful change.",
        "",
        "minimal",
    ),
]

LEAD_FOR = {
    "Customer Service": "leo",
    "Marketing and Sales": "leo",
    "Human Resources": "leo",
    "Legal": "leo",
    "Engineering": "lina",
    "Product and R&D": "lina",
    "IT Operations": "lina",
    "Finance": "lina",
}
PATH = {
    Status.DRAFT: [],
    Status.SUBMITTED: [Status.SUBMITTED],
    Status.IN_REVIEW: [Status.SUBMITTED, Status.IN_REVIEW],
    Status.ON_HOLD: [Status.SUBMITTED, Status.IN_REVIEW, Status.ON_HOLD],
    Status.REJECTED: [Status.SUBMITTED, Status.IN_REVIEW, Status.REJECTED],
    Status.APPROVED: [Status.SUBMITTED, Status.IN_REVIEW, Status.APPROVED],
    Status.IN_DELIVERY: [Status.SUBMITTED, Status.IN_REVIEW, Status.APPROVED, Status.IN_DELIVERY],
    Status.LIVE: [Status.SUBMITTED, Status.IN_REVIEW, Status.APPROVED, Status.IN_DELIVERY,
                  Status.LIVE],
    Status.RETIRED: [Status.SUBMITTED, Status.IN_REVIEW, Status.APPROVED, Status.IN_DELIVERY,
                     Status.LIVE, Status.RETIRED],
    Status.WITHDRAWN: [Status.SUBMITTED, Status.WITHDRAWN],
}  # fmt: skip


def _seed_case(case: DemoCase, rita: User, ravi: User) -> None:
    lead = User.objects.get(username=LEAD_FOR[case.department])
    tools = list(RegisterEntry.objects.filter(slug__in=case.tools))
    kind, amount = case.benefit
    data: dict[str, Any] = {
        "title": case.title,
        "problem": case.problem,
        "proposed_solution": case.solution,
        "value_lever": case.lever,
        "business_function": case.function,
        "people_affected": case.people,
        "benefit_kind": kind,
        "hours_saved_per_person_per_week": Decimal(amount) if kind == "hours_saved" else None,
        "revenue_per_year": Decimal(amount) if kind == "revenue" else None,
        "benefit_confidence": case.confidence,
        "data_classification": case.data,
        "data_categories": case.categories,
        "output_audience": case.audience,
        "human_oversight": case.oversight,
        **FACTS.get(case.title, {}),
    }
    usecase = services.usecase_create_draft(
        by=lead, data=NewIntake.parse(data, preferred_tools=tools)
    )
    department = Department.objects.get(name=case.department)
    if department.pk != usecase.department_id:
        # The demo has leads for two departments only; they propose on behalf of the others.
        UseCase.objects.filter(pk=usecase.pk).update(department=department)
    for step in PATH[Status(case.status)]:
        usecase = UseCase.objects.get(pk=usecase.pk)
        if step == Status.SUBMITTED:
            services.usecase_submit(usecase=usecase, by=lead)
            continue
        if step == Status.WITHDRAWN:
            services.usecase_transition(
                usecase=usecase,
                by=lead,
                data=Move.parse(to=step, comment="We will solve this another way."),
            )
            continue
        if step == Status.IN_REVIEW:
            services.usecase_transition(usecase=usecase, by=rita, data=Move.parse(to=step))
            _assess(usecase, case, rita)
            continue
        if step == Status.APPROVED:
            _clear_for_approval(usecase, rita, ravi)
        comment = case.reason if step in {Status.REJECTED, Status.ON_HOLD} else ""
        services.usecase_transition(
            usecase=usecase, by=rita, data=Move.parse(to=step, comment=comment)
        )


def _assess(usecase: UseCase, case: DemoCase, rita: User) -> None:
    answers = RiskAnswers.model_validate(RISK_PRESETS[case.risk])
    services.usecase_risk_assess(
        usecase=usecase, by=rita, data=RiskAssessment.parse(answers=answers)
    )
    if case.risks:
        rows = [
            dict(risk=r, likelihood=lk, severity=sv, mitigation=m, owner=rita.username)
            for r, lk, sv, m in case.risks
        ]
        services.usecase_risk_register_save(
            usecase=usecase, by=rita, data=RiskRegister.parse(rows=rows)
        )
    if case.ratings:
        ratings = {c.value: (score, "") for c, score in zip(Criterion, case.ratings, strict=True)}
        services.usecase_rate(usecase=usecase, by=rita, data=Ratings.of(ratings))


def _clear_for_approval(usecase: UseCase, rita: User, ravi: User) -> None:
    """Give a demo case what the approval gate asks for (``usecases.approval``), as the CIO
    office would: ratings, the archetype and its estimate, the register, exceptions, sign-off."""
    # Imported here: the estimates' demo step registers after this module's (see the end).
    from usecases.estimates import services as estimate_services
    from usecases.estimates.archetype import recommend_archetype
    from usecases.estimates.demo import _answers
    from usecases.estimates.models import EstimateRun, RunStatus

    usecase = UseCase.objects.get(pk=usecase.pk)
    missing = {item.key for item in usecase.approval_missing(rita)}
    if "ratings" in missing:
        rated = set(usecase.ratings.values_list("criterion", flat=True))
        ratings = {c.value: (3, "Rated at the review.") for c in Criterion if c.value not in rated}
        services.usecase_rate(usecase=usecase, by=rita, data=Ratings.of(ratings))
    if "risk_register" in missing:
        rows = [
            dict(risk="confabulation", likelihood=2, severity=2, owner=rita.username,
                 mitigation="A person checks every output before it is used.")
        ]  # fmt: skip
        services.usecase_risk_register_save(
            usecase=usecase, by=rita, data=RiskRegister.parse(rows=rows)
        )
    usecase = UseCase.objects.get(pk=usecase.pk)
    if not usecase.chosen_archetype:
        archetype = recommend_archetype(_answers(usecase)).archetype
        estimate_services.usecase_archetype_choose(
            usecase=usecase,
            by=rita,
            data=ArchetypeChoice.parse(
                archetype=archetype, justification="Chosen at the review from the answers."
            ),
        )
    usecase = UseCase.objects.get(pk=usecase.pk)
    runs = EstimateRun.objects.filter(
        usecase=usecase, archetype=usecase.chosen_archetype, is_current=True
    )
    if not runs.exists():
        estimate_services.estimates_request(usecase=usecase)
    for run in runs.exclude(status=RunStatus.DONE):
        estimate_services.estimate_run_execute(run.pk)
    full = with_guardrail_inputs(UseCase.objects.filter(pk=usecase.pk)).get()
    for state in findings_for(full):
        if state.is_open and state.finding.exceptable:
            # Four eyes: Rita requests the exception, Ravi grants it.
            services.usecase_exception_request(
                usecase=usecase,
                by=rita,
                data=ExceptionRequest.parse(
                    finding_key=state.finding.key,
                    reason="Accepted for a time-boxed pilot; revisit at the three-month review.",
                    conditions="Pilot with one team only, on the data named in the intake.",
                    expires_on=timezone.localdate() + datetime.timedelta(days=180),
                ),
            )
            services.usecase_exception_grant(
                usecase=usecase,
                by=ravi,
                data=ExceptionGrant.parse(finding_key=state.finding.key),
            )
    if full.risk_tier == "high":
        services.usecase_sign_off(
            usecase=usecase, by=ravi, data=SignOffInput.parse(comment="Second pair of eyes: fine.")
        )


# The demo company's policy for each guardrail rule (the demo policies' slugs).
DEMO_RULE_POLICIES = {
    Rule.DATA_ABOVE_TOOL_APPROVAL: "data-privacy-and-sensitive-data-tagging",
    Rule.TOOL_NOT_APPROVED: "acceptable-use-of-generative-ai",
    Rule.AUTOMATED_SENSITIVE_DATA: "our-stance-on-generative-ai",
    Rule.UNDISCLOSED_TRAINING_DATA: "intellectual-property-and-model-provider-transparency",
    Rule.UNMITIGATED_SEVERE_RISK: "our-stance-on-generative-ai",
}


@register_demo_step
def seed_guardrail_policies() -> str:
    """Name the demo company's policy of each guardrail rule not named yet (as its admin)."""
    admin = User.objects.filter(username="alex").first()
    named = set(GuardrailPolicy.objects.values_list("rule", flat=True))
    policies = {p.slug: p for p in Policy.objects.filter(slug__in=DEMO_RULE_POLICIES.values())}
    missing = {
        rule: policies[slug]
        for rule, slug in DEMO_RULE_POLICIES.items()
        if rule not in named and slug in policies
    }
    if admin is None or not missing:
        return "guardrail policies already named"
    services.guardrail_policies_set(by=admin, data=GuardrailPolicies.parse(policies=missing))
    return f"{len(missing)} guardrail policies named"


@register_demo_step
@transaction.atomic
def seed_usecases() -> str:
    if UseCase.objects.filter(title=CASES[0].title).exists():
        return "use cases already present"
    rita = User.objects.get(username="rita")
    ravi = User.objects.get(username="ravi")
    for case in CASES:
        _seed_case(case, rita, ravi)
    return f"{UseCase.objects.count()} use cases"


from usecases.estimates import demo as _estimates_demo  # noqa: E402, F401 - after seed_usecases
