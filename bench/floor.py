"""The floors: the least a Django page and a DRF endpoint cost on this machine.

Each reads 50 rows of a real table (the people) with one query; the page renders them through a
template, the endpoint serialises them through DRF.

- The framework's floor (``/bench/floor/``, ``/bench/floor.json``): nothing else, no sign-in, no
  permissions, no throttling, so every figure divided by it is what the portal adds.
- The signed-in floor (``/bench/floor/signed-in/``, ``/bench/floor/signed-in.json``): what every
  signed-in page must pay on top, measured honestly: the session and the person loaded, the
  portal's middleware, the real ``base.html`` with the navigation for the person's roles, and,
  for the endpoint, the API's own authentication, permission and throttling. A page's ratio to
  it is what that page adds of its own.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.models import User

ROWS = 50
FIELDS = ("id", "username", "first_name", "last_name", "email")


def floor_rows() -> list[dict[str, Any]]:
    return list(User.objects.order_by("id").values(*FIELDS)[:ROWS])


def floor_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(render_to_string("bench/floor.html", {"people": floor_rows()}))


class FloorPersonSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    username = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    email = serializers.EmailField()


class FloorJson(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    def get(self, request: Request) -> Response:
        return Response(FloorPersonSerializer(floor_rows(), many=True).data)


@login_required
def signed_in_floor_page(request: HttpRequest) -> HttpResponse:
    return render(request, "bench/floor_signed_in.html", {"people": floor_rows()})


class SignedInFloorJson(APIView):
    """The API's defaults (authentication, IsAuthenticated, throttling) and nothing more."""

    def get(self, request: Request) -> Response:
        return Response(FloorPersonSerializer(floor_rows(), many=True).data)
