"""Use cases: intake, workflow, risk, guardrail exceptions, ratings and the scoring rubric."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, NullIf

from policies.models import DataClassification
from usecases.guardrails import Rule
from usecases.risk import NistRisk, RiskBand, RiskTier, risk_band
from usecases.scoring import Criterion, Quadrant
from usecases.workflow import AWAITING_REVIEW, Status


class ValueLever(models.TextChoices):
    PRODUCTIVITY = "productivity", "Productivity"
    GROWTH = "growth", "Growth"
    NEW_BUSINESS_MODEL = "new_business_model", "New business model"


class BusinessFunction(models.TextChoices):
    CUSTOMER_SERVICE = "customer_service", "Customer service"
    MARKETING_SALES = "marketing_sales", "Marketing and sales"
    SOFTWARE_ENGINEERING = "software_engineering", "Software engineering"
    IT_OPERATIONS = "it_operations", "IT operations"
    HR = "hr", "HR"
    FINANCE = "finance", "Finance"
    LEGAL = "legal", "Legal"
    PRODUCT_RD = "product_rd", "Product / R&D"
    OTHER = "other", "Other"


class BenefitKind(models.TextChoices):
    HOURS_SAVED = "hours_saved", "Time saved"
    REVENUE = "revenue", "Revenue"


class DataCategory(models.TextChoices):
    PERSONAL = "personal", "Personal data"
    CUSTOMER = "customer", "Customer data"
    EMPLOYEE = "employee", "Employee data"
    SOURCE_CODE = "source_code", "Source code"
    FINANCIAL = "financial", "Financial"
    HEALTH = "health", "Health"


class OutputAudience(models.TextChoices):
    INTERNAL = "internal", "Internal staff"
    CUSTOMERS = "customers", "Customers"
    PUBLIC = "public", "The public"


class RequestKind(models.TextChoices):
    """The shape of one request, for API cases; token counts from the assumptions (editable)."""

    SHORT_CHAT = "short_chat", "Short chat answer"
    EMAIL_DRAFT = "email_draft", "Email draft"
    DOCUMENT_SUMMARY = "document_summary", "Document summary"
    LONG_DOCUMENT_REVIEW = "long_document_review", "Long document review"


class TaskKind(models.TextChoices):
    """The kind of work whose time it saves: picks the published evidence for a default range of
    hours saved (the assumptions' ``intake.hours_saved_by_task``) when the lead cannot say."""

    CUSTOMER_SUPPORT = "customer_support", "Answering customers' questions (support)"
    SOFTWARE_DEVELOPMENT = "software_development", "Writing and changing code"
    ANALYSIS = "analysis", "Analysis and advice (consulting-style work)"
    WRITING = "writing", "Professional writing (emails, reports, announcements)"


class ReviewedBy(models.TextChoices):
    OWN_DRAFT = "own_draft", "The user reviews their own draft"
    SEPARATE_TEAM = "separate_team", "A separate team reviews outputs before they go out"
    NOBODY = "nobody", "Nobody reviews the outputs"


class AccessControl(models.TextChoices):
    NONE = "none", "Everyone may see all of the data"
    ROLE_BASED = "role_based", "By role or department"
    PER_RECORD = "per_record", "Per document or record (as in the source systems)"


class HumanOversight(models.TextChoices):
    EVERY_OUTPUT = "every_output", "A person reviews every output"
    SPOT_CHECKS = "spot_checks", "A person spot-checks outputs"
    FULLY_AUTOMATED = "fully_automated", "Fully automated"


class RiskStatus(models.TextChoices):
    OPEN = "open", "Open"
    MITIGATING = "mitigating", "Being mitigated"
    ACCEPTED = "accepted", "Accepted"
    CLOSED = "closed", "Closed"


STATUS_BADGE = {
    Status.DRAFT: "text-bg-light border",
    Status.SUBMITTED: "text-bg-info",
    Status.IN_REVIEW: "text-bg-primary",
    Status.APPROVED: "text-bg-success",
    Status.REJECTED: "text-bg-danger",
    Status.ON_HOLD: "text-bg-warning",
    Status.IN_DELIVERY: "text-bg-primary",
    Status.LIVE: "text-bg-success",
    Status.RETIRED: "text-bg-secondary",
    Status.WITHDRAWN: "text-bg-secondary",
}
TIER_BADGE = {
    RiskTier.PROHIBITED: "text-bg-danger",
    RiskTier.HIGH: "text-bg-warning",
    RiskTier.LIMITED: "text-bg-info",
    RiskTier.MINIMAL: "text-bg-success",
}


class Archetype(models.TextChoices):
    TAKER = "taker", "Taker (a public model as it is)"
    SHAPER = "shaper", "Shaper (a model wired into company data and systems)"
    MAKER = "maker", "Maker (a proprietary foundation model)"


# The intake's volume, review and integration facts (fields of UseCase), in the form's order.
ESTIMATE_FACTS = (
    "employee_users",
    "customer_interactions_per_month",
    "uses_per_person_per_day",
    "request_kind",
    "request_input_tokens",
    "request_output_tokens",
    "reviewed_by",
    "review_share_percent",
    "review_team_function",
    "systems_connected",
    "writes_back",
    "data_sources",
    "access_control",
    "corpus_documents",
    "task_kind",
)


class UseCase(models.Model):
    """One idea for using generative AI, from intake to retirement."""

    # The reference is made from the primary key, a database sequence: never reused, unique
    # even when two drafts are saved at the same moment.
    reference = models.CharField(max_length=16, unique=True, null=True, blank=True)
    title = models.CharField(max_length=200)
    problem = models.TextField(blank=True)
    proposed_solution = models.TextField(blank=True)
    department = models.ForeignKey(
        "portal.Department", on_delete=models.PROTECT, related_name="usecases"
    )
    value_lever = models.CharField(max_length=24, choices=ValueLever.choices, blank=True)
    business_function = models.CharField(
        max_length=24, choices=BusinessFunction.choices, blank=True
    )
    people_affected = models.PositiveIntegerField(null=True, blank=True)
    benefit_kind = models.CharField(max_length=16, choices=BenefitKind.choices, blank=True)
    hours_saved_per_person_per_week = models.DecimalField(
        max_digits=6, decimal_places=1, null=True, blank=True
    )
    revenue_per_year = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    benefit_confidence = models.PositiveSmallIntegerField(null=True, blank=True)
    data_classification = models.CharField(
        max_length=16, choices=DataClassification.choices, blank=True
    )
    data_categories = models.JSONField(default=list, blank=True)
    output_audience = models.JSONField(default=list, blank=True)
    human_oversight = models.CharField(max_length=24, choices=HumanOversight.choices, blank=True)
    preferred_tools = models.ManyToManyField(
        "policies.RegisterEntry", blank=True, related_name="usecases"
    )
    # Volume, review and integration facts of the intake: what the estimates are fed. Blank on
    # older cases, which estimate from assumed defaults (and say so).
    employee_users = models.PositiveIntegerField(null=True, blank=True)
    customer_interactions_per_month = models.PositiveIntegerField(null=True, blank=True)
    uses_per_person_per_day = models.DecimalField(
        max_digits=6, decimal_places=1, null=True, blank=True
    )
    request_kind = models.CharField(max_length=24, choices=RequestKind.choices, blank=True)
    request_input_tokens = models.PositiveIntegerField(null=True, blank=True)
    request_output_tokens = models.PositiveIntegerField(null=True, blank=True)
    reviewed_by = models.CharField(max_length=16, choices=ReviewedBy.choices, blank=True)
    review_share_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    review_team_function = models.CharField(
        max_length=24, choices=BusinessFunction.choices, blank=True
    )
    systems_connected = models.PositiveSmallIntegerField(null=True, blank=True)
    writes_back = models.BooleanField(null=True, blank=True)
    data_sources = models.PositiveSmallIntegerField(null=True, blank=True)
    access_control = models.CharField(max_length=16, choices=AccessControl.choices, blank=True)
    corpus_documents = models.PositiveIntegerField(null=True, blank=True)
    # What kind of work the time is saved on: a default range of hours from published evidence
    # when the lead gives no hours saved.
    task_kind = models.CharField(max_length=24, choices=TaskKind.choices, blank=True)

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submitted_usecases"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    # EU AI Act tier from the questionnaire (blank until answered).
    risk_tier = models.CharField(max_length=16, choices=RiskTier.choices, blank=True)
    risk_answers = models.JSONField(null=True, blank=True)
    risk_reasons = models.JSONField(default=list, blank=True)

    # Scores, denormalised from ratings and the latest rubric so the portfolio can sort on them.
    value_score = models.FloatField(null=True, blank=True)
    feasibility_score = models.FloatField(null=True, blank=True)
    priority_score = models.FloatField(null=True, blank=True)
    quadrant = models.CharField(max_length=16, choices=Quadrant.choices, blank=True)
    score_breakdown = models.JSONField(default=list, blank=True, encoder=DjangoJSONEncoder)
    scored_with_rubric = models.PositiveIntegerField(null=True, blank=True)

    # Archetype: the questionnaire's recommendation and the reviewer's choice (audited).
    archetype_answers = models.JSONField(null=True, blank=True)
    recommended_archetype = models.CharField(max_length=8, choices=Archetype.choices, blank=True)
    archetype_reasons = models.JSONField(default=list, blank=True)
    chosen_archetype = models.CharField(max_length=8, choices=Archetype.choices, blank=True)
    archetype_justification = models.TextField(blank=True)

    # The money the case is expected to bring each year (hours saved valued at cost, or
    # revenue), and the P50 costs of the current estimate of the chosen (else recommended)
    # archetype: denormalised by the estimates feature so the portfolio sorts and totals them.
    expected_annual_benefit = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, blank=True
    )
    estimate_one_time_p50 = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, blank=True
    )
    estimate_annual_p50 = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, blank=True
    )
    estimate_payback_months = models.FloatField(null=True, blank=True)
    # The estimate's net benefit a year (time saved less own review, revenue x confidence) and
    # its three-year net present value, at P50.
    estimate_benefit_p50 = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, blank=True
    )
    estimate_npv_3y_p50 = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, blank=True
    )

    # What the portfolio shows, filters and sorts on, kept by the database itself: the chosen
    # archetype, else the recommended one (NULL while neither is known, so it sorts last).
    archetype = models.GeneratedField(
        expression=Coalesce(
            NullIf("chosen_archetype", Value("")), NullIf("recommended_archetype", Value(""))
        ),
        output_field=models.CharField(max_length=8, choices=Archetype.choices, null=True),
        db_persist=True,
    )
    # Guardrail findings without an exception, kept by the services that change what the
    # guardrails read (the case's data and tools, its risks, exceptions, the register).
    open_findings_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="usecase_status_known"
            ),
            models.CheckConstraint(
                condition=Q(people_affected__isnull=True) | Q(people_affected__gte=0),
                name="usecase_people_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(hours_saved_per_person_per_week__isnull=True)
                | (
                    Q(hours_saved_per_person_per_week__gte=0)
                    & Q(hours_saved_per_person_per_week__lte=60)
                ),
                name="usecase_hours_in_range",
            ),
            models.CheckConstraint(
                condition=Q(revenue_per_year__isnull=True) | Q(revenue_per_year__gte=0),
                name="usecase_revenue_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(benefit_confidence__isnull=True)
                | (Q(benefit_confidence__gte=0) & Q(benefit_confidence__lte=100)),
                name="usecase_confidence_0_100",
            ),
            models.CheckConstraint(
                condition=Q(priority_score__isnull=True)
                | (Q(priority_score__gte=0) & Q(priority_score__lte=100)),
                name="usecase_priority_0_100",
            ),
        ]
        # The portfolio's sorts have their own indexes on PostgreSQL, one per column and
        # direction with blanks last (usecases/migrations/0005); these serve the filters.
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="usecase_status_submitted"),
            # The CIO review queue's order, for the cases it holds: a page is read off the index
            # instead of sorting every waiting case (the statuses of ``AWAITING_REVIEW``).
            models.Index(
                fields=["submitted_at", "id"],
                condition=Q(status__in=["submitted", "in_review", "on_hold"]),
                name="usecase_awaiting_review",
            ),
            models.Index(fields=["department", "status"], name="usecase_department_status"),
            models.Index(fields=["created_at"], name="usecase_created"),
            models.Index(fields=["quadrant", "priority_score"], name="usecase_quadrant"),
            models.Index(fields=["risk_tier"], name="usecase_risk_tier"),
            models.Index(fields=["chosen_archetype"], name="usecase_chosen_archetype"),
            models.Index(fields=["recommended_archetype"], name="usecase_recommended_archetype"),
            models.Index(fields=["archetype"], name="usecase_archetype"),
            models.Index(fields=["value_lever"], name="usecase_value_lever"),
            models.Index(fields=["business_function"], name="usecase_business_function"),
        ]

    def __str__(self) -> str:
        return f"{self.reference or 'UC-?'} {self.title}"

    @property
    def is_draft(self) -> bool:
        return self.status == Status.DRAFT

    @property
    def awaits_review(self) -> bool:
        """Waiting for the CIO office (submitted, in review or on hold)."""
        return self.status in AWAITING_REVIEW

    @property
    def is_high_risk(self) -> bool:
        return self.risk_tier == RiskTier.HIGH

    @property
    def status_badge(self) -> str:
        return STATUS_BADGE.get(Status(self.status), "text-bg-secondary")

    @property
    def tier_badge(self) -> str:
        return TIER_BADGE.get(RiskTier(self.risk_tier), "") if self.risk_tier else ""

    @property
    def benefit_summary(self) -> str:
        if self.benefit_kind == BenefitKind.HOURS_SAVED and self.hours_saved_per_person_per_week:
            return f"{self.hours_saved_per_person_per_week} h per person per week"
        if self.benefit_kind == BenefitKind.HOURS_SAVED and self.task_kind:
            return f"published range for {self.get_task_kind_display().lower()}"
        if self.benefit_kind == BenefitKind.REVENUE and self.revenue_per_year is not None:
            return f"USD {self.revenue_per_year:,.0f} per year"
        return ""

    @property
    def not_pursued_reason(self) -> str:
        """Why the case cannot (or will not) be pursued, in a sentence; "" when it is in play.
        Such a case's estimate is shown for the record and left out of the portfolio's totals
        (``usecases.portfolio.selectors.in_play``)."""
        if self.risk_tier == "prohibited":
            return (
                "Its EU AI Act tier is prohibited (Article 5): the practice may not be placed "
                "on the market or used in the EU, whatever it would save, and no exception can "
                "allow it."
            )
        if self.status == "rejected":
            return "The CIO office rejected it; see the decision in the timeline."
        if self.status == "withdrawn":
            return "Its proposer withdrew it."
        return ""

    def approval_missing(self, approver: Any = None) -> list[Any]:
        """What the case lacks before ``approver`` may approve it: the approval gate
        (:func:`usecases.approval.approval_missing`), here so that ``portal.roles`` can ask it."""
        from usecases.approval import approval_missing

        return approval_missing(self, approver)

    def data_category_labels(self) -> list[str]:
        return [DataCategory(c).label for c in self.data_categories if c in DataCategory.values]

    def output_audience_labels(self) -> list[str]:
        return [OutputAudience(a).label for a in self.output_audience if a in OutputAudience.values]

    def snapshot(self) -> dict[str, Any]:
        """The intake fields, for the audit log's before/after."""
        return {
            "title": self.title,
            "problem": self.problem,
            "proposed_solution": self.proposed_solution,
            "value_lever": self.value_lever,
            "business_function": self.business_function,
            "people_affected": self.people_affected,
            "benefit_kind": self.benefit_kind,
            "hours_saved_per_person_per_week": self.hours_saved_per_person_per_week,
            "revenue_per_year": self.revenue_per_year,
            "benefit_confidence": self.benefit_confidence,
            "data_classification": self.data_classification,
            "data_categories": list(self.data_categories),
            "output_audience": list(self.output_audience),
            "human_oversight": self.human_oversight,
            **{name: getattr(self, name) for name in ESTIMATE_FACTS},
        }


