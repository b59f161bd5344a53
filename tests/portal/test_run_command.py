"""The README's run command, typed as written, serves the portal on the embedded default."""

from __future__ import annotations

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
        # The main pages answer on the embedded default too (SQLite, tasks in-process).
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
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
