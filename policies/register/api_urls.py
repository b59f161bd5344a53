"""``/api/v1/register/``: list and add entries, read and change one, and the lookup."""

from django.urls import path

from policies.register import api

urlpatterns = [
    path("", api.RegisterEntryListView.as_view(), name="api-register-list"),
    path("lookup/", api.RegisterLookupView.as_view(), name="api-register-lookup"),
    path("<slug:slug>/", api.RegisterEntryDetailView.as_view(), name="api-register-detail"),
]
