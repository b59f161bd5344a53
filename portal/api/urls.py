"""``/api/v1/``: the portal's REST API. Each app adds its routes here."""

from django.urls import include, path

from portal.api.views import MeView

urlpatterns = [
    path("me/", MeView.as_view(), name="api-me"),
    path("register/", include("policies.register.api_urls")),
    path("usecases/", include("usecases.api_urls")),
    path("portfolio/", include("usecases.portfolio.api_urls")),
    path("", include("policies.api_urls")),
]
