"""Load over HTTP: gunicorn started with the project's production command (``bin/web``), loaded
from a second process on loopback for a fixed, short time.

The load generator (``python -m bench.load URL``) keeps one HTTP/1.1 connection alive per
thread and records every request's latency; requests per second and p50/p95/p99 come from those.
It only ever talks to the loopback address it is given, and stops by itself.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.stats import percentile

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass
class LoadResult:
    name: str = ""
    path: str = ""
    seconds: float = 0.0
    connections: int = 0
    requests: int = 0
    errors: int = 0
    per_second: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def generate_load(
    url: str, *, cookie: str = "", seconds: float = 10.0, connections: int = 8
) -> LoadResult:
    """GET ``url`` from ``connections`` threads for ``seconds``; latencies of 2xx answers."""
    parts = urllib.parse.urlsplit(url)
    host, port = parts.hostname or "", parts.port or 80
    if host not in LOOPBACK:
        raise ValueError(f"the load generator only talks to loopback, not {host}")
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = {"Host": f"{host}:{port}", "Connection": "keep-alive"}
    if cookie:
        headers["Cookie"] = cookie
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    deadline = time.perf_counter() + seconds

    def worker(index: int) -> None:
        connection: http.client.HTTPConnection | None = None
        mine, failed = latencies[index], 0
        while time.perf_counter() < deadline:
            if connection is None:
                connection = http.client.HTTPConnection(host, port, timeout=30)
            begin = time.perf_counter()
            try:
                connection.request("GET", target, headers=headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                failed += 1
                connection.close()
                connection = None
                continue
            if 200 <= response.status < 300:
                mine.append((time.perf_counter() - begin) * 1000)
            else:
                failed += 1
            if response.will_close:
                connection.close()
                connection = None
        if connection is not None:
            connection.close()
        errors[index] = failed

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    merged = [value for each in latencies for value in each]
    return LoadResult(
        path=target,
        seconds=round(elapsed, 2),
        connections=connections,
        requests=len(merged),
        errors=sum(errors),
        per_second=round(len(merged) / elapsed, 1) if elapsed else 0.0,
        p50_ms=round(percentile(merged, 0.50), 2),
        p95_ms=round(percentile(merged, 0.95), 2),
        p99_ms=round(percentile(merged, 0.99), 2),
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        return [int(child) for child in text.split()]
    except OSError:
        return []


def _peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MB; 0 if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@dataclass
class MemoryWatch:
    """Samples the peak memory of gunicorn's workers (they may be recycled: max-requests)."""

    master: int
    peak_mb: float = 0.0
    workers_seen: set[int] = field(default_factory=set)
    _stop: threading.Event = field(default_factory=threading.Event)

    def sample(self) -> None:
        for child in _children(self.master):
            self.workers_seen.add(child)
            self.peak_mb = max(self.peak_mb, _peak_rss_mb(child))

    def run(self) -> None:
        while not self._stop.wait(0.25):
            self.sample()

    def stop(self) -> None:
        self.sample()
        self._stop.set()


@contextmanager
def gunicorn(env: dict[str, str], log: Path) -> Iterator[tuple[str, MemoryWatch]]:
    """``bin/web`` on a free loopback port with the benchmark's settings; yields its base URL
    and a watch on its workers' memory."""
    port = free_port()
    log.parent.mkdir(parents=True, exist_ok=True)
    full_env = {
        **os.environ,
        **env,
        "BIND": f"127.0.0.1:{port}",
        "DJANGO_SETTINGS_MODULE": "bench.settings",
    }
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - the project's own start command
            [str(ROOT / "bin" / "web")],
            cwd=ROOT,
            env=full_env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    watch = MemoryWatch(master=process.pid)
    thread = threading.Thread(target=watch.run, daemon=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({process.returncode}); see {log}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/bench/floor/")
                if connection.getresponse().status == 200:
                    connection.close()
                    break
                connection.close()
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer within 60 s; see {log}")
            time.sleep(0.3)
        thread.start()
        yield base, watch
    finally:
        watch.stop()
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def load_from_second_process(
    url: str, *, cookie: str, seconds: float, connections: int
) -> LoadResult:
    """Run the load generator in its own process (as a separate client would be)."""
    command = [
        sys.executable,
        "-m",
        "bench.load",
        url,
        "--seconds",
        str(seconds),
        "--connections",
        str(connections),
    ]
    env = {**os.environ, "BENCH_COOKIE": cookie}
    done = subprocess.run(  # noqa: S603 - our own module, our own arguments
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=seconds + 120
    )
    if done.returncode != 0:
        raise RuntimeError(f"the load generator failed: {done.stderr[-2000:]}")
    return LoadResult(**json.loads(done.stdout))


def fetch_once(url: str, cookie: str) -> tuple[int, int]:
    """One GET (status, bytes), for the warm-up sweep over every page."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port or 80, timeout=300)
    try:
        connection.request(
            "GET",
            parts.path + (f"?{parts.query}" if parts.query else ""),
            headers={"Cookie": cookie},
        )
        response = connection.getresponse()
        return response.status, len(response.read())
    finally:
        connection.close()


def main(argv: Sequence[str] | None = None, out: Callable[[str], Any] = print) -> None:
    parser = argparse.ArgumentParser(description="GET a loopback URL under load for a while.")
    parser.add_argument("url")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args(argv)
    result = generate_load(
        args.url,
        cookie=os.environ.get("BENCH_COOKIE", ""),
        seconds=args.seconds,
        connections=args.connections,
    )
    out(json.dumps(result.as_dict()))


if __name__ == "__main__":
    main()
