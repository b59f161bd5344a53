"""``/portfolio/``: the CIO office's pages."""

from django.urls import path

from usecases.portfolio import views

app_name = "portfolio"

urlpatterns = [
    path("", views.portfolio, name="ranked"),
    path("export.csv", views.portfolio_csv, name="export-csv"),
    path("export.xlsx", views.portfolio_xlsx, name="export-xlsx"),
    path("decisions/", views.decision_log, name="decisions"),
    path("decisions/export.csv", views.decision_log_csv, name="decisions-csv"),
    path("compliance/", views.compliance_dashboard, name="compliance"),
    path("summary/", views.executive_summary, name="summary"),
]
