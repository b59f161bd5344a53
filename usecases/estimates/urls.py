"""The estimates' pages, included in ``usecases.urls`` (namespace ``usecases``)."""

from django.urls import path

from usecases.estimates import views

urlpatterns = [
    path("estimates/assumptions/", views.assumptions_edit, name="estimate-assumptions"),
    path("estimates/batches/", views.batch_list, name="estimate-batches"),
    path("estimates/batches/<int:batch_id>/", views.batch_detail, name="estimate-batch"),
    path("<ref:reference>/archetype/", views.archetype_questionnaire, name="archetype"),
    path("<ref:reference>/archetype/choose/", views.archetype_choose, name="archetype-choose"),
    path("<ref:reference>/estimates/", views.estimates_panel, name="estimates"),
    path(
        "<ref:reference>/estimates/<slug:archetype>/run/",
        views.estimate_rerun,
        name="estimate-run",
    ),
    path(
        "<ref:reference>/estimates/<slug:archetype>/drivers/",
        views.estimate_drivers,
        name="estimate-drivers",
    ),
]
