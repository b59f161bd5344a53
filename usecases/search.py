"""Use cases in the portal's one search box (``policies.search``), found only by people who may
see them: by reference, title, problem and proposed solution, ranked with policies and tools."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from policies import search
from policies.models import SearchDocument
from usecases.models import UseCase
from usecases.selectors import usecases_visible_to

# A change to one of these re-indexes the case (usecases.changes.case_change).
INDEXED_FIELDS = frozenset({"title", "problem", "proposed_solution"})


def index_usecase(case: UseCase) -> None:
    reference = case.reference or ""
    search.index_document(
        kind=SearchDocument.Kind.USECASE,
        key=reference,
        title=f"{reference}: {case.title}"[:200],
        text=f"{case.problem}\n{case.proposed_solution}",
        url=reverse("usecases:detail", args=[reference]),
    )


def _keys_for(user: Any) -> QuerySet[Any]:
    return usecases_visible_to(user).values("reference")


def _reindex() -> int:
    cases = UseCase.objects.only("reference", "title", "problem", "proposed_solution")
    count = 0
    for case in cases.iterator(chunk_size=500):
        index_usecase(case)
        count += 1
    return count


search.register_scope(
    SearchDocument.Kind.USECASE, search.SearchScope(keys_for=_keys_for, reindex=_reindex)
)
