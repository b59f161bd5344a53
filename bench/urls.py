"""The portal's URLs plus the floors (``bench.floor``): the framework's and the signed-in one."""

from django.urls import path

from bench import floor
from portal.urls import handler400, handler403, handler404, handler500
from portal.urls import urlpatterns as portal_urlpatterns

urlpatterns = [
    path("bench/floor/", floor.floor_page, name="bench-floor"),
    path("bench/floor.json", floor.FloorJson.as_view(), name="bench-floor-json"),
    path("bench/floor/signed-in/", floor.signed_in_floor_page, name="bench-floor-signed-in"),
    path(
        "bench/floor/signed-in.json",
        floor.SignedInFloorJson.as_view(),
        name="bench-floor-signed-in-json",
    ),
    *portal_urlpatterns,
]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
