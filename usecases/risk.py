"""EU AI Act risk tiering from a short questionnaire, and the NIST AI 600-1 risk catalogue.

Pure: :func:`classify_risk` takes the answers (a pydantic model) and returns the tier with the
answers that led there. No database inside, so pages, the API and tests share it.
"""

from __future__ import annotations

from django.db import models
from pydantic import BaseModel, ConfigDict


class RiskTier(models.TextChoices):
    PROHIBITED = "prohibited", "Prohibited"
    HIGH = "high", "High risk"
    LIMITED = "limited", "Limited risk (transparency duties)"
    MINIMAL = "minimal", "Minimal risk"


class ProhibitedPractice(models.TextChoices):
    """Article 5 of the EU AI Act."""

    MANIPULATION = (
        "manipulation",
        (
            "Uses subliminal, manipulative or deceptive techniques that distort people's behaviour "
            "and can harm them"
        ),
    )
    EXPLOITS_VULNERABILITY = (
        "exploits_vulnerability",
        (
            "Exploits people's vulnerability because of age, disability or social or economic "
            "situation"
        ),
    )
    SOCIAL_SCORING = (
        "social_scoring",
        ("Scores people on their social behaviour or personality, leading to unfair treatment"),
    )
    CRIME_PREDICTION = (
        "crime_prediction",
        ("Predicts whether a person will commit a crime from profiling or personality alone"),
    )
    FACE_SCRAPING = (
        "face_scraping",
        ("Builds facial-recognition databases by scraping images from the internet or CCTV"),
    )
    WORKPLACE_EMOTION = (
        "workplace_emotion",
        ("Infers the emotions of employees or students (other than for medical or safety reasons)"),
    )
    SENSITIVE_BIOMETRIC_CATEGORISATION = (
        "sensitive_biometric_categorisation",
        (
            "Uses biometrics to infer race, political opinions, union membership, religion, "
            "sex life "
            "or sexual orientation"
        ),
    )
    REALTIME_BIOMETRIC_ID = (
        "realtime_biometric_id",
        ("Identifies people in real time from biometrics in public spaces for law enforcement"),
    )


class HighRiskArea(models.TextChoices):
    """The Annex III areas."""

    BIOMETRICS = "biometrics", "Biometrics: identifying or categorising people, emotion recognition"
    CRITICAL_INFRASTRUCTURE = (
        "critical_infrastructure",
        (
            "Critical infrastructure: safety of digital infrastructure, traffic, water, gas, "
            "heating "
            "or electricity"
        ),
    )
    EDUCATION = "education", "Education: admission, assessment, steering learning, proctoring"
    EMPLOYMENT = (
        "employment",
        (
            "Employment: recruiting, selecting, promoting, dismissing, allocating tasks to or "
            "monitoring workers"
        ),
    )
    ESSENTIAL_SERVICES = (
        "essential_services",
        (
            "Essential services: benefits, creditworthiness, life or health insurance pricing, "
            "emergency dispatch"
        ),
    )
    LAW_ENFORCEMENT = "law_enforcement", "Law enforcement"
    MIGRATION = "migration", "Migration, asylum and border control"
    JUSTICE_DEMOCRACY = (
        "justice_democracy",
        ("Justice and democratic processes, including influencing elections"),
    )


class Exemption(models.TextChoices):
    """Article 6(3): when a system in an Annex III area is not high-risk."""

    NARROW_PROCEDURAL = "narrow_procedural", "It only performs a narrow procedural task"
    IMPROVES_HUMAN_WORK = (
        "improves_human_work",
        ("It only improves the result of work a person has already completed"),
    )
    DETECTS_PATTERNS = (
        "detects_patterns",
        ("It only detects patterns or deviations, without replacing a person's assessment"),
    )
    PREPARATORY = "preparatory", "It only prepares material for an assessment a person makes"


class TransparencyDuty(models.TextChoices):
    """Article 50."""

    CHATBOT = "chatbot", "People talk or write to it directly (a chatbot or voice assistant)"
    SYNTHETIC_CONTENT = "synthetic_content", "It generates images, audio, video or text"
    DEEPFAKE = "deepfake", "It creates realistic images, audio or video of real people or places"
    EMOTION_OR_BIOMETRIC = (
        "emotion_or_biometric",
        ("It recognises emotions or categorises people from biometric data"),
    )
    PUBLIC_INTEREST_TEXT = (
        "public_interest_text",
        ("It writes text published to inform the public on matters of public interest"),
    )


class NistRisk(models.TextChoices):
    """The twelve generative-AI risks of NIST AI 600-1."""

    CBRN = "cbrn", "CBRN information or capabilities"
    CONFABULATION = "confabulation", "Confabulation"
    DANGEROUS_CONTENT = "dangerous_content", "Dangerous, violent or hateful content"
    DATA_PRIVACY = "data_privacy", "Data privacy"
    ENVIRONMENTAL = "environmental", "Environmental impacts"
    HARMFUL_BIAS = "harmful_bias", "Harmful bias and homogenisation"
    HUMAN_AI_CONFIGURATION = "human_ai_configuration", "Human-AI configuration"
    INFORMATION_INTEGRITY = "information_integrity", "Information integrity"
    INFORMATION_SECURITY = "information_security", "Information security"
    INTELLECTUAL_PROPERTY = "intellectual_property", "Intellectual property"
    OBSCENE_CONTENT = "obscene_content", "Obscene, degrading and/or abusive content"
    VALUE_CHAIN = "value_chain", "Value chain and component integration"


