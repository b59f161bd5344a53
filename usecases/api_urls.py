"""``/api/v1/usecases/``: cases, their workflow, risk, ratings, scores and guardrails."""

from django.urls import include, path

from usecases import api
from usecases.urls import ReferenceConverter  # noqa: F401 - registers the "ref" converter

urlpatterns = [
    path("", api.UseCaseListView.as_view(), name="api-usecase-list"),
    path("<ref:reference>/", api.UseCaseDetailView.as_view(), name="api-usecase-detail"),
    path("<ref:reference>/submit/", api.SubmitView.as_view(), name="api-usecase-submit"),
    path(
        "<ref:reference>/transition/", api.TransitionView.as_view(), name="api-usecase-transition"
    ),
    path("<ref:reference>/comments/", api.CommentsView.as_view(), name="api-usecase-comments"),
    path(
        "<ref:reference>/risk-questionnaire/",
        api.RiskQuestionnaireView.as_view(),
        name="api-usecase-risk-questionnaire",
    ),
    path(
        "<ref:reference>/risk-register/",
        api.RiskRegisterView.as_view(),
        name="api-usecase-risk-register",
    ),
    path("<ref:reference>/ratings/", api.RatingsView.as_view(), name="api-usecase-ratings"),
    path("<ref:reference>/scores/", api.ScoresView.as_view(), name="api-usecase-scores"),
    path("<ref:reference>/findings/", api.FindingsView.as_view(), name="api-usecase-findings"),
    path(
        "<ref:reference>/exceptions/", api.ExceptionsView.as_view(), name="api-usecase-exceptions"
    ),
    path(
        "<ref:reference>/exceptions/grant/",
        api.ExceptionGrantView.as_view(),
        name="api-usecase-exception-grant",
    ),
    path("<ref:reference>/sign-off/", api.SignOffView.as_view(), name="api-usecase-sign-off"),
    path(
        "<ref:reference>/tier-override/",
        api.TierOverrideView.as_view(),
        name="api-usecase-tier-override",
    ),
    path(
        "<ref:reference>/tier-override/agree/",
        api.TierAgreementView.as_view(),
        name="api-usecase-tier-agree",
    ),
    path("", include("usecases.estimates.api_urls")),
]