class Comment(models.Model):
    usecase = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="usecase_comments"
    )
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["usecase", "created_at"], name="usecase_comment_case")]

    def __str__(self) -> str:
        return f"Comment by {self.author_id} on {self.usecase_id}"


class RiskEntry(models.Model):
    """One NIST AI 600-1 risk as it applies to one case."""

    usecase = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="risks")
    risk = models.CharField(max_length=32, choices=NistRisk.choices)
    likelihood = models.PositiveSmallIntegerField()
    severity = models.PositiveSmallIntegerField()
    mitigation = models.TextField(blank=True)
    # What is left once the mitigation works (both or neither; never above the risk itself).
    residual_likelihood = models.PositiveSmallIntegerField(null=True, blank=True)
    residual_severity = models.PositiveSmallIntegerField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="risks_owned",
        help_text="The person who sees the mitigation through.",
    )
    status = models.CharField(max_length=16, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["usecase", "risk"]
        verbose_name_plural = "risk entries"
        constraints = [
            models.UniqueConstraint(fields=["usecase", "risk"], name="usecase_risk_once"),
            models.CheckConstraint(
                condition=Q(likelihood__gte=1) & Q(likelihood__lte=5), name="risk_likelihood_1_5"
            ),
            models.CheckConstraint(
                condition=Q(severity__gte=1) & Q(severity__lte=5), name="risk_severity_1_5"
            ),
            models.CheckConstraint(condition=Q(risk__in=NistRisk.values), name="risk_known"),
            models.CheckConstraint(
                condition=(
                    Q(residual_likelihood__isnull=True, residual_severity__isnull=True)
                    | Q(
                        # spelled out: a NULL beside a number would make the check unknown,
                        # which PostgreSQL lets through
                        residual_likelihood__isnull=False,
                        residual_severity__isnull=False,
                        residual_likelihood__gte=1,
                        residual_likelihood__lte=F("likelihood"),
                        residual_severity__gte=1,
                        residual_severity__lte=F("severity"),
                    )
                ),
                name="risk_residual_within_the_risk",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.risk} on {self.usecase_id}"

    @property
    def score(self) -> int:
        return self.likelihood * self.severity

    @property
    def band(self) -> RiskBand:
        return risk_band(self.score)

    @property
    def residual_score(self) -> int | None:
        if self.residual_likelihood is None or self.residual_severity is None:
            return None
        return self.residual_likelihood * self.residual_severity

    @property
    def residual_band(self) -> RiskBand | None:
        score = self.residual_score
        return None if score is None else risk_band(score)


class Rating(models.Model):
    """A reviewer's rating of one criterion for one case (the latest rating counts)."""

    usecase = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="ratings")
    criterion = models.CharField(max_length=32, choices=Criterion.choices)
    score = models.PositiveSmallIntegerField()
    note = models.CharField(max_length=500, blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="usecase_ratings"
    )
    rated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["usecase", "criterion"]
        constraints = [
            models.UniqueConstraint(fields=["usecase", "criterion"], name="usecase_rating_once"),
            models.CheckConstraint(condition=Q(score__gte=1) & Q(score__lte=5), name="rating_1_5"),
            models.CheckConstraint(
                condition=Q(criterion__in=Criterion.values), name="rating_criterion_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}={self.score} on {self.usecase_id}"


class GuardrailException(models.Model):
    """An exception to one guardrail finding on one case, under four eyes: one reviewer requests
    it (reason, conditions, expiry date), another reviewer or an administrator grants it; the
    requester never grants their own (service, predicate and database constraint). Once its
    expiry date has passed, the beat task expires it and the finding is open again.

    Rows from before the four-eyes rule have no requester and no expiry (granted alone)."""

    usecase = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="exceptions")
    finding_key = models.CharField(max_length=120)
    reason = models.TextField()
    conditions = models.TextField(blank=True)
    expires_on = models.DateField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="guardrail_exceptions_requested",
        null=True,
        blank=True,
    )
    requested_at = models.DateTimeField(null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="guardrail_exceptions",
        null=True,
        blank=True,
    )
    granted_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "granted_at", "id"]
        constraints = [
            # One live exception (requested or granted) per finding; expired ones stay as record.
            models.UniqueConstraint(
                fields=["usecase", "finding_key"],
                condition=Q(expired_at__isnull=True),
                name="usecase_exception_once",
            ),
            # Four eyes: whoever requested an exception does not grant it.
            models.CheckConstraint(
                condition=Q(requested_by__isnull=True)
                | Q(granted_by__isnull=True)
                | ~Q(granted_by=F("requested_by")),
                name="usecase_exception_four_eyes",
            ),
            models.CheckConstraint(
                condition=Q(granted_by__isnull=True) | Q(granted_at__isnull=False),
                name="usecase_exception_granted_when",
            ),
        ]

    def __str__(self) -> str:
        return f"exception {self.finding_key} on {self.usecase_id}"

    @property
    def in_force(self) -> bool:
        """Granted and not expired: the finding no longer blocks approval."""
        return self.granted_by_id is not None and self.expired_at is None

    @property
    def is_requested(self) -> bool:
        """Asked for, waiting for a second reviewer or an administrator."""
        return self.granted_by_id is None and self.expired_at is None


