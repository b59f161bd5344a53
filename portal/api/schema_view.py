"""The OpenAPI schema, generated once per process under a lock.

drf-spectacular loads its extensions lazily, mutating class attributes as it goes; concurrent
first requests on a fresh process raced there and answered 500. The schema depends only on the
code (it is public, the same for everyone), so it is built once, by one thread, and kept.
"""

from __future__ import annotations

import threading
from typing import Any

from drf_spectacular.views import SpectacularAPIView
from rest_framework.request import Request
from rest_framework.response import Response

_lock = threading.Lock()
_schemas: dict[str | None, Any] = {}


class SchemaView(SpectacularAPIView):
    def _get_schema_response(self, request: Request) -> Response:
        version = self.api_version or request.version or self._get_version_parameter(request)
        with _lock:
            if version not in _schemas:
                generator = self.generator_class(
                    urlconf=self.urlconf, api_version=version, patterns=self.patterns
                )
                _schemas[version] = generator.get_schema(request=request, public=self.serve_public)
        filename = self._get_filename(request, version)
        return Response(
            data=_schemas[version],
            headers={"Content-Disposition": f'inline; filename="{filename}"'},
        )
