"""Faults on purpose: our own Redis and PostgreSQL to stop and start, the production web process
(``bin/web``) and Celery workers (``bin/worker``) pointed at them, and a plain HTTP client.

The shared services (Redis on 6379, PostgreSQL on 5432) are never stopped: a fault test starts
its own instance on a free port and breaks that one.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psycopg2
import pytest
import redis
from celery import Celery
from django.conf import settings

from tests.services import (
    ROOT,
    missing_service,
    start_worker,
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition: Callable[[], bool], seconds: float, interval: float = 0.3) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


# --- Redis ----------------------------------------------------------------------------------


class OwnRedis:
    """A redis-server of the test's own, without persistence: stop it, start it on the same port."""

    def __init__(self, executable: str, log_dir: Path) -> None:
        self.executable = executable
        self.port = free_port()
        self.log = log_dir / f"redis-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def answers(self) -> bool:
        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def start(self) -> None:
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [
                    *(self.executable, "--port", str(self.port), "--bind", "127.0.0.1"),
                    *("--save", "", "--appendonly", "no", "--daemonize", "no"),
                ],
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if not wait_for(self.answers, 20, interval=0.1):
            pytest.fail(f"our own redis-server did not start:\n{self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # --save "": exits without writing anything
            self.process.wait(timeout=20)
        self.process = None


def redis_server_executable() -> str:
    executable = shutil.which("redis-server")
    if executable is None:
        missing_service("redis-server is not installed (the fault tests start their own Redis)")
    return str(executable)


# --- PostgreSQL -----------------------------------------------------------------------------


class OwnPostgres:
    """A PostgreSQL cluster of the test's own (trust authentication, 127.0.0.1, a free port).

    As root the server runs as the ``postgres`` OS user: ``initdb`` refuses to run as root.
    """

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="portal-fault-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.as_owner: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, user="postgres", group="postgres")
            self.as_owner = ["runuser", "-u", "postgres", "--"]

    def _pg(self, program: str, *args: str) -> None:
        command = [*self.as_owner, str(self.bin_dir / program), *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            server_log = self.log.read_text()[-2000:] if self.log.exists() else ""
            pytest.fail(f"{program} {args[-1]} failed:\n{done.stdout}{done.stderr}\n{server_log}")

    def _options(self) -> str:
        return f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"

    def init(self) -> None:
        self._pg("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        data, log, options = str(self.data), str(self.log), self._options()
        self._pg("pg_ctl", "-D", data, "-l", log, "-w", "-o", options, "start")

    def stop(self) -> None:
        self._pg("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def restart(self) -> None:
        data, log, options = str(self.data), str(self.log), self._options()
        self._pg("pg_ctl", "-D", data, "-l", log, "-m", "fast", "-w", "-o", options, "restart")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def create_database(self, name: str) -> str:
        connection = psycopg2.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres"
        )
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        connection.close()
        return self.url(name)

    def remove(self) -> None:
        if self.running():
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def postgres_bin_dir() -> Path:
    """Where ``initdb`` and ``pg_ctl`` are (Debian keeps them out of PATH)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: [int(part) for part in re.findall(r"\d+", Path(path).parts[4])],
    )
    initdb = found[-1] if found else shutil.which("initdb")
    if initdb is None:
        missing_service("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    return Path(str(initdb)).parent


def manage(*args: str, database_url: str | None = None, timeout: float = 300) -> str:
    """Run ``python manage.py ...`` (against ``database_url`` if given); returns its output."""
    env = {**os.environ, **({"DATABASE_URL": database_url} if database_url else {})}
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"manage.py {args[0]} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


# --- The web process ------------------------------------------------------------------------


def static_files_collected() -> None:
    """Production's manifest storage needs ``collectstatic`` (``bin/test`` and the image run it)."""
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        manage("collectstatic", "--noinput", "-v0")


class WebProcess:
    """``bin/web`` (gunicorn, the production start command) on a free port."""

    def __init__(self, log_dir: Path, **env: str) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = log_dir / f"web-{self.port}.log"
        self.env = {
            **os.environ,
            "BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": "1",
            "WEB_THREADS": "4",
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        static_files_collected()
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [str(ROOT / "bin" / "web")],
                cwd=ROOT,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"bin/web exited ({self.process.returncode}):\n{self.log_tail()}")
            try:
                urllib.request.urlopen(f"{self.base_url}/healthz", timeout=5).close()  # noqa: S310
                return
            except urllib.error.HTTPError:
                return  # it answers (503 while a dependency is down)
            except OSError:
                time.sleep(0.3)
        pytest.fail(f"bin/web did not answer within 60 s:\n{self.log_tail()}")

    def process_ids(self) -> set[int]:
        """The gunicorn master and its workers: the same set means nothing was restarted."""
        assert self.process is not None and self.process.poll() is None, self.log_tail()
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return {self.process.pid, *(int(pid) for pid in children.read_text().split())}

    def log_tail(self, size: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-size:] if self.log.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


@dataclass
class Reply:
    status: int
    headers: Message
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an answer to look at, not to follow


class PortalClient:
    """Plain HTTP against a running portal, with a cookie jar (like a browser without scripts)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _KeepRedirects()
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> Reply:
        url = self.base_url + path  # always http://127.0.0.1:<port>/...
        request = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return Reply(response.status, response.headers, response.read().decode())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.headers, error.read().decode(errors="replace"))

    def get(self, path: str, accept: str = "text/html") -> Reply:
        return self.request("GET", path, headers={"Accept": accept})

    def post_form(self, path: str, fields: dict[str, str]) -> Reply:
        return self.request(
            "POST",
            path,
            body=urlencode(fields).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": self.base_url + path,
            },
        )

    def post_json(self, path: str, data: Any, token: str) -> Reply:
        return self.request(
            "POST",
            path,
            body=json.dumps(data).encode(),
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Authorization": f"Bearer {token}",
            },
        )

    def sign_in(self, username: str, password: str) -> None:
        page = self.get("/accounts/login/")
        assert page.status == 200, page.body[-2000:]
        fields = {**hidden_fields(page.body), "username": username, "password": password}
        reply = self.post_form("/accounts/login/", fields)
        assert reply.status == 302, f"sign-in failed ({reply.status}):\n{reply.body[-2000:]}"


def hidden_fields(html: str, action: str = "") -> dict[str, str]:
    """The hidden inputs of the first form whose action contains ``action``."""
    for form in re.findall(r"<form\b(.*?)</form>", html, flags=re.S):
        opening = form.split(">", 1)[0]
        if action and action not in opening:
            continue
        fields = {}
        for tag in re.findall(r"<input\b[^>]*>", form):
            if 'type="hidden"' in tag:
                name = re.search(r'name="([^"]*)"', tag)
                value = re.search(r'value="([^"]*)"', tag)
                if name:
                    fields[name[1]] = value[1] if value else ""
        return fields
    raise AssertionError(f"no form with action {action!r} on the page")


# --- Workers on our own broker --------------------------------------------------------------


@contextmanager
def celery_on(broker_url: str) -> Iterator[Celery]:
    """A Celery client configured like the portal's, on another broker.

    Not the portal's app with ``connection=``: its control commands publish through the app's
    own producer pool, that is on the suite's broker, whatever connection is passed.
    """
    client = Celery("fault-client", set_as_current=False)
    client.config_from_object("django.conf:settings", namespace="CELERY")
    client.conf.update(broker_url=broker_url)
    try:
        yield client
    finally:
        client.close()


def workers_answering(broker_url: str) -> list[str]:
    """Names of the workers that answer a ping through ``broker_url`` within a second."""
    with celery_on(broker_url) as client:
        replies = client.control.ping(timeout=1.0)
    return sorted(name for reply in replies or [] for name in reply)


def start_worker_on(
    broker_url: str, log_dir: Path, **extra_env: str
) -> tuple[subprocess.Popen[bytes], str, Path]:
    """``bin/worker`` on ``broker_url`` (the test database unless DATABASE_URL is given)."""
    return start_worker(
        log_dir,
        broker_url=broker_url,
        answers=lambda hostname: hostname in workers_answering(broker_url),
        prefix="fault",
        **extra_env,
    )


def send_through(broker_url: str, task_name: str, *args: Any) -> None:
    """Publish a task on ``broker_url`` by name, as beat or the web process would."""
    with celery_on(broker_url) as client:
        client.send_task(task_name, args=args)
