"""The directory's benchmark (issue 15): an initial SCIM push (one POST per person, as Entra ID
does) through gunicorn, a CSV import through the worker's code path, and the people list's
query count at two sizes. Run by ``bin/bench-directory`` (which sets Django up) on the
benchmark's own database (emptied first). Prints a table and writes
``bench/results/directory.json``.

    bin/bench-directory --scim 100000 --csv 100000 --threads 8     the issue's sizes
    bin/bench-directory --scim 2000 --csv 20000                    a quick run
"""

from __future__ import annotations

import argparse
import http.client
import json
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.generate import clear
from bench.load import gunicorn
from portal.models import BearerToken, Department, User
from portal.people.importing import import_apply, import_upload
from portal.tokens import token_create

ROOT = Path(__file__).resolve().parents[1]
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def _person(n: int) -> bytes:
    return json.dumps(
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
            "externalId": f"oid-{n:07d}",
            "userName": f"person{n:07d}@contoso.example",
            "active": True,
            "name": {"givenName": "Given", "familyName": f"Family {n}"},
            "emails": [
                {"primary": True, "type": "work", "value": f"person{n:07d}@contoso.example"}
            ],
            ENTERPRISE: {"department": f"Department {n % 40}", "employeeNumber": f"S{n:07d}"},
        }
    ).encode()


def scim_push(base: str, secret: str, people: int, threads: int) -> dict[str, Any]:
    """POST ``people`` users over ``threads`` keep-alive connections; requests a second."""
    where = urlsplit(base)
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def worker(first: int) -> None:
        connection_ = http.client.HTTPConnection(
            where.hostname or "127.0.0.1", where.port, timeout=60
        )
        headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/scim+json"}
        for n in range(first, people, threads):
            connection_.request("POST", "/scim/v2/Users", body=_person(n), headers=headers)
            response = connection_.getresponse()
            response.read()
            with lock:
                statuses[response.status] = statuses.get(response.status, 0) + 1
        connection_.close()

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    seconds = time.perf_counter() - started
    return {
        "people": people,
        "threads": threads,
        "seconds": round(seconds, 1),
        "requests_per_second": round(people / seconds, 1),
        "statuses": statuses,
    }


def csv_import(rows: int, admin: User) -> dict[str, Any]:
    lines = ["Employee number,Email,First name,Last name,Department"]
    lines += [
        f"C{n:07d},c{n:07d}@example.com,Given,Family {n},Department {n % 40}" for n in range(rows)
    ]
    upload = SimpleUploadedFile("people.csv", "\n".join(lines).encode())
    started = time.perf_counter()
    batch = import_upload(upload=upload, by=admin)
    batch.create_departments = True
    batch.save(update_fields=["create_departments"])
    with CaptureQueriesContext(connection) as queries:
        done = import_apply(batch.pk)
    seconds = time.perf_counter() - started
    return {
        "rows": rows,
        "created": done.created_count,
        "seconds": round(seconds, 1),
        "rows_per_second": round(rows / seconds, 1),
        "queries": len(queries),
    }


def people_list_queries(admin: User) -> dict[str, Any]:
    client = Client()
    client.force_login(admin)
    counted = {}
    pages = (
        ("first page", "/people/"),
        ("last page", "/people/?page=last"),
        ("search", "/people/?q=Family+1"),
        ("role filter", "/people/?role=admin"),
    )
    for label, url in pages:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            status = client.get(url).status_code
            elapsed = time.perf_counter() - started
        counted[label] = {"status": status, "queries": len(queries), "ms": round(elapsed * 1000)}
    return {"people": User.objects.count(), "pages": counted}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scim", type=int, default=2000, help="people pushed over SCIM")
    parser.add_argument("--csv", type=int, default=20000, help="rows of the CSV import")
    parser.add_argument("--threads", type=int, default=8, help="concurrent SCIM connections")
    options = parser.parse_args()
    clear()
    admin = User.objects.create_superuser("bench-admin", "bench-admin@example.com", None)
    Department.objects.create(name="Department 0", slug="department-0")
    results: dict[str, Any] = {"small": people_list_queries(admin)}
    results["csv"] = csv_import(options.csv, admin)
    _, secret = token_create(kind=BearerToken.Kind.SCIM, name="bench", by=None)
    with gunicorn({}, ROOT / "var" / "bench" / "gunicorn-directory.log") as (base, _watch):
        results["scim"] = scim_push(base, secret, options.scim, options.threads)
    results["large"] = people_list_queries(admin)
    out = ROOT / "bench" / "results" / "directory.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    scim, csv_ = results["scim"], results["csv"]
    print(
        f"SCIM push: {scim['people']} POSTs over {scim['threads']} connections in "
        f"{scim['seconds']} s = {scim['requests_per_second']} requests/s; {scim['statuses']}"
    )
    print(
        f"CSV import: {csv_['rows']} rows in {csv_['seconds']} s = {csv_['rows_per_second']} "
        f"rows/s ({csv_['queries']} queries)"
    )
    for size in ("small", "large"):
        pages = results[size]["pages"]
        print(f"people list at {results[size]['people']} people: " + ", ".join(
            f"{label} {page['queries']} queries {page['ms']} ms" for label, page in pages.items()
        ))  # fmt: skip
    print(f"written to {out}")
