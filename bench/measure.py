"""In-process measurements of the pages: server time (median, p95), SQL queries, memory.

Each page is requested through Django's test client (the whole middleware stack, the real
database) as the person it is for. The pages are measured in rounds, the floor among them, so
that a noisy neighbour slows the floor and the pages alike and the ratios hold.
"""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import connection, reset_queries
from django.http import StreamingHttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.generate import Generated
from bench.stats import percentile
from portal.models import User

FLOOR_TEMPLATE = "floor (template)"
FLOOR_DRF = "floor (DRF)"
SIGNED_IN_TEMPLATE = "signed-in floor (template)"
SIGNED_IN_DRF = "signed-in floor (DRF)"
# Each framework floor's signed-in counterpart: a page is also compared with what every
# signed-in page pays (base.html, navigation, session, middleware; for the API its defaults).
SIGNED_IN_FLOOR = {FLOOR_TEMPLATE: SIGNED_IN_TEMPLATE, FLOOR_DRF: SIGNED_IN_DRF}


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    role: str | None  # who asks (a key of the generated cast); None: nobody signed in
    floor: str  # the floor it is compared with


def targets_for(generated: Generated) -> list[Target]:
    """The pages the issue names, for the data that was generated."""
    policy = generated.most_read_policy
    case = generated.case_with_estimates
    query = generated.search_query.replace(" ", "+")
    return [
        Target(FLOOR_TEMPLATE, "/bench/floor/", None, FLOOR_TEMPLATE),
        Target(FLOOR_DRF, "/bench/floor.json", None, FLOOR_DRF),
        # As the employee (the fewest menu entries) and as the reviewer (the CIO office's).
        Target(SIGNED_IN_TEMPLATE, "/bench/floor/signed-in/", "reviewer", FLOOR_TEMPLATE),
        Target(SIGNED_IN_DRF, "/bench/floor/signed-in.json", "reviewer", FLOOR_DRF),
        Target("home: what I owe", "/", "employee", FLOOR_TEMPLATE),
        Target("policy page", f"/policies/{policy}/", "employee", FLOOR_TEMPLATE),
        Target(
            "tools lookup",
            f"/tools/?tool={generated.tool}&data=confidential",
            "employee",
            FLOOR_TEMPLATE,
        ),
        Target("search", f"/search/?q={query}", "employee", FLOOR_TEMPLATE),
        Target("use cases of a lead", "/usecases/", "lead", FLOOR_TEMPLATE),
        Target("case page with estimates", f"/usecases/{case}/", "reviewer", FLOOR_TEMPLATE),
        Target("CIO review queue", "/review/", "reviewer", FLOOR_TEMPLATE),
        Target(
            "portfolio page",
            "/portfolio/?status=live&sort=-priority",
            "reviewer",
            FLOOR_TEMPLATE,
        ),
        Target(
            "portfolio API",
            "/api/v1/portfolio/?status=live&sort=-priority",
            "reviewer",
            FLOOR_DRF,
        ),
        Target("compliance dashboard", "/portfolio/compliance/", "reviewer", FLOOR_TEMPLATE),
        Target(
            "compliance of the most-read policy",
            f"/api/v1/policies/{policy}/compliance/",
            "reviewer",
            FLOOR_DRF,
        ),
        Target("CSV export of every case", "/portfolio/export.csv", "reviewer", FLOOR_TEMPLATE),
    ]


@dataclass
class PageResult:
    name: str
    path: str
    floor: str
    status: int = 0
    requests: int = 0
    median_ms: float = 0.0
    p95_ms: float = 0.0
    queries: int = 0
    peak_alloc_mb: float = 0.0
    bytes: int = 0
    ratio_to_floor: float = 0.0
    ratio_to_signed_in_floor: float = 0.0
    samples_ms: list[float] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("samples_ms")
        return data


def _fetch(client: Client, path: str) -> tuple[int, int]:
    response = client.get(path)
    if isinstance(response, StreamingHttpResponse):
        size = sum(len(bytes(chunk)) for chunk in response.streaming_content)
    else:
        size = len(response.content)
    response.close()
    return response.status_code, size


def _clients(generated: Generated, targets: list[Target]) -> dict[str | None, Client]:
    clients: dict[str | None, Client] = {None: Client()}
    for role in {target.role for target in targets if target.role}:
        client = Client()
        client.force_login(User.objects.get(username=generated.cast[role]))
        clients[role] = client
    return clients


def measure_pages(
    generated: Generated,
    *,
    seconds_per_page: float = 4.0,
    rounds: int = 3,
    min_requests: int = 6,
    max_requests: int = 300,
    only: set[str] | None = None,
    log: Callable[[str], None] | None = None,
) -> list[PageResult]:
    """Median and p95 of each page over at least ``min_requests`` and about
    ``seconds_per_page`` of requests, in ``rounds`` interleaved rounds; then one request each
    to count its queries and one under tracemalloc for its peak allocation."""
    targets = [t for t in targets_for(generated) if only is None or t.name in only]
    clients = _clients(generated, targets)
    results = {t.name: PageResult(name=t.name, path=t.path, floor=t.floor) for t in targets}
    for target in targets:  # warm up, and check that every page answers
        for _ in range(2):
            status, size = _fetch(clients[target.role], target.path)
        results[target.name].status = status
        results[target.name].bytes = size
        if status != 200:
            raise RuntimeError(f"{target.name} ({target.path}) answered {status}")
    per_round = seconds_per_page / rounds
    for round_number in range(rounds):
        for target in targets:
            result = results[target.name]
            client = clients[target.role]
            started = time.perf_counter()
            wanted = -(-min_requests // rounds)
            taken = 0
            while taken < wanted or (
                time.perf_counter() - started < per_round and taken < max_requests // rounds
            ):
                begin = time.perf_counter()
                _fetch(client, target.path)
                result.samples_ms.append((time.perf_counter() - begin) * 1000)
                taken += 1
        if log is not None:
            log(f"  round {round_number + 1}/{rounds} done")
    for target in targets:
        result = results[target.name]
        client = clients[target.role]
        with CaptureQueriesContext(connection) as captured:
            _fetch(client, target.path)
        result.queries = len(captured)
        reset_queries()
        tracemalloc.start()
        tracemalloc.reset_peak()
        _fetch(client, target.path)
        result.peak_alloc_mb = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        tracemalloc.stop()
        result.requests = len(result.samples_ms)
        result.median_ms = round(statistics.median(result.samples_ms), 2)
        result.p95_ms = round(percentile(result.samples_ms, 0.95), 2)
    for result in results.values():
        floor = results.get(result.floor)
        if floor is not None and floor.median_ms:
            result.ratio_to_floor = round(result.median_ms / floor.median_ms, 2)
        signed_in = results.get(SIGNED_IN_FLOOR.get(result.floor, ""))
        if (
            signed_in is not None
            and signed_in.median_ms
            and not result.name.startswith(("floor", "signed-in floor"))
        ):
            result.ratio_to_signed_in_floor = round(result.median_ms / signed_in.median_ms, 2)
    return list(results.values())
