"""Password sign-in from one address, whatever the username: paused after many failures.

django-axes pauses a username at an address after ``AXES_FAILURE_LIMIT`` failures; one address
trying many usernames (password spraying) is paused here, once its failures over all usernames
within ``AXES_COOLOFF_MINUTES`` reach ``SIGN_IN_ADDRESS_FAILURE_LIMIT`` (higher: one office
behind one address holds many honest people who mistype). The failures are axes' own records.
"""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone


def address_is_paused(request: HttpRequest) -> bool:
    address = get_client_ip_address(request)
    if not address:
        return False
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    failures = AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since).aggregate(
        total=Sum("failures_since_start")
    )["total"]
    return (failures or 0) >= settings.SIGN_IN_ADDRESS_FAILURE_LIMIT
