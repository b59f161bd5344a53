"""Demo data: a realistic AI stance with a history of versions, and people who owe it."""

from __future__ import annotations

from django.db import transaction

from policies import services
from policies.inputs import NewPolicy, VersionText
from policies.models import Acknowledgement, Policy, PolicyCategory
from portal.demo import register_demo_step
from portal.models import User

STANCE_V1 = """# Our stance on generative AI

We use generative AI where it helps our people and our customers, and we stay accountable for
everything it produces.

## What this means for you

- You may use the AI tools marked **approved** in the [AI tools register](/tools/).
- You remain responsible for anything you publish or send, whoever drafted it.
- Never paste data into a tool that is not approved for that data's classification.

## Who decides

The CIO office decides which use cases we invest in; the AI policy owner keeps this stance current.
"""
STANCE_V2 = STANCE_V1.replace(
    "## Who decides",
    """## Where we are careful

- Decisions about people (hiring, credit, performance) are never left to an AI system alone.
- Customer-facing content produced with AI is reviewed by a person before it goes out.

## Who decides""",
)
ACCEPTABLE_USE = """# Acceptable use of generative AI

## Allowed

- Drafting, summarising and translating **internal** documents with approved tools.
- Writing and reviewing code with the approved coding assistant.
- Brainstorming and research on public information.

## Allowed with conditions

- Customer data: only in tools approved for *confidential* data, and only the minimum needed.
- Publishing AI-assisted text externally: a person reviews and takes responsibility for it.

## Not allowed

- Entering *restricted* data (health, passwords, unreleased financials) into any external tool.
- Using AI to monitor colleagues or infer their emotions.
- Presenting AI output as the work of a person when the reader should know.
"""
DATA_PRIVACY = """# Data privacy and sensitive data tagging

## Classify before you paste

| Classification | Examples | External AI tools |
|---|---|---|
| Public | published web pages, press releases | any approved tool |
| Internal | meeting notes, internal wikis | tools approved for internal data |
| Confidential | customer records, contracts | only tools approved for confidential data |
| Restricted | health data, credentials, M&A | never in external tools |

## Personal data

Personal data goes into AI tools only with a lawful basis, the minimum necessary, and a tool whose
provider does not train on our data.
"""
IP = """# Intellectual property and model-provider transparency

## Our inputs

Do not put trade secrets or unreleased product plans into tools that may train on them.

## Outputs

Check the provider's terms: who owns outputs, and whether the provider indemnifies us against
copyright claims. The register records both for every model.

## Transparency we expect from providers

- Disclosure of training-data sources.
- A licence that allows our intended use.
- Indemnity for outputs used commercially.
"""
SECURITY = """# Security of AI systems

## Prompt injection

Treat text from outside (web pages, emails, documents) as untrusted when an AI system reads it.

## Secrets

Never place credentials or keys in prompts. Use the company AI gateway for API access.

## Incidents

Report suspected leaks or misuse to the security team within 24 hours.
"""


def _publish(policy: Policy, author: User, approver: User, body: str, summary: str, material: bool):
    version = policy.versions.order_by("-number").first()
    if version is None or version.status != "draft":
        version = services.policy_version_create_draft(policy=policy, by=author)
    services.policy_version_update(
        version=version,
        by=author,
        data=VersionText.parse(
            body_markdown=body, summary_of_changes=summary, is_material=material
        ),
    )
    services.policy_version_submit(version=version, by=author)
    return services.policy_version_publish(version=version, by=approver)


@register_demo_step
@transaction.atomic
def seed_policies() -> str:
    if Policy.objects.filter(slug="our-stance-on-generative-ai").exists():
        return "policies already present"
    author = User.objects.get(username="paul")
    approver = User.objects.get(username="ada")
    stance = services.policy_create(
        by=author,
        data=NewPolicy.parse(
            title="Our stance on generative AI",
            category=PolicyCategory.STANCE,
            summary="Why and how the company uses generative AI.",
            body_markdown=STANCE_V1,
        ),
    )
    _publish(stance, author, approver, STANCE_V1, "First version.", True)
    first_readers = User.objects.filter(username__in=["leo", "lina", "rita", "alex", "paul"])
    for person in first_readers:
        services.acknowledgement_record(by=person, version=stance.versions.get(number=1))
    _publish(stance, author, approver, STANCE_V2, "Adds where we are careful.", True)
    for person in User.objects.filter(username__in=["rita", "alex"]):
        services.acknowledgement_record(by=person, version=stance.versions.get(number=2))

    acceptable = services.policy_create(
        by=author,
        data=NewPolicy.parse(
            title="Acceptable use of generative AI",
            category=PolicyCategory.ACCEPTABLE_USE,
            summary="What you may and may not do with AI tools.",
            body_markdown=ACCEPTABLE_USE,
        ),
    )
    _publish(acceptable, author, approver, ACCEPTABLE_USE, "First version.", True)
    for person in User.objects.filter(username__in=["leo", "rita", "ravi", "alex"]):
        services.acknowledgement_record(by=person, version=acceptable.versions.get(number=1))
    # A minor change: those who acknowledged version 1 owe nothing new.
    reworded = ACCEPTABLE_USE.replace("approved coding", "approved, licensed coding")
    _publish(acceptable, author, approver, reworded, "Wording of the coding assistant.", False)

    for title, category, summary, body in [
        ("Data privacy and sensitive data tagging", PolicyCategory.DATA_PRIVACY,
         "Classify data before it goes near an AI tool.", DATA_PRIVACY),
        ("Intellectual property and model-provider transparency",
         PolicyCategory.INTELLECTUAL_PROPERTY, "Who owns inputs and outputs.", IP),
        ("Security of AI systems", PolicyCategory.SECURITY,
         "Prompt injection, secrets and incidents.", SECURITY),
    ]:  # fmt: skip
        policy = services.policy_create(
            by=author,
            data=NewPolicy.parse(
                title=title, category=category, summary=summary, body_markdown=body
            ),
        )
        _publish(policy, author, approver, body, "First version.", True)
    draft = services.policy_version_create_draft(policy=stance, by=author)
    services.policy_version_update(
        version=draft,
        by=author,
        data=VersionText.parse(
            body_markdown=STANCE_V2 + "\n## AI literacy\n\nEveryone takes the"
            " one-hour AI literacy course (EU AI Act, Article 4).\n",
            summary_of_changes="Adds the AI literacy duty.",
            is_material=True,
        ),
    )
    services.policy_version_submit(version=draft, by=author)
    return f"{Policy.objects.count()} policies, {Acknowledgement.objects.count()} acknowledgements"
