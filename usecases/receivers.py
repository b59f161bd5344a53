"""What the use cases do when the register changes (connected in ``UsecasesConfig.ready``).

Each receiver calls a service: the entry's cases are re-estimated when its prices moved, and
their open guardrail findings recounted when its approval moved; both after the register's
transaction commits.
"""

from __future__ import annotations

from typing import Any

from policies.models import RegisterEntry
from usecases.estimates.services import estimates_after_price_change
from usecases.findings import open_findings_after_register_change


def register_entry_changed(*, entry: RegisterEntry, changed: list[str], **_: Any) -> None:
    estimates_after_price_change(entry=entry, changed=changed)
    open_findings_after_register_change(entry_id=entry.pk, changed=changed)
