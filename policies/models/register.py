"""The AI tools and models register: what each tool is, whether it is approved, for which data.

Employees look tools up ("may I use X with confidential data?"), estimates read the prices and
guardrails read the approvals, so the classification order lives here, next to the data.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

__all__ = [
    "DataClassification",
    "EntryKind",
    "EntryStatus",
    "Indemnity",
    "RegisterEntry",
    "TrainingDataDisclosure",
    "classification_rank",
]


class DataClassification(models.TextChoices):
    """The company's data classifications, lowest to highest (declaration order is the order)."""

    PUBLIC = "public", "Public"
    INTERNAL = "internal", "Internal"
    CONFIDENTIAL = "confidential", "Confidential"
    RESTRICTED = "restricted", "Restricted"

    @classmethod
    def rank(cls, value: str) -> int:
        """0 for public up to 3 for restricted; a ``ValueError`` for anything else."""
        return classification_rank(value)


_CLASSIFICATION_RANKS = {value: rank for rank, value in enumerate(DataClassification.values)}


def classification_rank(value: str) -> int:
    """Where a classification sits, lowest (public, 0) to highest (restricted, 3)."""
    try:
        return _CLASSIFICATION_RANKS[str(value)]
    except KeyError:
        known = ", ".join(DataClassification.values)
        raise ValueError(f"'{value}' is not a data classification (one of: {known})") from None


class EntryKind(models.TextChoices):
    CHAT_ASSISTANT = "chat_assistant", "Chat assistant"
    CODING_ASSISTANT = "coding_assistant", "Coding assistant"
    API_MODEL = "api_model", "API model"
    SELF_HOSTED_MODEL = "self_hosted_model", "Self-hosted model"
    INTERNAL_PLATFORM = "internal_platform", "Internal platform"


class EntryStatus(models.TextChoices):
    APPROVED = "approved", "Approved"
    # Not "Restricted": that word names the most sensitive data classification.
    RESTRICTED = "restricted", "Approved with conditions"
    UNDER_REVIEW = "under_review", "Under review"
    PROHIBITED = "prohibited", "Prohibited"


class TrainingDataDisclosure(models.TextChoices):
    FULL = "full", "Fully disclosed"
    PARTIAL = "partial", "Partly disclosed"
    NONE = "none", "Not disclosed"
    UNKNOWN = "unknown", "Unknown"


class Indemnity(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    UNKNOWN = "unknown", "Unknown"


def _price_field(help_text: str) -> models.DecimalField:
    return models.DecimalField(
        max_digits=12, decimal_places=4, null=True, blank=True, help_text=help_text
    )


class RegisterEntry(models.Model):
    """One AI tool or model, its approval, and (for models) IP transparency and prices."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    vendor = models.CharField(max_length=120, blank=True)
    kind = models.CharField(max_length=32, choices=EntryKind.choices)
    status = models.CharField(
        max_length=16, choices=EntryStatus.choices, default=EntryStatus.UNDER_REVIEW
    )
    max_data_classification = models.CharField(
        max_length=16,
        choices=DataClassification.choices,
        default=DataClassification.PUBLIC,
        help_text="The most sensitive data this tool is approved for.",
    )
    conditions_of_use = models.TextField(blank=True)
    description = models.CharField(max_length=300, blank=True)
    governing_policy = models.ForeignKey(
        "policies.Policy",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="register_entries",
    )
    # What the provider discloses about intellectual property (mostly for models).
    training_data_disclosure = models.CharField(
        max_length=16,
        choices=TrainingDataDisclosure.choices,
        default=TrainingDataDisclosure.UNKNOWN,
    )
    licence = models.CharField(max_length=200, blank=True)
    output_ownership = models.CharField(max_length=200, blank=True)
    indemnity = models.CharField(max_length=8, choices=Indemnity.choices, default=Indemnity.UNKNOWN)
    # Public list prices in US dollars, and the day someone checked them.
    price_per_million_input_tokens = _price_field("US dollars per million input tokens.")
    price_per_million_output_tokens = _price_field("US dollars per million output tokens.")
    prices_checked_on = models.DateField(null=True, blank=True)
    gpu_type = models.CharField(max_length=80, blank=True)
    gpu_hourly_price = _price_field("US dollars per GPU-hour, when self-hosted.")
    # A seat-licensed tool's list price per user a month (Copilot, ChatGPT Business...): what a
    # Taker estimate buys for each employee user.
    seat_price_monthly = _price_field("US dollars per user per month, for seat licences.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "register entry"
        verbose_name_plural = "register entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=EntryKind.values), name="register_entry_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=EntryStatus.values), name="register_entry_status_known"
            ),
            models.CheckConstraint(
                condition=Q(max_data_classification__in=DataClassification.values),
                name="register_entry_classification_known",
            ),
            models.CheckConstraint(
                condition=Q(price_per_million_input_tokens__isnull=True)
                | Q(price_per_million_input_tokens__gte=0),
                name="register_entry_input_price_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(price_per_million_output_tokens__isnull=True)
                | Q(price_per_million_output_tokens__gte=0),
                name="register_entry_output_price_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(gpu_hourly_price__isnull=True) | Q(gpu_hourly_price__gte=0),
                name="register_entry_gpu_price_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(seat_price_monthly__isnull=True) | Q(seat_price_monthly__gte=0),
                name="register_entry_seat_price_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(prices_checked_on__isnull=False)
                | (
                    Q(price_per_million_input_tokens__isnull=True)
                    & Q(price_per_million_output_tokens__isnull=True)
                    & Q(gpu_hourly_price__isnull=True)
                    & Q(seat_price_monthly__isnull=True)
                ),
                name="register_entry_prices_have_a_date",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "name"], name="register_status_name"),
            models.Index(fields=["kind", "name"], name="register_kind_name"),
            models.Index(fields=["name"], name="register_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_token_prices(self) -> bool:
        return (
            self.price_per_million_input_tokens is not None
            or self.price_per_million_output_tokens is not None
        )

    @property
    def has_prices(self) -> bool:
        return (
            self.has_token_prices
            or self.gpu_hourly_price is not None
            or self.seat_price_monthly is not None
        )
