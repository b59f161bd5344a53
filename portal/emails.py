"""The portal's emails: plain text from templates (``templates/<app>/email/``), with links made
by ``reverse()`` against the portal's address (``PORTAL_BASE_URL``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse


def portal_url(name: str, *args: Any, **kwargs: Any) -> str:
    """The full address of a page, for a link in an email."""
    return settings.PORTAL_BASE_URL + reverse(name, args=args or None, kwargs=kwargs or None)


def email_text(template: str, context: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) of ``<template>.txt``: its first line is the subject, the rest (after
    one blank line) the body. The templates escape nothing: this is plain text."""
    text = render_to_string(f"{template}.txt", context)
    subject, _, body = text.partition("\n\n")
    return " ".join(subject.split()), body
