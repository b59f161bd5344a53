"""Which policy a guardrail finding names: the tool's governing policy, else the one an
administrator named for the rule, else none yet. The demo company names its own."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from policies.models import Policy, PolicyCategory
from portal.boundary import Refused
from portal.models import AuditEvent, User
from usecases import services
from usecases.guardrails import CaseView, Rule, ToolView, guardrail_findings
from usecases.inputs import GuardrailPolicies
from usecases.models import GuardrailPolicy
from usecases.selectors import findings_for, usecase_for

from .conftest import make_draft, make_tool

pytestmark = pytest.mark.django_db

AUTOMATED = CaseView(data_categories=("personal",), human_oversight="fully_automated")
CHAT = ToolView("chat", "Chat", "approved", "internal", "partial")


def test_a_rule_names_the_policy_given_for_it_else_none() -> None:
    (finding,) = guardrail_findings(AUTOMATED, [])
    assert finding.policy == ""
    (finding,) = guardrail_findings(AUTOMATED, [], {Rule.AUTOMATED_SENSITIVE_DATA: "Our stance"})
    assert finding.policy == "Our stance"


def test_a_tool_s_governing_policy_comes_first() -> None:
    case = CaseView(data_classification="confidential", tool_slugs=("chat",))
    policies: dict[str, str] = {Rule.DATA_ABOVE_TOOL_APPROVAL: "Data privacy"}
    assert [f.policy for f in guardrail_findings(case, [CHAT], policies)] == ["Data privacy"]
    governed = ToolView("chat", "Chat", "approved", "internal", "partial", "Acceptable use")
    assert [f.policy for f in guardrail_findings(case, [governed], policies)] == ["Acceptable use"]


def _policy(author: User, title: str) -> Policy:
    return Policy.objects.create(
        title=title, slug=title.lower().replace(" ", "-"), category=PolicyCategory.OTHER,
        created_by=author,
    )  # fmt: skip


def test_an_admin_names_a_rule_s_policy_on_the_page_and_findings_show_it(
    lead: User, reviewer: User, admin_user: User, author: User
) -> None:
    case = make_draft(lead, [make_tool("chat", max_data_classification="internal")],
                      data_classification="confidential")  # fmt: skip
    page = Client()
    page.force_login(reviewer)
    assert "no policy named yet" in page.get(f"/usecases/{case.reference}/").content.decode()
    privacy = _policy(author, "Data privacy")
    admin = Client()
    admin.force_login(admin_user)
    assert admin.get("/usecases/guardrails/").status_code == 200
    response = admin.post("/usecases/guardrails/", {Rule.DATA_ABOVE_TOOL_APPROVAL: privacy.pk})
    assert response.status_code == 302
    assert GuardrailPolicy.objects.get(rule=Rule.DATA_ABOVE_TOOL_APPROVAL).policy == privacy
    event = AuditEvent.objects.get(action="guardrail_policies.named")
    assert event.after == {Rule.DATA_ABOVE_TOOL_APPROVAL: "data-privacy"}
    loaded = usecase_for(reviewer, case.reference or "")
    assert loaded is not None
    assert [state.finding.policy for state in findings_for(loaded)] == ["Data privacy"]
    assert (
        "From the policy “Data privacy”"
        in page.get(f"/usecases/{case.reference}/").content.decode()
    )
    findings = page.get(f"/api/v1/usecases/{case.reference}/findings/").json()
    assert [f["policy"] for f in findings] == ["Data privacy"]


def test_only_admins_name_the_policies(reviewer: User, author: User) -> None:
    data = GuardrailPolicies.parse(policies={Rule.TOOL_NOT_APPROVED: _policy(author, "Use")})
    with pytest.raises(Refused) as refusal:
        services.guardrail_policies_set(by=reviewer, data=data)
    assert refusal.value.kind == Refused.FORBIDDEN
    assert not GuardrailPolicy.objects.exists()
    client = Client()
    client.force_login(reviewer)
    assert client.get("/usecases/guardrails/").status_code == 403


def test_the_demo_names_the_demo_company_s_policies() -> None:
    call_command("seed_demo", "--quiet-accounts")
    named = dict(GuardrailPolicy.objects.values_list("rule", "policy__title"))
    assert named == {
        Rule.DATA_ABOVE_TOOL_APPROVAL: "Data privacy and sensitive data tagging",
        Rule.TOOL_NOT_APPROVED: "Acceptable use of generative AI",
        Rule.AUTOMATED_SENSITIVE_DATA: "Our stance on generative AI",
        Rule.UNDISCLOSED_TRAINING_DATA: "Intellectual property and model-provider transparency",
        Rule.UNMITIGATED_SEVERE_RISK: "Our stance on generative AI",
    }
