"""Single sign-on's pages: start, the provider's callback, its failure page, and sign-out."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.views import View
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from portal.middleware import current_request_id
from portal.people.lockout import address_is_paused
from portal.people.oidc import PortalOIDCBackend
from portal.people.services import SignOnFailed

logger = logging.getLogger(__name__)

BACKEND = "portal.people.oidc.PortalOIDCBackend"
ID_TOKEN_SESSION_KEY = "oidc_id_token"  # noqa: S105 - a session key, not a secret


def _require_sso() -> None:
    if not settings.OIDC_ENABLED:
        raise Http404("Single sign-on is not configured.")


def sign_on_failed(request: HttpRequest, failure: SignOnFailed) -> HttpResponse:
    logger.warning("single sign-on did not complete: %s", failure.reason)
    return render(
        request,
        "registration/sso_failed.html",
        {"message": failure.message, "reference": current_request_id() or ""},
        status=failure.status,
    )


class SignOnStartView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider, with state, nonce and (by default) PKCE."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _require_sso()
        return super().dispatch(request, *args, **kwargs)


class SignOnCallbackView(View):
    """Where the provider sends the browser back: check everything, then sign the person in."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest) -> HttpResponse:
        _require_sso()
        if request.GET.get("error"):
            self._forget_state(request)
            return sign_on_failed(
                request,
                SignOnFailed(
                    f"the provider answered {request.GET.get('error')!r}: "
                    f"{request.GET.get('error_description', '')[:300]!r}",
                    message=(
                        "Your company's sign-in service did not sign you in"
                        + (
                            ": " + request.GET["error_description"][:300]
                            if request.GET.get("error_description")
                            else "."
                        )
                    ),
                ),
            )
        started = self._forget_state(request)
        if started is None or not request.GET.get("code"):
            return sign_on_failed(
                request,
                SignOnFailed(
                    "callback without a state this browser's session started",
                    message=(
                        "This sign-in was started in another browser tab, or took too long. "
                        "Start again from the sign-in page."
                    ),
                ),
            )
        backend = PortalOIDCBackend()
        try:
            user = backend.authenticate(
                request,
                sso_callback=True,
                nonce=started.get("nonce"),
                code_verifier=started.get("code_verifier"),
            )
        except SignOnFailed as failure:
            return sign_on_failed(request, failure)
        if user is None:
            return sign_on_failed(request, SignOnFailed("the provider's answer had no code"))
        next_url = request.session.get("oidc_login_next")
        # Not through django.contrib.auth.authenticate(): a failed single sign-on is not a wrong
        # password, so it never counts towards the lockout of everyone behind one address.
        auth.login(request, user, backend=BACKEND)
        request.session[ID_TOKEN_SESSION_KEY] = backend.id_token
        return HttpResponseRedirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))

    @staticmethod
    def _forget_state(request: HttpRequest) -> dict[str, Any] | None:
        """The nonce and PKCE verifier this sign-in started with; never usable twice."""
        states = request.session.get("oidc_states") or {}
        started = states.pop(request.GET.get("state", ""), None)
        request.session["oidc_states"] = states
        request.session.save()
        return started if isinstance(started, dict) else None


class SignInView(auth_views.LoginView):
    """The password sign-in page; paused for an address that failed too often (any username)."""

    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if address_is_paused(request):
            logger.warning("password sign-in paused for an address after repeated failures")
            return render(
                request,
                "registration/locked_out.html",
                {"cooloff_timedelta": settings.AXES_COOLOFF_TIME},
                status=429,
            )
        return super().post(request, *args, **kwargs)


class SignOutView(auth_views.LogoutView):
    """Sign out of the portal and, after single sign-on, at the provider too (RP-initiated)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        id_token = request.session.get(ID_TOKEN_SESSION_KEY)
        response = super().post(request, *args, **kwargs)
        if settings.OIDC_ENABLED and settings.OIDC_OP_LOGOUT_ENDPOINT and id_token:
            query = urlencode(
                {
                    "id_token_hint": id_token,
                    "client_id": settings.OIDC_RP_CLIENT_ID,
                    "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
                }
            )
            return HttpResponseRedirect(f"{settings.OIDC_OP_LOGOUT_ENDPOINT}?{query}")
        return response
