"""``/usecases/``: intake, the case page and its actions; ``review/``: the CIO office's queue."""

from django.urls import include, path, register_converter

from usecases import views


class ReferenceConverter:
    regex = "UC-[0-9]{4,}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ReferenceConverter, "ref")

app_name = "usecases"
urlpatterns = [
    path("", views.usecase_list, name="list"),
    path("new/", views.usecase_new, name="new"),
    path("rubric/", views.rubric_edit, name="rubric"),
    path("guardrails/", views.guardrail_policies, name="guardrail-policies"),
    path("risk-owners/", views.risk_owners, name="risk-owners"),
    path("<ref:reference>/", views.usecase_detail, name="detail"),
    path("<ref:reference>/edit/<slug:step>/", views.usecase_edit, name="edit"),
    path("<ref:reference>/transition/", views.usecase_transition, name="transition"),
    path("<ref:reference>/comment/", views.usecase_comment, name="comment"),
    path("<ref:reference>/exception/", views.usecase_exception, name="exception"),
    path("<ref:reference>/exception/grant/", views.usecase_exception_grant, name="exception-grant"),
    path("<ref:reference>/sign-off/", views.usecase_sign_off, name="sign-off"),
    path("<ref:reference>/risk/", views.usecase_risk, name="risk"),
    path("<ref:reference>/tier/", views.usecase_tier_override, name="tier-override"),
    path("<ref:reference>/tier/agree/", views.usecase_tier_agree, name="tier-agree"),
    path("<ref:reference>/risks/", views.usecase_risks, name="risks"),
    path("<ref:reference>/ratings/", views.usecase_ratings, name="ratings"),
    path("", include("usecases.estimates.urls")),
]

review_urlpatterns = [path("", views.review_queue, name="queue")]
