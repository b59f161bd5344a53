"""The framework's floor: the least a Django page and a DRF endpoint cost on this machine.

Each reads 50 rows of a real table (the people) with one query; the page renders them through a
template, the endpoint serialises them through DRF. Nothing else: no sign-in, no permissions, no
throttling, so every figure of the portal divided by the floor is what the portal adds.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
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
