"""The filters of every list of use cases (django-filter), shared by the lead's list
(``/usecases/``), the API (``/api/v1/usecases/``) and the portfolio (page, exports and API).

A filter that is not understood is left out on the pages (the list shows what the others
select) and refused with a 400 by the API, as django-filter does. Each list orders its rows its
own way: the portfolio on its ranked columns (:class:`PortfolioFilter`), the API on
``ordering``, the lead's list by the last change.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from portal.forms import SmallControls
from portal.validators import UNSTORABLE
from usecases.models import Archetype, BusinessFunction, Status, UseCase, ValueLever
from usecases.portfolio.selectors import DEFAULT_SORT, SORTS, ordered
from usecases.risk import RiskTier
from usecases.scoring import Quadrant

SEARCH_LENGTH = 100


def searched(text: str) -> str:
    """What a search box searches for: control characters cannot be searched for (PostgreSQL
    refuses NUL), so they are left out."""
    return UNSTORABLE.sub("", text).strip()[:SEARCH_LENGTH]


class UseCaseFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices, empty_label="Any status")
    department = django_filters.CharFilter(
        field_name="department__slug", label="Department", help_text="Department slug."
    )
    archetype = django_filters.ChoiceFilter(choices=Archetype.choices, empty_label="Any archetype")
    risk_tier = django_filters.ChoiceFilter(choices=RiskTier.choices, empty_label="Any tier")
    value_lever = django_filters.ChoiceFilter(choices=ValueLever.choices, empty_label="Any lever")
    business_function = django_filters.ChoiceFilter(
        choices=BusinessFunction.choices, empty_label="Any function"
    )
    quadrant = django_filters.ChoiceFilter(choices=Quadrant.choices, empty_label="Any quadrant")
    search = django_filters.CharFilter(
        method="matching", max_length=SEARCH_LENGTH, help_text="Part of the title, or UC-0001."
    )

    class Meta:
        model = UseCase
        fields: list[str] = []
        form = SmallControls

    def matching(self, cases: QuerySet[UseCase], name: str, value: str) -> QuerySet[UseCase]:
        text = searched(value)
        if not text:
            return cases
        return cases.filter(Q(title__icontains=text) | Q(reference__iexact=text))

    def given(self) -> dict[str, str]:
        """The filters given and understood (a filter not understood is left out, not guessed),
        for the links of the page."""
        self.is_valid()
        cleaned = getattr(self.form, "cleaned_data", {})
        return {name: cleaned[name] for name in self.base_filters if cleaned.get(name)}


class UseCaseApiFilter(UseCaseFilter):
    ordering = django_filters.ChoiceFilter(
        method="ordered_by",
        choices=[
            (f"{sign}{field}", f"{sign}{field}")
            for field in (
                "created_at",
                "updated_at",
                "priority_score",
                "value_score",
                "feasibility_score",
            )
            for sign in ("", "-")
        ],
    )

    def ordered_by(self, cases: QuerySet[UseCase], name: str, value: str) -> QuerySet[UseCase]:
        return cases.order_by(value, "id")


class PortfolioFilter(UseCaseFilter):
    """The portfolio's filters and its sort (``?sort=priority``, ``-priority`` descending):
    all in the URL, so that a view of the portfolio is a link."""

    sort = django_filters.ChoiceFilter(
        method="unchanged",
        choices=[(key, key) for name in SORTS for key in (name, f"-{name}")],
        help_text="Sort column; prefix with - for descending (ties break on id).",
    )

    counted = django_filters.ChoiceFilter(
        method="unchanged",
        choices=[("in_play", "Cases in play"), ("all", "All cases")],
        empty_label="Cases in play",
        help_text="What the totals count: in_play (the default) leaves out rejected, withdrawn "
        "and prohibited cases; all counts them too. The rows are the same either way.",
    )

    def unchanged(self, cases: QuerySet[UseCase], name: str, value: str) -> QuerySet[UseCase]:
        return cases  # the order is applied last, over the filtered cases

    def filter_queryset(self, queryset: QuerySet[UseCase]) -> QuerySet[UseCase]:
        return ordered(super().filter_queryset(queryset), self.sort_key())

    def sort_key(self) -> str:
        return self.given().get("sort") or DEFAULT_SORT

    def counting(self) -> str:
        """What the totals count: "in_play" unless ``counted=all`` is asked."""
        return self.given().get("counted") or "in_play"

    def filters_given(self) -> dict[str, str]:
        return {name: value for name, value in self.given().items() if name != "sort"}
