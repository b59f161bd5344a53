"""The portal's URLs plus the floor: ``/bench/floor/`` (template) and ``/bench/floor.json``."""

from django.urls import path

from bench import floor
from portal.urls import handler400, handler403, handler404, handler500
from portal.urls import urlpatterns as portal_urlpatterns

urlpatterns = [
    path("bench/floor/", floor.floor_page, name="bench-floor"),
    path("bench/floor.json", floor.FloorJson.as_view(), name="bench-floor-json"),
    *portal_urlpatterns,
]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