NIST_RISK_HELP = {
    NistRisk.CBRN: "Could it help someone obtain chemical, biological, radiological or nuclear "
    "weapons knowledge?",
    NistRisk.CONFABULATION: "Confidently stated false content (\u201challucinations\u201d).",
    NistRisk.DANGEROUS_CONTENT: "Violent, inciting or hateful output.",
    NistRisk.DATA_PRIVACY: "Leakage, unauthorised use or de-anonymisation of personal data.",
    NistRisk.ENVIRONMENTAL: "Energy and water used by training and running the model.",
    NistRisk.HARMFUL_BIAS: "Unfair outcomes for groups of people; everything sounding the same.",
    NistRisk.HUMAN_AI_CONFIGURATION: "Over-reliance, automation bias, treating the AI as a person.",
    NistRisk.INFORMATION_INTEGRITY: "Mis- and disinformation produced at scale.",
    NistRisk.INFORMATION_SECURITY: "Prompt injection, data poisoning, model theft, aided attacks.",
    NistRisk.INTELLECTUAL_PROPERTY: "Infringing training data or outputs; trade secrets exposed.",
    NistRisk.OBSCENE_CONTENT: "Obscene, degrading or abusive text or images.",
    NistRisk.VALUE_CHAIN: "Opaque third-party models, data and components.",
}


class RiskAnswers(BaseModel):
    """The questionnaire's answers. Empty lists mean "none of these applies"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    prohibited_practices: list[ProhibitedPractice] = []
    high_risk_areas: list[HighRiskArea] = []
    exemptions: list[Exemption] = []
    profiles_people: bool = False
    safety_component: bool = False
    transparency_duties: list[TransparencyDuty] = []


class RiskResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    tier: RiskTier
    reasons: list[str]


def classify_risk(answers: RiskAnswers) -> RiskResult:
    """The EU AI Act tier the answers lead to, highest tier first, with the answers that decided."""
    if answers.prohibited_practices:
        return RiskResult(
            tier=RiskTier.PROHIBITED,
            reasons=[
                f"Prohibited practice (Article 5): {ProhibitedPractice(p).label}."
                for p in answers.prohibited_practices
            ],
        )
    high: list[str] = []
    if answers.safety_component:
        high.append(
            "It is a safety component of a product covered by EU product safety law (Annex I)."
        )
    if answers.high_risk_areas:
        areas = [
            f"High-risk area (Annex III): {HighRiskArea(a).label}." for a in answers.high_risk_areas
        ]
        if answers.exemptions and not answers.profiles_people:
            exempt = "; ".join(Exemption(e).label.lower() for e in answers.exemptions)
            notes = [
                *areas,
                f"Not high-risk under Article 6(3): {exempt}, and it does not profile people.",
            ]
        elif answers.exemptions:
            high.extend(areas)
            high.append("The Article 6(3) exemptions do not apply because it profiles people.")
            notes = []
        else:
            high.extend(areas)
            notes = []
    else:
        notes = []
    if high:
        return RiskResult(tier=RiskTier.HIGH, reasons=high)
    if answers.transparency_duties:
        return RiskResult(
            tier=RiskTier.LIMITED,
            reasons=[
                *notes,
                *(
                    f"Transparency duty (Article 50): {TransparencyDuty(d).label}."
                    for d in answers.transparency_duties
                ),
            ],
        )
    return RiskResult(
        tier=RiskTier.MINIMAL,
        reasons=[*notes, "No prohibited practice, high-risk area or transparency duty applies."],
    )


# --- Ranking the register -------------------------------------------------------------------


class RiskBand(models.TextChoices):
    """Where likelihood x severity (1-25) falls on the usual 5 x 5 risk matrix."""

    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


# The lowest score of each band, highest band first: 1-4 low, 5-9 medium, 10-16 high,
# 20-25 critical (no product of two levels lies between 16 and 20).
BAND_FLOORS: tuple[tuple[int, RiskBand], ...] = (
    (20, RiskBand.CRITICAL),
    (10, RiskBand.HIGH),
    (5, RiskBand.MEDIUM),
    (1, RiskBand.LOW),
)
BAND_MEANING = {
    RiskBand.LOW: "Accept and watch.",
    RiskBand.MEDIUM: "Mitigate, with an owner and a date.",
    RiskBand.HIGH: "Mitigate before go-live; the owner reports progress.",
    RiskBand.CRITICAL: "Do not go live until it is mitigated.",
}


def risk_band(score: int) -> RiskBand:
    """The band of a likelihood x severity score (1-25)."""
    for floor, band in BAND_FLOORS:
        if score >= floor:
            return band
    raise ValueError(f"a risk score runs from 1 to 25, not {score}")
