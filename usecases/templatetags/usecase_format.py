"""How a use case's status, risk tier and amounts look wherever they are listed.

Filters rather than included templates: a table of fifty cases shows each of them several times,
and a filter costs a fraction of an ``{% include %}``.
"""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.template.defaultfilters import floatformat
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from usecases import links
from usecases.models import UseCase
from usecases.portfolio.compliance import HeatCell
from usecases.risk import BAND_MEANING, RiskBand, risk_band

register = template.Library()

NOT_ASSESSED = mark_safe('<span class="badge text-bg-light border">Risk not assessed</span>')
NO_ESTIMATE = mark_safe(
    '<span class="text-body-secondary" title="No estimate yet: the estimate appears once the case'
    ' has an archetype and its estimate has run.">—</span>'
)


@register.filter
def case_url(usecase: UseCase) -> str:
    """The case's page, for lists: ``{{ usecase|case_url }}``."""
    return links.case_url(usecase.reference or "")


@register.filter
def badge_status(usecase: UseCase) -> SafeString:
    """The case's status as a coloured badge."""
    return format_html(
        '<span class="badge status-badge {}" data-testid="status">{}</span>',
        usecase.status_badge,
        usecase.get_status_display(),
    )


@register.filter
def badge_risk(usecase: UseCase) -> SafeString:
    """The case's EU AI Act risk tier as a coloured badge, or that it is not assessed yet."""
    if not usecase.risk_tier:
        return NOT_ASSESSED
    return format_html(
        '<span class="badge {}">{}</span>', usecase.tier_badge, usecase.get_risk_tier_display()
    )


BAND_BADGE = {
    RiskBand.LOW: "text-bg-success",
    RiskBand.MEDIUM: "text-bg-warning",
    RiskBand.HIGH: "text-bg-danger",
    RiskBand.CRITICAL: "text-bg-dark",
}


@register.filter
def risk_score(score: int | None) -> SafeString:
    """A likelihood x severity score as a badge of its band (colour and word), with what the
    band asks for as its title; a dash when there is no score (a residual not yet judged)."""
    if score is None:
        return format_html('<span class="text-body-secondary">{}</span>', "—")
    band = risk_band(score)
    return format_html(
        '<span class="badge text-nowrap {}" title="{}">{} · {}</span>',
        BAND_BADGE[band],
        BAND_MEANING[band],
        score,
        band.label,
    )


TIER_SHORT = {
    "prohibited": "Prohibited",
    "high": "High",
    "limited": "Limited",
    "minimal": "Minimal",
}


@register.filter
def badge_risk_short(usecase: UseCase) -> SafeString:
    """The tier's badge in one word (a table column), its full name as the title."""
    if not usecase.risk_tier:
        return format_html('<span class="badge text-bg-light border" title="{}">{}</span>',
                           "Risk not assessed", "—")  # fmt: skip
    return format_html(
        '<span class="badge text-nowrap {}" title="{}">{}</span>',
        usecase.tier_badge,
        usecase.get_risk_tier_display(),
        TIER_SHORT.get(usecase.risk_tier, usecase.get_risk_tier_display()),
    )


@register.filter
def money_short(amount: Decimal | float | None) -> SafeString:
    """An amount in a narrow column: $65.5k, $1.23M; the exact amount as its title."""
    if amount is None:
        return NO_ESTIMATE
    value = float(amount)
    size = abs(value)
    sign = "\u2212" if value < 0 else ""  # a minus sign, not a hyphen
    if size >= 1e9:
        short = f"{size / 1e9:.3g}B"
    elif size >= 1e6:
        short = f"{size / 1e6:.3g}M"
    elif size >= 1e3:
        short = f"{size / 1e3:.3g}k"
    else:
        short = f"{size:.0f}"
    return format_html('<span title="USD {}">{}${}</span>', floatformat(value, "0g"), sign, short)


@register.filter
def money(amount: Decimal | float | None) -> str:
    """A whole amount with thousands separators, or a dash explaining there is no estimate."""
    if amount is None:
        return NO_ESTIMATE
    return floatformat(amount, "0g")


@register.filter
def usd(amount: Decimal | float | None, currency: str = "USD") -> str:
    """A whole amount of money with its currency: ``$1,234 USD``, ``-$1,234 USD`` (with a
    typographic minus sign); a dash for none."""
    if amount is None:
        return NO_ESTIMATE
    whole = round(float(amount))
    sign = "\N{MINUS SIGN}" if whole < 0 else ""
    return f"{sign}${abs(whole):,} {currency}".rstrip()


@register.filter
def subtract(amount: Decimal | float, other: Decimal | float) -> Decimal | float:
    """``amount - other`` (net a year = benefit - annual cost)."""
    return amount - other  # type: ignore[operator]


@register.filter
def figure(value: float | None) -> str:
    """A driver's value as a person reads it: 6,679; 2.5; 0.35; 7e9 as 7,000,000,000."""
    if value is None:
        return "—"
    number = float(value)
    if abs(number) >= 100:
        return f"{number:,.0f}"
    if abs(number) >= 1:
        return f"{number:,.2f}".rstrip("0").rstrip(".")
    return f"{number:.3g}"


NOT_IN_AUDIENCE = mark_safe(
    '<td class="text-center heat heat-na" data-testid="heat-cell">'
    '<span class="visually-hidden">not applicable</span></td>'
)


def heat_bucket(cell: HeatCell) -> str:
    """The colour class of a cell (``static/usecases/portfolio.css``): a tenth of the rate."""
    if cell.rate is None:
        return "heat-na"
    return f"heat-{min(int(cell.rate // 10), 10)}"


@register.filter
def heat_cell(cell: HeatCell) -> SafeString:
    """One cell of the compliance heat map (a thousand of them for 40 departments by 25
    policies, hence a filter): the rate, rounded half up, and the counts under it."""
    if cell.rate is None:
        return NOT_IN_AUDIENCE
    return format_html(
        '<td class="text-center heat {}" data-testid="heat-cell">{}%'
        '<div class="heat-detail">{}/{}</div></td>',
        heat_bucket(cell),
        int(cell.rate + 0.5),
        cell.acknowledged,
        cell.audience,
    )


@register.simple_tag
def hours_evidence(usecase: UseCase) -> dict[str, object] | None:
    """The published range a case's hours saved default to (no hours given, a kind of task
    named), with its source, under the assumptions in force; None otherwise."""
    from usecases.estimates.services import assumptions_current, hours_saved_evidence

    if usecase.benefit_kind != "hours_saved" or not usecase.task_kind:
        return None
    assumptions = assumptions_current().assumptions()
    evidence = hours_saved_evidence(usecase, assumptions)
    if evidence is None:
        return None
    low, likely, high = evidence.hours_per_week(assumptions.intake.working_hours_per_week)
    return {"evidence": evidence, "low": low, "likely": likely, "high": high}