class TierOverride(models.Model):
    """A reviewer's override of the EU AI Act tier the questionnaire gave, with the written
    reason. Raising the tier takes effect at once; lowering it waits for a second reviewer's
    agreement (four eyes; never the proposer). Answering the questionnaire again supersedes it."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for a second reviewer"
        APPLIED = "applied", "In force"
        SUPERSEDED = "superseded", "Superseded"

    usecase = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="tier_overrides")
    from_tier = models.CharField(max_length=16, choices=RiskTier.choices)
    to_tier = models.CharField(max_length=16, choices=RiskTier.choices)
    reason = models.TextField()
    state = models.CharField(max_length=16, choices=State.choices)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tier_overrides"
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="tier_overrides_agreed",
        null=True,
        blank=True,
    )
    agreed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["proposed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["usecase"],
                condition=Q(state="pending"),
                name="usecase_one_pending_tier_override",
            ),
            models.CheckConstraint(
                condition=Q(agreed_by__isnull=True) | ~Q(agreed_by=F("proposed_by")),
                name="tier_override_four_eyes",
            ),
            models.CheckConstraint(
                condition=~Q(from_tier=F("to_tier")), name="tier_override_changes_the_tier"
            ),
        ]

    def __str__(self) -> str:
        return f"tier {self.from_tier} → {self.to_tier} on {self.usecase_id}"


class SignOff(models.Model):
    """A reviewer's sign-off on a high-risk case: the second pair of eyes before approval."""

    usecase = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="sign_offs")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="usecase_sign_offs"
    )
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["usecase", "reviewer"], name="usecase_sign_off_once"),
        ]

    def __str__(self) -> str:
        return f"sign-off by {self.reviewer_id} on {self.usecase_id}"


