"""What other apps show on a person's page (what they owe, their cases): each app registers a
provider in its ``AppConfig.ready``; the portal never imports them (dependencies point one way)."""

from __future__ import annotations

from collections.abc import Callable

from portal.home import HomePanel
from portal.models import User

PersonPanelProvider = Callable[[User], HomePanel | None]
_PROVIDERS: list[PersonPanelProvider] = []


def register_person_panel(provider: PersonPanelProvider) -> PersonPanelProvider:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    return provider


def person_panels(person: User) -> list[HomePanel]:
    panels = [panel for provider in _PROVIDERS if (panel := provider(person)) is not None]
    return sorted(panels, key=lambda panel: panel.order)
