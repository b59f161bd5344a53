"""What the register tells the apps that read it.

:data:`register_entry_changed` is sent inside the transaction of a change, with the ``entry``
and the names of the fields that ``changed``: the use cases (``usecases.apps``) recount the
guardrail findings and re-estimate the cases that name the entry. The register itself knows
nothing of them (dependencies point one way: usecases → policies → portal).
"""

from django.dispatch import Signal

register_entry_changed = Signal()
