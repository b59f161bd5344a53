"""The Celery application, configured from Django settings (``CELERY_*``).

Every task inherits :class:`PortalTask`: late acknowledgement (a killed worker's task runs again),
and retries with exponential backoff on transient errors (the database or the broker briefly
unreachable). Without ``REDIS_URL`` the broker is a folder (kombu's filesystem transport).
"""

from __future__ import annotations

import os

from celery import Celery, Task

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")


def _transient_errors() -> tuple[type[BaseException], ...]:
    from django.db.utils import InterfaceError, OperationalError
    from kombu.exceptions import OperationalError as BrokerError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return (OperationalError, InterfaceError, BrokerError, RedisConnectionError, RedisTimeoutError)


class PortalTask(Task):
    acks_late = True
    reject_on_worker_lost = True
    autoretry_for = _transient_errors()
    retry_backoff = 2
    retry_backoff_max = 300
    retry_jitter = True
    max_retries = 6


app = Celery("portal", task_cls=PortalTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
