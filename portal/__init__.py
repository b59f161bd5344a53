"""The Django project and the shared app: settings, accounts, roles, the audit log, Celery."""

from portal.celery import app as celery_app

__all__ = ["celery_app"]
