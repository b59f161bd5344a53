"""The demo company's tools register: well-known tools and models, with public list prices."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from policies.models import Policy, RegisterEntry
from policies.pending import pending_change_approve
from policies.register.inputs import NewRegisterEntry
from policies.register.services import register_entry_create
from portal.demo import register_demo_step
from portal.models import User

PRICES_AS_OF = datetime.date(2026, 11, 1)
GATEWAY_ONLY = (
    "Call it only through the Company AI Gateway, which applies data loss prevention and keeps "
    "the provider's zero-data-retention setting on. Never put credentials or secrets in prompts."
)
SSO_ONLY = (
    "Sign in with your company account (single sign-on) only, never a personal one. "
    "Check its answers before you rely on them or send them to anyone."
)


def _tokens(input_price: str, output_price: str) -> dict[str, Any]:
    return {
        "price_per_million_input_tokens": Decimal(input_price),
        "price_per_million_output_tokens": Decimal(output_price),
        "prices_checked_on": PRICES_AS_OF,
    }


DEMO_REGISTER: list[dict[str, Any]] = [
    {
        "name": "Company AI Gateway",
        "slug": "company-ai-gateway",
        "vendor": "IT Operations (internal)",
        "kind": "internal_platform",
        "status": "approved",
        "max_data_classification": "confidential",
        "description": "The company's own front door to approved models, with logging and DLP.",
        "conditions_of_use": "Use your company account. Prompts are logged for 30 days for "
        "security review.",
        "training_data_disclosure": "full",
        "licence": "Internal service",
        "output_ownership": "The company",
        "indemnity": "yes",
    },
    {
        "name": "ChatGPT Enterprise",
        "slug": "chatgpt-enterprise",
        # Negotiated; commonly reported around $60 a user a month (REFERENCE.md, seat prices).
        "seat_price_monthly": Decimal("60"),
        "prices_checked_on": PRICES_AS_OF,
        "vendor": "OpenAI",
        "kind": "chat_assistant",
        "status": "approved",
        "max_data_classification": "confidential",
        "description": "General-purpose chat assistant on the company's enterprise workspace.",
        "conditions_of_use": SSO_ONLY,
        "training_data_disclosure": "partial",
        "licence": "OpenAI Enterprise agreement; business data not used for training",
        "output_ownership": "Customer owns inputs and outputs",
        "indemnity": "yes",
    },
    {
        "name": "Microsoft 365 Copilot",
        "slug": "microsoft-365-copilot",
        "seat_price_monthly": Decimal("30"),
        "prices_checked_on": PRICES_AS_OF,
        "vendor": "Microsoft",
        "kind": "chat_assistant",
        "status": "approved",
        "max_data_classification": "confidential",
        "description": "Copilot in Word, Excel, Outlook and Teams, inside the company tenant.",
        "conditions_of_use": "",
        "training_data_disclosure": "partial",
        "licence": "Microsoft Product Terms; tenant data not used for training",
        "output_ownership": "Customer owns outputs",
        "indemnity": "yes",
    },
    {
        "name": "GitHub Copilot Business",
        "slug": "github-copilot-business",
        "seat_price_monthly": Decimal("19"),
        "prices_checked_on": PRICES_AS_OF,
        "vendor": "GitHub (Microsoft)",
        "kind": "coding_assistant",
        "status": "approved",
        "max_data_classification": "confidential",
        "description": "Code completion and chat in the editor, for the company's repositories.",
        "conditions_of_use": "Keep the “block suggestions matching public code” setting on. "
        "Never paste secrets or customer data into the chat.",
        "training_data_disclosure": "partial",
        "licence": "GitHub Copilot Product Specific Terms",
        "output_ownership": "Customer owns suggestions it accepts",
        "indemnity": "yes",
    },
    {
        "name": "Claude for Work (Team plan)",
        "slug": "claude-for-work",
        "seat_price_monthly": Decimal("25"),
        "prices_checked_on": PRICES_AS_OF,
        "vendor": "Anthropic",
        "kind": "chat_assistant",
        "status": "approved",
        "max_data_classification": "confidential",
        "description": "Chat assistant for long documents and analysis, on the company workspace.",
        "conditions_of_use": SSO_ONLY,
        "training_data_disclosure": "partial",
        "licence": "Anthropic Commercial Terms; inputs not used for training",
        "output_ownership": "Customer owns outputs",
        "indemnity": "yes",
    },
    {
        "name": "Gemini for Google Workspace",
        "slug": "gemini-for-workspace",
        "seat_price_monthly": Decimal("20"),  # Business; Enterprise is $30
        "prices_checked_on": PRICES_AS_OF,
        "vendor": "Google",
        "kind": "chat_assistant",
        "status": "restricted",
        "max_data_classification": "internal",
        "description": "Gemini in Gmail, Docs and Sheets; used by the teams on Google Workspace.",
        "conditions_of_use": "Only inside the company's Workspace tenant. Not with customer "
        "personal data until the data processing review is complete.",
        "training_data_disclosure": "partial",
        "licence": "Google Workspace terms; data not used for training",
        "output_ownership": "Customer owns outputs",
        "indemnity": "yes",
    },
    {
        "name": "OpenAI GPT-4o (API)",
        "slug": "openai-gpt-4o-api",
        "vendor": "OpenAI",
        "kind": "api_model",
        "status": "approved",
        "max_data_classification": "confidential",
        "description": "Multimodal model for applications, called through the AI Gateway.",
        "conditions_of_use": GATEWAY_ONLY,
        "training_data_disclosure": "partial",
        "licence": "OpenAI Services Agreement",
        "output_ownership": "Customer owns outputs",
        "indemnity": "yes",
        **_tokens("2.50", "10.00"),
    },
    {
        "name": "OpenAI GPT-4o mini (API)",
        "slug": "openai-gpt-4o-mini-api",
        "vendor": "OpenAI",
        "kind": "api_model",
        "status": "approved",
        "max_data_classification": "confidential",
        "description": "Small, inexpensive model for classification and extraction.",
        "conditions_of_use": GATEWAY_ONLY,
        "training_data_disclosure": "partial",
        "licence": "OpenAI Services Agreement",
        "output_ownership": "Customer owns outputs",
        "indemnity": "yes",
        **_tokens("0.15", "0.60"),
    },
    {
        "name": "Anthropic Claude Sonnet (API)",
        "slug": "anthropic-claude-sonnet-api",
        "vendor": "Anthropic",
        "kind": "api_model",
        "status": "approved",
        "max_data_classification": "confidential",
        "description": "Capable general model for writing, analysis and code.",
        "conditions_of_use": GATEWAY_ONLY,
        "training_data_disclosure": "partial",
        "licence": "Anthropic Commercial Terms of Service",
        "output_ownership": "Customer owns outputs",
        "indemnity": "yes",
        **_tokens("3.00", "15.00"),
    },
    {
        "name": "Anthropic Claude Haiku (API)",
        "slug": "anthropic-claude-haiku-api",
        "vendor": "Anthropic",
        "kind": "api_model",
        "status": "approved",
        "max_data_classification": "confidential",
        "description": "Fast, inexpensive model for high-volume tasks.",
        "conditions_of_use": GATEWAY_ONLY,
        "training_data_disclosure": "partial",
        "licence": "Anthropic Commercial Terms of Service",
        "output_ownership": "Customer owns outputs",
        "indemnity": "yes",
        **_tokens("0.80", "4.00"),
    },
    {
        "name": "Google Gemini 2.0 Flash (API)",
        "slug": "google-gemini-flash-api",
        "vendor": "Google",
        "kind": "api_model",
        "status": "restricted",
        "max_data_classification": "internal",
        "description": "Fast multimodal model on Vertex AI, EU region.",
        "conditions_of_use": "Only on the company's Vertex AI project in an EU region, "
        "through the AI Gateway.",
        "training_data_disclosure": "partial",
        "licence": "Google Cloud Service Specific Terms",
        "output_ownership": "Customer owns outputs",
        "indemnity": "yes",
        **_tokens("0.10", "0.40"),
    },
    {
        "name": "Google Gemini 1.5 Pro (API)",
        "slug": "google-gemini-pro-api",
        "vendor": "Google",
        "kind": "api_model",
        "status": "under_review",
        "max_data_classification": "internal",
        "description": "Long-context model; the security review is in progress.",
        "conditions_of_use": "",
        "training_data_disclosure": "partial",
        "licence": "Google Cloud Service Specific Terms",
        "output_ownership": "Customer owns outputs",
        "indemnity": "yes",
        **_tokens("1.25", "5.00"),
    },
    {
        "name": "Mistral Large (API)",
        "slug": "mistral-large-api",
        "vendor": "Mistral AI",
        "kind": "api_model",
        "status": "approved",
        "max_data_classification": "internal",
        "description": "European model provider, hosted in the EU.",
        "conditions_of_use": "",
        "training_data_disclosure": "none",
        "licence": "Mistral AI Commercial Terms",
        "output_ownership": "Customer owns outputs",
        "indemnity": "no",
        **_tokens("2.00", "6.00"),
    },
    {
        "name": "Llama 3.1 70B (self-hosted)",
        "slug": "llama-3-1-70b-self-hosted",
        "vendor": "Meta (open weights), run by IT Operations",
        "kind": "self_hosted_model",
        "status": "approved",
        "max_data_classification": "restricted",
        "description": "Open-weights model on the company's own GPUs; data never leaves them.",
        "conditions_of_use": "Use the deployment run by IT Operations, through the AI Gateway. "
        "The Llama acceptable use policy applies to what you build with it.",
        "training_data_disclosure": "partial",
        "licence": "Llama 3.1 Community License",
        "output_ownership": "The company (the licence claims no rights in outputs)",
        "indemnity": "no",
        "gpu_type": "NVIDIA H100 80GB",
        "gpu_hourly_price": Decimal("3.20"),
        "prices_checked_on": PRICES_AS_OF,
    },
    {
        "name": "Cursor Business",
        "slug": "cursor-business",
        "vendor": "Anysphere",
        "kind": "coding_assistant",
        "status": "under_review",
        "max_data_classification": "internal",
        "description": "AI code editor; requested by Engineering, under security review.",
        "conditions_of_use": "",
        "training_data_disclosure": "unknown",
        "licence": "Cursor Terms of Service (privacy mode on Business)",
        "output_ownership": "Customer owns outputs",
        "indemnity": "unknown",
    },
    {
        "name": "DeepSeek Chat",
        "slug": "deepseek-chat",
        "vendor": "DeepSeek",
        "kind": "chat_assistant",
        "status": "prohibited",
        "max_data_classification": "public",
        "description": "Prohibited for data residency: data is stored outside approved countries.",
        "conditions_of_use": "",
        "training_data_disclosure": "partial",
        "licence": "DeepSeek Terms of Use",
        "output_ownership": "User, under the provider's terms",
        "indemnity": "no",
    },
    {
        "name": "Free consumer chatbots (personal accounts)",
        "slug": "free-consumer-chatbots",
        "vendor": "Various",
        "kind": "chat_assistant",
        "status": "restricted",
        "max_data_classification": "public",
        "description": "Free tiers of public chatbots used with a personal account.",
        "conditions_of_use": "Only with information that is already public. Never sign in with "
        "your company email, and never paste internal documents, code or customer data: "
        "free tiers may use what you type to train their models.",
        "training_data_disclosure": "unknown",
        "licence": "Consumer terms of each provider",
        "output_ownership": "Varies by provider",
        "indemnity": "no",
    },
]


@register_demo_step
def seed_register() -> str:
    """Add the demo tools that are missing; entries already there are left as people edited them.
    The author adds each one and the approver agrees to its approval (four eyes, as in use)."""
    policy = Policy.objects.filter(
        slug__in=["acceptable-use-of-generative-ai", "acceptable-use"]
    ).first()
    existing = set(RegisterEntry.objects.values_list("slug", flat=True))
    added = 0
    with transaction.atomic():
        for data in DEMO_REGISTER:
            if data["slug"] in existing:
                continue
            author = User.objects.get(username="paul")  # the demo's policy author
            approver = User.objects.get(username="ada")  # and its policy approver
            entry = NewRegisterEntry.parse({**data, "governing_policy": policy})
            outcome = register_entry_create(by=author, data=entry)
            if outcome.pending is not None:
                pending_change_approve(by=approver, change=outcome.pending)
            added += 1
    return f"{len(DEMO_REGISTER)} register entries ({added} new)"
