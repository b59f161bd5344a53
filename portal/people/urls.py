"""Single sign-on's URLs (they answer 404 while single sign-on is not configured)."""

from django.urls import path

from portal.people import views

urlpatterns = [
    path("authenticate/", views.SignOnStartView.as_view(), name="oidc_authentication_init"),
    path("callback/", views.SignOnCallbackView.as_view(), name="oidc_authentication_callback"),
]
