"""Estimate endpoints, included in ``usecases.api_urls`` (``/api/v1/usecases/``)."""

from django.urls import path

from usecases.estimates import api

urlpatterns = [
    path("estimate-assumptions/", api.AssumptionsView.as_view(), name="api-estimate-assumptions"),
    path(
        "estimate-batches/<int:batch_id>/",
        api.EstimateBatchView.as_view(),
        name="api-estimate-batch",
    ),
    path("<ref:reference>/archetype/", api.ArchetypeView.as_view(), name="api-usecase-archetype"),
    path(
        "<ref:reference>/archetype/decision/",
        api.ArchetypeDecisionView.as_view(),
        name="api-usecase-archetype-decision",
    ),
    path(
        "<ref:reference>/estimates/", api.EstimateRunsView.as_view(), name="api-usecase-estimates"
    ),
    path(
        "<ref:reference>/estimates/runs/<int:run_id>/",
        api.EstimateRunView.as_view(),
        name="api-usecase-estimate-run",
    ),
    path(
        "<ref:reference>/estimates/<slug:archetype>/drivers/",
        api.DriversView.as_view(),
        name="api-usecase-estimate-drivers",
    ),
]