class RubricVersion(models.Model):
    """A version of the scoring rubric; the latest one is in force."""

    number = models.PositiveIntegerField(unique=True)
    rubric = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rubric_versions",
    )
    comment = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"rubric v{self.number}"


class GuardrailPolicy(models.Model):
    """The policy a guardrail rule comes from, named by an administrator (a finding about a tool
    names the tool's governing policy first). Without a row, or without a policy, the rule's
    findings say that no policy is named yet."""

    rule = models.CharField(max_length=32, choices=Rule.choices, unique=True)
    policy = models.ForeignKey(
        "policies.Policy",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="guardrail_rules",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["rule"]
        verbose_name_plural = "guardrail policies"
        constraints = [
            models.CheckConstraint(condition=Q(rule__in=Rule.values), name="guardrail_rule_known")
        ]

    def __str__(self) -> str:
        return f"{self.rule}: {self.policy_id or 'no policy named yet'}"


class Notification(models.Model):
    """The outbox of the workflow's emails: written in the same transaction as the event, marked
    sent by the task that sends it, re-enqueued by a sweeper while unsent (the broker was down,
    or the process stopped between the commit and the enqueue)."""

    event = models.OneToOneField(
        "portal.AuditEvent", on_delete=models.PROTECT, related_name="+", primary_key=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"], condition=Q(sent_at__isnull=True), name="notification_unsent"
            )
        ]

    def __str__(self) -> str:
        return f"notification of event {self.event_id}"


from usecases.estimates.models import (  # noqa: E402, F401 - the estimates' models, in this app
    AssumptionsVersion,
    EstimateBatch,
    EstimateDrivers,
    EstimateRun,
)
