"""The portal's settings plus the benchmark's floor endpoints (``bench.urls``), so that the floor
is served by the same process, middleware and database connection as the pages it is compared
with. Used by ``bin/bench`` in-process and for gunicorn (``DJANGO_SETTINGS_MODULE``)."""

from pathlib import Path
from typing import Any, cast

from portal.settings import *  # noqa: F403
from portal.settings import ALLOWED_HOSTS, TEMPLATES

ROOT_URLCONF = "bench.urls"
# The in-process measurements use Django's test client, which calls itself "testserver".
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]
BENCH_TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATES = [
    {**TEMPLATES[0], "DIRS": [*cast(list[Any], TEMPLATES[0]["DIRS"]), BENCH_TEMPLATES]},
    *TEMPLATES[1:],
]
