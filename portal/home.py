"""The home page is each person's "what needs me" page, assembled from panels.

Each app contributes panels in its ``AppConfig.ready`` with :func:`register_panel`; a panel
provider returns ``None`` when it has nothing to say to this person.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest


@dataclass
class HomePanel:
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100


PanelProvider = Callable[[HttpRequest], HomePanel | None]
_PROVIDERS: list[PanelProvider] = []


def register_panel(provider: PanelProvider) -> PanelProvider:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    return provider


def panels_for(request: HttpRequest) -> list[HomePanel]:
    panels = [panel for provider in _PROVIDERS if (panel := provider(request)) is not None]
    return sorted(panels, key=lambda panel: panel.order)
