"""``python -m bench``: the benchmark (``bin/bench`` prepares the database and runs this)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from bench.run import main  # noqa: E402

main()
