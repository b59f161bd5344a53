from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView

from policies import views as policies_views
from policies.urls import compliance_urlpatterns
from portal import views
from portal.api.schema_view import SchemaView
from portal.people import views as people_views
from usecases.urls import review_urlpatterns

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("audit/", views.audit_log, name="audit-log"),
    path("audit/people/", views.audit_people, name="audit-people"),
    path("people/", include("portal.people.page_urls")),
    path("tools/", include("policies.register.urls")),
    path("policies/", include("policies.urls")),
    path("search/", policies_views.search_page, name="search"),
    path("compliance/", include((compliance_urlpatterns, "compliance"))),
    path("usecases/", include("usecases.urls")),
    path("review/", include((review_urlpatterns, "review"))),
    path("portfolio/", include("usecases.portfolio.urls")),
    path("accounts/login/", people_views.SignInView.as_view(), name="login"),
    path("accounts/logout/", people_views.SignOutView.as_view(), name="logout"),
    path("oidc/", include("portal.people.urls")),
    path("api/v1/", include("portal.api.urls")),
    path("scim/v2/", include("portal.scim.urls")),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("django-admin/", admin.site.urls),
]

handler400 = "portal.views.bad_request"
handler403 = "portal.views.permission_denied"
handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"
