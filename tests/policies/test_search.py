"""Search over published policies and the register: PostgreSQL full-text, ranked, highlighted."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from policies import search, services
from policies.inputs import NewPolicy
from policies.models import PolicyCategory, SearchDocument
from policies.register.inputs import NewRegisterEntry
from policies.register.services import register_entry_create
from portal.models import User
from tests.policies.conftest import publish_new_version


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
    register_entry_create(
        by=author,
        data=NewRegisterEntry.parse(
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
