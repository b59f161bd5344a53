"""Search over published policies and the register: PostgreSQL full-text, ranked, highlighted."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from policies import search, services
from policies.inputs import NewPolicy
from policies.models import PolicyCategory, SearchDocument
from policies.register.inputs import NewRegisterEntry
from portal.models import User
from tests.policies.conftest import add_entry, publish_new_version


@pytest.fixture
def corpus(author: User, approver: User) -> None:
    for title, body in [
        ("Customer data rules", "Customer data stays in approved tools. Customer consent first."),
        ("Security of AI systems", "Beware of prompt injection in documents from outside."),
        ("Hostile", 'Talk about <script>alert("x")</script> prompt safety.'),
    ]:
        policy = services.policy_create(
            by=author,
            data=NewPolicy.parse(title=title, category=PolicyCategory.OTHER, body_markdown=body),
        )
        publish_new_version(policy, author, approver, body)
    services.policy_create(
        by=author,
        data=NewPolicy.parse(
            title="Unpublished customer draft", category="other", body_markdown="customer"
        ),
    )
    add_entry(
        author,
        approver,
        NewRegisterEntry.parse(
            {
                "name": "Acme Chat",
                "vendor": "Acme",
                "kind": "chat_assistant",
                "status": "approved",
                "max_data_classification": "internal",
                "description": "A chat assistant for customer letters.",
            }
        ),
    )


@pytest.mark.django_db
def test_search_ranks_title_matches_first_and_skips_drafts(corpus: None) -> None:
    hits = search.search("customer")
    titles = [hit.title for hit in hits]
    assert titles[0] == "Customer data rules"
    assert "Acme Chat" in titles
    assert "Unpublished customer draft" not in titles


@pytest.mark.django_db
def test_matches_are_highlighted_and_nothing_else_becomes_markup(corpus: None) -> None:
    hits = search.search("prompt")
    assert {hit.title for hit in hits} == {"Security of AI systems", "Hostile"}
    hostile = next(hit for hit in hits if hit.title == "Hostile")
    assert "<mark>prompt</mark>" in hostile.fragment
    assert "<script>" not in hostile.fragment
    assert "alert(&quot;x&quot;)" in hostile.fragment  # text kept, escaped; tags dropped


@pytest.mark.django_db
def test_websearch_syntax_and_stemming(corpus: None) -> None:
    assert [hit.title for hit in search.search('"prompt injection"')] == ["Security of AI systems"]
    assert "Customer data rules" in [hit.title for hit in search.search("customers")]
    assert [hit.title for hit in search.search("customer -consent")] == ["Acme Chat"]


@pytest.mark.django_db
def test_full_text_search_uses_the_gin_index(corpus: None) -> None:
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        queryset = SearchDocument.objects.filter(
            vector=search.SearchQuery("customer", config="english")
        )
        plan = queryset.explain()
    assert "policies_searchdocument_vector_gin" in plan


@pytest.mark.django_db
def test_a_new_published_version_replaces_the_old_text(
    corpus: None, author: User, approver: User
) -> None:
    policy = services.policy_create(
        by=author, data=NewPolicy.parse(title="Retention", category="other", body_markdown="a")
    )
    publish_new_version(policy, author, approver, "Keep prompts for thirty days.")
    assert [hit.title for hit in search.search("thirty")] == ["Retention"]
    publish_new_version(policy, author, approver, "Keep prompts for ninety days.")
    assert search.search("thirty") == []
    assert [hit.title for hit in search.search("ninety")] == ["Retention"]


def test_the_plain_fallback_highlights_escaped_text() -> None:
    fragment = search._highlight(search._fallback_fragment("<b>Customer</b> data", ["customer"]))
    assert fragment == "&lt;b&gt;<mark>Customer</mark>&lt;/b&gt; data"


@pytest.mark.django_db
def test_search_page_for_everyone_signed_in(
    corpus: None, employee: User, django_assert_max_num_queries
) -> None:
    assert Client().get("/search/?q=customer").status_code == 302
    client = Client()
    client.force_login(employee)
    with django_assert_max_num_queries(8):
        page = client.get("/search/", {"q": "customer"})
    body = page.content.decode()
    assert "Customer data rules" in body
    assert "<mark>" in body
    empty = client.get("/search/", {"q": "x" * 5000 + "'; DROP TABLE x; --"})
    assert empty.status_code == 200
    assert "Nothing found" in empty.content.decode()


# --- Use cases, found only by those who may see them -----------------------------------------


@pytest.fixture
def cases(lead: User, other_lead: User) -> dict[str, str]:
    from tests.usecases.conftest import make_draft

    mine = make_draft(
        lead,
        title="Draft replies to support tickets",
        problem="Agents retype the same answers about refunds all day.",
    )
    theirs = make_draft(
        other_lead,
        title="Summarise supplier contracts",
        problem="Legal reads every supplier contract by hand before renewal.",
    )
    return {"mine": mine.reference or "", "theirs": theirs.reference or ""}


@pytest.mark.django_db
def test_search_finds_a_use_case_by_reference_title_and_problem(
    cases: dict[str, str], lead: User
) -> None:
    for query in (cases["mine"], "support tickets", "refunds"):
        hits = search.search(query, user=lead)
        assert [hit.url for hit in hits if hit.kind == "usecase"] == [
            f"/usecases/{cases['mine']}/"
        ], query


@pytest.mark.django_db
def test_search_never_shows_a_case_the_person_may_not_see(
    cases: dict[str, str], lead: User, employee: User, reviewer: User, client: Client
) -> None:
    assert not [h for h in search.search("supplier contracts", user=lead) if h.kind == "usecase"]
    assert not search.search(cases["theirs"], user=lead)
    assert not search.search("refunds", user=employee)
    assert not search.search("refunds")  # nobody named: no cases
    # The CIO office sees every case.
    assert {
        h.title.split(":")[0] for h in search.search("contracts OR refunds", user=reviewer)
    } >= {cases["theirs"]} or connection.vendor != "postgresql"
    client.force_login(lead)
    page = client.get("/search/", {"q": "supplier"}).content.decode()
    assert "Summarise supplier contracts" not in page
    assert "Nothing found" in page
    api = client.get("/api/v1/search/", {"q": cases["theirs"]}).json()
    assert api == []


@pytest.mark.django_db
def test_a_renamed_case_is_found_by_its_new_title(cases: dict[str, str], lead: User) -> None:
    from usecases import services as usecase_services
    from usecases.inputs import IntakeChange
    from usecases.models import UseCase

    case = UseCase.objects.get(reference=cases["mine"])
    usecase_services.usecase_update_draft(
        by=lead, usecase=case, data=IntakeChange.parse({"title": "Suggest answers for agents"})
    )
    assert [h.kind for h in search.search("suggest answers", user=lead)] == ["usecase"]
    assert not search.search("support tickets", user=lead)


@pytest.mark.django_db
def test_the_search_page_labels_use_cases(
    cases: dict[str, str], lead: User, client: Client
) -> None:
    client.force_login(lead)
    page = client.get("/search/", {"q": cases["mine"]}).content.decode()
    assert "Use case</span>" in page
    assert "Draft replies to support tickets" in page


def test_the_fallback_reads_phrases_and_exclusions_as_websearch_does() -> None:
    assert search._fallback_terms('"customer data" -draft tools') == (
        ["customer data", "tools"],
        ["draft"],
    )
    assert search._fallback_terms('-"personal data" "unclosed phrase') == (
        ["unclosed phrase"],
        ["personal data"],
    )
    assert search._fallback_terms('"" - "  "') == ([], [])
