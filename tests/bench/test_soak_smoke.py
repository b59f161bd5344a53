"""Load without loss, in small: the soak's own machinery (``bench/soak.py``, run in full by
``bin/soak``) for half a minute against gunicorn started with ``bin/web`` and the real worker."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bench import soak
from tests.services import database_url_of_test_db

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_short_mixed_load_loses_nothing(
    celery_worker: str, worker_mail_dir: Path, redis_url: str, tmp_path: Path
) -> None:
    population = soak.seed_population(
        employees=30, leads_per_department=1, reviewers=2, demo_use_cases=False, backlog=4
    )
    mix = soak.Mix(employees=3, leads=2, reviewers=2)
    with soak.web_server(database_url_of_test_db(), redis_url, tmp_path) as base_url:
        load = soak.run_load(base_url, population, seconds=30, mix=mix, think=0.25, seed=1)
    drained = soak.wait_for_drain(redis_url, timeout=90)
    verification = soak.verify(load, mail_dir=worker_mail_dir, logs=[tmp_path / "web.log"])
    report = soak.render(soak.summarise(load, verification, drained))

    assert drained is not None, report
    assert load.recorder.errors == {}, report
    assert verification.problems == [], report
    written = {kind: row["found"] for kind, row in verification.writes.items()}
    assert written.get("policy.acknowledged", 0) > 0, report
    assert written.get("usecase.created", 0) > 0, report
    assert written.get("usecase.submitted", 0) > 0, report
    decided = sum(written.get(f"usecase.{to}", 0) for to in ("approved", "rejected", "on_hold"))
    assert decided > 0, report
    assert verification.notifications["found"] == verification.notifications["expected"] > 0

    # The check sees a loss: a write the portal confirmed that the database does not hold.
    phantom = dataclasses.replace(load.recorder.writes[0], request_id=load.recorder.request_id())
    load.recorder.writes.append(phantom)
    recheck = soak.verify(load, mail_dir=None)
    assert [p for p in recheck.problems if p.startswith("lost:")] == [
        f"lost: {phantom.kind} of {phantom.target} by {phantom.actor} ({phantom.request_id})"
    ]
