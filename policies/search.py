"""One search box over published policies, the AI tools register and the use cases.

Use cases live in an app that depends on this one: ``usecases`` registers their kind here
(:func:`register_scope`) with the keys a person may see, and indexes each case itself
(:func:`index_document`); a kind without a registered scope is never shown to anyone.

PostgreSQL: full-text search over :class:`SearchDocument` (weighted title and text, GIN index,
``websearch`` syntax, ranked, with highlighted fragments). SQLite: a plain fallback that matches
every word and every "quoted phrase", leaves out -words, and highlights in Python. Highlights are
built from escaped text, so nothing a policy author typed can become markup here.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe

from policies.models import Policy, RegisterEntry, SearchDocument
from portal.validators import UNSTORABLE

CONFIG = "english"
_START, _STOP = "\x02", "\x03"  # markers no document contains (control characters are refused)
MAX_QUERY_LENGTH = 200


@dataclass(frozen=True)
class SearchHit:
    kind: str
    title: str
    url: str
    fragment: SafeString


@dataclass(frozen=True)
class SearchScope:
    """A kind of document only some people may find: ``keys_for(user)`` is a queryset of the
    keys they may see (one subquery, whatever their number); ``reindex()`` rebuilds the kind."""

    keys_for: Callable[[Any], QuerySet[Any]]
    reindex: Callable[[], int]


_SCOPES: dict[str, SearchScope] = {}


def register_scope(kind: str, scope: SearchScope) -> None:
    _SCOPES[kind] = scope


def _visible_to(user: Any) -> Q:
    """Policies and tools for everyone who may search; scoped kinds as their scope says."""
    visible = Q(kind__in=[SearchDocument.Kind.POLICY, SearchDocument.Kind.TOOL])
    if user is not None and getattr(user, "is_authenticated", False):
        for kind, scope in _SCOPES.items():
            visible |= Q(kind=kind, key__in=scope.keys_for(user))
    return visible


def index_document(*, kind: str, key: str, title: str, text: str, url: str) -> None:
    document, _ = SearchDocument.objects.update_or_create(
        kind=kind, key=key, defaults={"title": title, "text": text, "url": url}
    )
    _refresh_vector(document)


def _uses_postgres() -> bool:
    return connection.vendor == "postgresql"


def _refresh_vector(document: SearchDocument) -> None:
    if _uses_postgres():
        SearchDocument.objects.filter(pk=document.pk).update(
            vector=SearchVector("title", weight="A", config=CONFIG)
            + SearchVector("text", weight="B", config=CONFIG)
        )


def index_policy(policy: Policy) -> None:
    """Keep the policy's search document in step with its current published version."""
    version = policy.current_version
    if version is None:
        SearchDocument.objects.filter(kind=SearchDocument.Kind.POLICY, key=policy.slug).delete()
        return
    document, _ = SearchDocument.objects.update_or_create(
        kind=SearchDocument.Kind.POLICY,
        key=policy.slug,
        defaults={
            "title": policy.title,
            # The rendered text, not the Markdown: fragments read as prose, without ## and **.
            "text": f"{policy.summary}\n{html.unescape(strip_tags(version.body_html))}",
            "url": f"/policies/{policy.slug}/",
        },
    )
    _refresh_vector(document)


def index_register_entry(entry: RegisterEntry) -> None:
    document, _ = SearchDocument.objects.update_or_create(
        kind=SearchDocument.Kind.TOOL,
        key=entry.slug,
        defaults={
            "title": entry.name,
            "text": " \n".join(
                part
                for part in (
                    entry.vendor,
                    entry.get_kind_display(),
                    entry.get_status_display(),
                    entry.description,
                    entry.conditions_of_use,
                )
                if part
            ),
            "url": f"/tools/{entry.slug}/",
        },
    )
    _refresh_vector(document)


def reindex_everything() -> int:
    for policy in Policy.objects.filter(current_version__isnull=False).select_related(
        "current_version"
    ):
        index_policy(policy)
    for entry in RegisterEntry.objects.all():
        index_register_entry(entry)
    for scope in _SCOPES.values():
        scope.reindex()
    return SearchDocument.objects.count()


def seed_search_index() -> str:
    return f"{reindex_everything()} search documents"


def _highlight(text: str) -> SafeString:
    escaped = escape(text)
    return mark_safe(  # noqa: S308 - built from escaped text; only our <mark> tags are added
        escaped.replace(_START, "<mark>").replace(_STOP, "</mark>")
    )


def _fallback_fragment(text: str, words: list[str], width: int = 200) -> str:
    lowered = text.lower()
    first = min((lowered.find(word) for word in words if word in lowered), default=0)
    start = max(0, first - width // 3)
    fragment = text[start : start + width]
    for word in words:
        fragment = re.sub(
            re.escape(word), lambda match: f"{_START}{match.group(0)}{_STOP}", fragment, flags=re.I
        )
    return ("…" if start else "") + fragment + ("…" if start + width < len(text) else "")


def search(query: str, *, user: Any = None, limit: int = 30) -> list[SearchHit]:
    """Documents matching ``query`` that ``user`` may see, best first."""
    # Control characters cannot be searched for (PostgreSQL refuses NUL): they are ignored.
    query = " ".join(UNSTORABLE.sub(" ", query).split())[:MAX_QUERY_LENGTH]
    if not query:
        return []
    visible = SearchDocument.objects.filter(_visible_to(user))
    if _uses_postgres():
        search_query = SearchQuery(query, config=CONFIG, search_type="websearch")
        documents = (
            visible.filter(vector=search_query)
            .annotate(
                rank=SearchRank(F("vector"), search_query),
                fragment=SearchHeadline(
                    "text",
                    search_query,
                    config=CONFIG,
                    start_sel=_START,
                    stop_sel=_STOP,
                    max_words=35,
                    min_words=15,
                    max_fragments=2,
                    fragment_delimiter=" … ",
                ),
            )
            .order_by("-rank", "title")[:limit]
        )
        return [
            SearchHit(document.kind, document.title, document.url, _highlight(document.fragment))
            for document in documents
        ]
    wanted, unwanted = _fallback_terms(query)
    if not wanted:
        return []
    condition = Q()
    for term in wanted:
        condition &= Q(title__icontains=term) | Q(text__icontains=term)
    for term in unwanted:
        condition &= ~Q(title__icontains=term) & ~Q(text__icontains=term)
    matches = visible.filter(condition).order_by("kind", "title")[:limit]
    return [
        SearchHit(
            match.kind, match.title, match.url, _highlight(_fallback_fragment(match.text, wanted))
        )
        for match in matches
    ]


_TERM = re.compile(r'(-?)"([^"]*)"?|(-?)(\S+)')


def _fallback_terms(query: str) -> tuple[list[str], list[str]]:
    """The terms of a query as PostgreSQL's websearch reads them: words, "quoted phrases" (each
    matched as a whole) and -excluded words or phrases; ``or`` is read as a word here."""
    wanted: list[str] = []
    unwanted: list[str] = []
    for match in _TERM.finditer(query):
        minus, phrase = (
            (match.group(1), match.group(2))
            if match.group(2) is not None
            else (
                match.group(3),
                match.group(4),
            )
        )
        term = " ".join(phrase.strip('"').lower().split())
        if not term.strip("-"):
            continue
        (unwanted if minus else wanted).append(term)
    return wanted, unwanted
