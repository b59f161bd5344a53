"""What the portal tells the other apps (which listen in their ``ready``)."""

from django.dispatch import Signal

# A person joined, left or moved: sent inside the writing transaction with ``user``,
# ``department_before``, ``department_after`` (ids or None), ``active_before``, ``active_after``.
# policies keeps its compliance tally in step (the person counts in the new department from now).
person_moved = Signal()

# One department merged into another (``source_id``, ``into``), after every row pointing at the
# source was moved: policies recounts its compliance tally (kept per department id).
departments_merged = Signal()
