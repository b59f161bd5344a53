"""The approval gate: what a case still lacks before a reviewer may approve it.

One function, :func:`approval_missing`, answers for the case page (the approve panel lists the
items, each a link to where it is done), the API (a refused approval answers 409 with the same
list as ``missing``), the approve service (``usecases.services.usecase_transition`` refuses
while anything is missing) and the predicate ``usecases.approve_usecase`` (``portal.roles``).

A case is ready when it has:

- the EU AI Act questionnaire answered (a tier known), and the tier is not *prohibited*;
- every criterion of the rubric rated;
- an archetype chosen by the CIO office (an override of the recommendation carries its
  justification: the choice service refuses one without);
- the NIST AI 600-1 register reviewed (saved by a reviewer) for any tier above minimal;
- a finished estimate of the chosen archetype (its current run done);
- no open guardrail finding;
- for a high-risk case, the sign-off of a second reviewer (not the one approving).

It reads the case in a fixed number of queries (about six), whatever its size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from portal.models import AuditEvent
from portal.roles import needs_second_sign_off
from usecases.estimates.models import EstimateRun, RunStatus
from usecases.models import Rating, UseCase
from usecases.risk import RiskTier
from usecases.scoring import Criterion
from usecases.selectors import findings_for, with_guardrail_inputs

# The audit action of a reviewer saving the risk register (usecases.services).
REGISTER_REVIEWED = "usecase.risks_updated"


@dataclass(frozen=True)
class Missing:
    """One thing the case lacks before approval: ``key`` (stable, for the API and tests), what
    to do in words, and where it is done (a URL of the portal)."""

    key: str
    text: str
    url: str

    def as_dict(self) -> dict[str, str]:
        return {"key": self.key, "text": self.text, "url": self.url}


def _case_url(case: UseCase, anchor: str) -> str:
    return reverse("usecases:detail", args=[case.reference]) + f"#{anchor}"


def approval_missing(usecase: UseCase, approver: Any = None) -> list[Missing]:
    """What ``usecase`` lacks before ``approver`` (a reviewer; None: any reviewer) may approve
    it, in the order a reviewer works through it; empty when it is ready."""
    case = usecase
    ref = case.reference
    missing: list[Missing] = []
    if not case.risk_tier:
        missing.append(
            Missing(
                "risk_tier",
                "Answer the EU AI Act questionnaire, so the case has a risk tier.",
                reverse("usecases:risk", args=[ref]),
            )
        )
    elif case.risk_tier == RiskTier.PROHIBITED:
        missing.append(
            Missing(
                "prohibited",
                "The case is a prohibited practice under the EU AI Act (Article 5); it cannot be "
                "approved. Reject it, or change what it does and answer the questionnaire again.",
                _case_url(case, "risk"),
            )
        )
    rated = set(Rating.objects.filter(usecase_id=case.pk).values_list("criterion", flat=True))
    unrated = [c.label for c in Criterion if c.value not in rated]
    if unrated:
        missing.append(
            Missing(
                "ratings",
                f"Rate every criterion; not rated yet: {', '.join(unrated)}.",
                reverse("usecases:ratings", args=[ref]),
            )
        )
    if not case.chosen_archetype:
        if case.recommended_archetype:
            text = (
                "Choose the archetype: confirm the recommended one, or override it with a reason."
            )
            url = _case_url(case, "estimates")
        else:
            text = (
                "Answer the archetype questions, then confirm the recommended archetype or "
                "override it with a reason."
            )
            url = reverse("usecases:archetype", args=[ref])
        missing.append(Missing("archetype", text, url))
    if case.risk_tier in (RiskTier.HIGH, RiskTier.LIMITED):
        reviewed = AuditEvent.objects.filter(
            object_type=UseCase._meta.label_lower,
            object_id=str(case.pk),
            action=REGISTER_REVIEWED,
        ).exists()
        if not reviewed:
            missing.append(
                Missing(
                    "risk_register",
                    f"Review the NIST AI 600-1 risk register: the case is "
                    f"{RiskTier(case.risk_tier).label.lower()}, so its generative-AI risks are "
                    "rated and saved before approval.",
                    reverse("usecases:risks", args=[ref]),
                )
            )
    if case.chosen_archetype:
        done = EstimateRun.objects.filter(
            usecase_id=case.pk,
            archetype=case.chosen_archetype,
            is_current=True,
            status=RunStatus.DONE,
        ).exists()
        if not done:
            missing.append(
                Missing(
                    "estimates",
                    f"Wait for the estimate of the chosen archetype "
                    f"({case.get_chosen_archetype_display()}) to finish, or re-run it.",
                    _case_url(case, "estimates"),
                )
            )
    full = with_guardrail_inputs(UseCase.objects.filter(pk=case.pk)).get()
    still_open = [state.finding.title for state in findings_for(full, policies={}) if state.is_open]
    if still_open:
        missing.append(
            Missing(
                "findings",
                "Resolve the open guardrail findings, or have an exception granted for each: "
                + "; ".join(still_open)
                + ".",
                _case_url(case, "findings"),
            )
        )
    if case.risk_tier == RiskTier.HIGH and needs_second_sign_off(full, approver):
        missing.append(
            Missing(
                "sign_off",
                "The case is high-risk: a second reviewer (not the one who approves) signs it off "
                "first.",
                _case_url(case, "risk"),
            )
        )
    return missing


def approval_refusal_words(missing: list[Missing]) -> str:
    """The refusal's message: every missing item, in one sentence each."""
    return "The case cannot be approved yet. " + " ".join(item.text for item in missing)
