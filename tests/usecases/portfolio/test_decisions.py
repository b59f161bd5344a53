"""The decision log: every workflow move of every case, from the audit log, filterable."""

from __future__ import annotations

import csv
import io
from typing import cast

from django.http import StreamingHttpResponse
from django.test import Client

from portal.models import User
from tests.usecases.conftest import advance
from usecases.models import Status, UseCase


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _decided(in_review: UseCase, reviewer: User) -> UseCase:
    advance(in_review, (reviewer, Status.ON_HOLD), comment="Waiting for the legal opinion")
    advance(in_review, (reviewer, Status.IN_REVIEW), comment="")
    return advance(in_review, (reviewer, Status.REJECTED), comment="Costs more than it saves")


def test_lists_transitions_with_reasons(in_review: UseCase, reviewer: User) -> None:
    case = _decided(in_review, reviewer)
    response = _client(reviewer).get("/portfolio/decisions/")
    assert response.status_code == 200
    rows = response.context["decisions"]
    moves = [(r.before, r.after, r.event.comment) for r in rows]
    assert moves[0] == ("in_review", "rejected", "Costs more than it saves")
    assert ("in_review", "on_hold", "Waiting for the legal opinion") in moves
    assert ("draft", "submitted", "ok") in moves
    assert all(r.reference == case.reference for r in rows)
    assert all(r.event.actor_label in ("rita", "leo") for r in rows)
    body = response.content.decode()
    assert "Costs more than it saves" in body
    # edits, comments and ratings are not decisions
    assert not any(r.event.action in ("usecase.created", "usecase.risk_assessed") for r in rows)


def test_filters(in_review: UseCase, reviewer: User) -> None:
    case = _decided(in_review, reviewer)
    client = _client(reviewer)
    only_rejections = client.get("/portfolio/decisions/", {"decision": "rejected"}).context[
        "decisions"
    ]
    assert [r.after for r in only_rejections] == ["rejected"]
    by_lead = client.get("/portfolio/decisions/", {"actor": "leo"}).context["decisions"]
    assert [r.after for r in by_lead] == ["submitted"]
    assert client.get("/portfolio/decisions/", {"reference": str(case.reference)}).context[
        "decisions"
    ]
    assert not client.get("/portfolio/decisions/", {"reference": "UC-9999"}).context["decisions"]
    assert not client.get("/portfolio/decisions/", {"since": "2999-01-01"}).context["decisions"]
    assert client.get("/portfolio/decisions/", {"until": "2999-01-01"}).context["decisions"]


def test_csv_export(in_review: UseCase, reviewer: User) -> None:
    _decided(in_review, reviewer)
    response = _client(reviewer).get("/portfolio/decisions/export.csv", {"decision": "on_hold"})
    body = cast(StreamingHttpResponse, response).getvalue().decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == 1
    assert rows[0]["From"] == "In review" and rows[0]["To"] == "On hold"
    assert rows[0]["Reason"] == "Waiting for the legal opinion"
    assert rows[0]["Who"] == "rita"


def test_lead_is_refused(lead: User) -> None:
    assert _client(lead).get("/portfolio/decisions/").status_code == 403
