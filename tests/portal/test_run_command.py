"""The README's run command, typed as written, serves the portal on the embedded default: the web
process, a Celery worker and beat on the file broker, demo data, and background work done by the
worker while the request that asked for it has long answered."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_bin_run_serves_the_portal_and_its_printed_accounts_sign_in(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "SECURE_HTTPS"}
    }
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'portal.sqlite3'}", PORT=str(port))
    log = tmp_path / "run.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(ROOT / "bin" / "run")],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as ok:
                    assert ok.status == 200
                    break
            except OSError:
                time.sleep(1)
        else:
            raise AssertionError(f"the portal did not come up:\n{log.read_text()}")

        printed = log.read_text()
        password = re.search(r"password for all: (\S+)\)", printed)
        assert password, printed
        assert "rita" in printed and "Reviewer" in printed

        base = f"http://127.0.0.1:{port}"
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        login_page = opener.open(f"http://127.0.0.1:{port}/accounts/login/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page)
        assert token
        data = urlencode(
            {"username": "rita", "password": password.group(1), "csrfmiddlewaretoken": token[1]}
        ).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/accounts/login/",
            data=data,
            headers={"Referer": f"http://127.0.0.1:{port}/accounts/login/"},
        )
        home = opener.open(request).read().decode()
        assert "Hello, Rita" in home
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as health:
            worker = json.load(health)["checks"]["worker"]
        assert worker["ok"] and "answered" in worker["detail"], (worker, log.read_text()[-4000:])
        # The main pages answer on the embedded default too (SQLite, the file broker).
        for path in (
            "/policies/",
            "/tools/",
            "/search/?q=customer+data",
            "/usecases/",
            "/usecases/UC-0003/",
            "/review/",
            "/portfolio/",
            "/portfolio/compliance/",
        ):
            with opener.open(f"http://127.0.0.1:{port}{path}") as page:
                assert page.status == 200, path

        # Publishing assumptions answers at once; the worker re-estimates every case behind it.
        admin, admin_cookies = _signed_in(port, "alex", password.group(1))
        current = json.loads(admin.open(f"{base}/api/v1/usecases/estimate-assumptions/").read())
        csrf = next(str(cookie.value) for cookie in admin_cookies if cookie.name == "csrftoken")
        publish = urllib.request.Request(  # noqa: S310 (http://127.0.0.1 only)
            f"{base}/api/v1/usecases/estimate-assumptions/",
            data=json.dumps({"data": current["data"], "comment": "bin/run test"}).encode(),
            headers={"Content-Type": "application/json", "X-CSRFToken": csrf, "Referer": base},
        )
        with admin.open(publish) as published:
            assert published.status == 201
        batch_id = _latest_batch(admin, base)
        batch: dict[str, object] = {}
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            url = f"{base}/api/v1/usecases/estimate-batches/{batch_id}/"
            batch = json.loads(admin.open(url).read())
            if batch["is_finished"]:
                break
            time.sleep(1)
        tail = log.read_text()[-4000:]
        assert batch["is_finished"], (batch, tail)
        assert batch["total"] and batch["done"] == batch["total"], (batch, tail)
        assert batch["failed"] == 0, (batch, tail)
    finally:
        # As a supervisor stops it: SIGTERM to bin/run alone, which stops its three processes.
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=40)
        finally:
            left = _processes_in_group(process.pid)
            with contextlib.suppress(ProcessLookupError):  # nothing should be left to kill
                os.killpg(process.pid, signal.SIGKILL)
    assert not left, "\n".join(left)


def _signed_in(
    port: int, username: str, password: str
) -> tuple[urllib.request.OpenerDirector, CookieJar]:
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{port}"
    page = opener.open(f"{base}/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token
    data = urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token[1]}
    ).encode()
    opener.open(
        urllib.request.Request(  # noqa: S310 (http://127.0.0.1 only)
            f"{base}/accounts/login/", data=data, headers={"Referer": f"{base}/accounts/login/"}
        )
    ).read()
    return opener, jar


def _latest_batch(opener: urllib.request.OpenerDirector, base: str) -> int:
    """The batch the publication started, as the batches page links it."""
    page = opener.open(f"{base}/usecases/estimates/batches/").read().decode()
    found = re.findall(r"estimates/batches/(\d+)/", page)
    assert found, page[:2000]
    return max(int(number) for number in found)


def _processes_in_group(group: int) -> list[str]:
    """Processes still in bin/run's process group (its session: started with a new one)."""
    listing = subprocess.run(["ps", "-eo", "pid,pgid,args"], capture_output=True, text=True).stdout
    left = []
    for line in listing.splitlines()[1:]:
        pid, pgid, args = line.split(None, 2)
        if int(pgid) == group and "ps -eo" not in args:
            left.append(f"{pid} {args}")
    return left
