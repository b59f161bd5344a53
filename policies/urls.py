from django.urls import path

from policies import views

app_name = "policies"

urlpatterns = [
    path("", views.policy_list, name="list"),
    path("new/", views.policy_new, name="new"),
    path("preview/", views.markdown_preview, name="preview"),
    path("changes/<int:pk>/approve/", views.change_approve, name="change-approve"),
    path("changes/<int:pk>/reject/", views.change_reject, name="change-reject"),
    path("changes/<int:pk>/withdraw/", views.change_withdraw, name="change-withdraw"),
    path("<slug:slug>/", views.policy_detail, name="detail"),
    path("<slug:slug>/settings/", views.policy_settings, name="settings"),
    path("<slug:slug>/history/", views.policy_history, name="history"),
    path("<slug:slug>/diff/", views.policy_diff, name="diff"),
    path("<slug:slug>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<slug:slug>/versions/new/", views.version_new, name="version-new"),
    path("<slug:slug>/versions/<int:number>/", views.version_detail, name="version"),
    path("<slug:slug>/versions/<int:number>/edit/", views.version_edit, name="version-edit"),
    path("<slug:slug>/versions/<int:number>/submit/", views.version_submit, name="version-submit"),
    path(
        "<slug:slug>/versions/<int:number>/publish/", views.version_publish, name="version-publish"
    ),
    path("<slug:slug>/versions/<int:number>/return/", views.version_return, name="version-return"),
    path(
        "<slug:slug>/versions/<int:number>/withdraw/",
        views.version_withdraw,
        name="version-withdraw",
    ),
]

compliance_urlpatterns = [
    path("", views.compliance_overview, name="overview"),
    path("<slug:slug>/", views.compliance_detail, name="detail"),
    path("<slug:slug>/owing.csv", views.compliance_owing_csv, name="owing-csv"),
]
