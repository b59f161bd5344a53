"""Reachability of the parts the portal depends on, as reported by ``/healthz``."""

from __future__ import annotations

from dataclasses import dataclass

import redis
from django.conf import settings
from django.db import connection
from django.db.utils import DatabaseError

from portal.celery import app as celery_app


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return Check("database", False, f"unreachable: {type(exc).__name__}")
    return Check("database", True, connection.vendor)


def check_redis() -> Check:
    if not settings.REDIS_URL:
        return Check("redis", True, "not configured: the broker is kept in files (embedded)")
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
        client.ping()
    except redis.RedisError as exc:
        return Check("redis", False, f"unreachable: {type(exc).__name__}")
    return Check("redis", True, "answers")


def check_worker(redis_check: Check) -> Check:
    if settings.REDIS_URL and not redis_check.ok:
        return Check("worker", False, "unknown: the broker (Redis) is unreachable")
    try:
        with celery_app.connection_for_write(
            settings.CELERY_BROKER_URL,
            transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        ) as broker:
            replies = celery_app.control.ping(timeout=1.0, connection=broker)
    except Exception as exc:  # the broker can fail in many ways; report, never crash healthz
        return Check("worker", False, f"unreachable: {type(exc).__name__}")
    if not replies:
        return Check("worker", False, "no Celery worker answered within 1 second")
    return Check("worker", True, f"{len(replies)} worker(s) answered")


def run_checks() -> list[Check]:
    database = check_database()
    redis_check = check_redis()
    return [database, redis_check, check_worker(redis_check)]
