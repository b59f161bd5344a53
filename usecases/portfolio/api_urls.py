"""``/api/v1/portfolio/``: the ranked portfolio and the compliance figures."""

from django.urls import path

from usecases.portfolio import api

urlpatterns = [
    path("", api.PortfolioView.as_view(), name="api-portfolio"),
    path("compliance/", api.ComplianceView.as_view(), name="api-portfolio-compliance"),
]
