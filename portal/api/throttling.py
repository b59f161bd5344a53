"""The API's rate limits, which never take the API down with the cache.

DRF counts requests in the cache (Redis on the full stack). When Redis is unreachable the count
cannot be read or written; refusing every request then would turn a broker outage into an API
outage, so the request is let through and the lapse is logged.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from redis.exceptions import RedisError
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

if TYPE_CHECKING:  # rest_framework.views loads the throttles named in the settings
    from rest_framework.request import Request
    from rest_framework.views import APIView

logger = logging.getLogger(__name__)


class _AllowedWhenTheCacheIsDown(SimpleRateThrottle):
    def allow_request(self, request: Request, view: APIView) -> bool:
        try:
            return super().allow_request(request, view)
        except RedisError as error:
            logger.warning(
                "API rate limit (%s) not checked: the cache is unreachable (%s)",
                self.scope,
                type(error).__name__,
            )
            return True


class PortalAnonRateThrottle(_AllowedWhenTheCacheIsDown, AnonRateThrottle):
    """``API_THROTTLE_ANON`` per client address."""


class PortalUserRateThrottle(_AllowedWhenTheCacheIsDown, UserRateThrottle):
    """``API_THROTTLE_USER`` per signed-in person."""
