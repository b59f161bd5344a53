"""What each kind of audit event is called, in words: one registry every app adds its labels to.

The portal does not know the apps above it (dependencies go usecases → policies → portal), so
each app registers the labels of the events it writes, from its ``AppConfig.ready``. The audit
log and the decision log both read them from here; a code nobody registered still reads as
words (:func:`event_label`'s fallback), never as a bare code.
"""

from __future__ import annotations

from collections.abc import Mapping

_LABELS: dict[str, str] = {}


def register_event_labels(labels: Mapping[str, str]) -> None:
    """Add (or replace) the labels of some event codes (``"policy_version.published"``)."""
    _LABELS.update({str(code): str(label) for code, label in labels.items()})


def event_label(code: str) -> str:
    """``code`` in words: its registered label, or the code made readable
    (``"department.merged"`` → "Department: merged")."""
    if code in _LABELS:
        return _LABELS[code]
    subject, _, verb = code.partition(".")
    subject = subject.replace("_", " ").strip().capitalize()
    verb = verb.replace("_", " ").replace(".", " ").strip()
    return f"{subject}: {verb}" if verb else subject or "—"


def event_choices() -> list[tuple[str, str]]:
    """Every registered code with its label, sorted by label (the audit log's event picker)."""
    return sorted(_LABELS.items(), key=lambda item: (item[1].lower(), item[0]))


# The portal's own events (people, departments, tokens, imports, directory groups).
register_event_labels(
    {
        "department.created": "Department created",
        "department.renamed": "Department renamed",
        "department.merged": "Departments merged",
        "person.provisioned": "Person provisioned (SCIM)",
        "person.deprovisioned": "Person deprovisioned (SCIM)",
        "person.updated": "Person changed",
        "person.imported": "Person imported",
        "person.roles_changed": "Roles changed",
        "person.unlocked": "Sign-in lockout cleared",
        "person.sso_created": "Person created at single sign-on",
        "person.sso_updated": "Person updated at single sign-on",
        "person_import.uploaded": "Import uploaded",
        "person_import.started": "Import started",
        "person_import.applied": "Import applied",
        "token.created": "API token created",
        "token.revoked": "API token revoked",
        "directory_group.created": "Directory group mapped",
        "directory_group.mapped": "Directory group mapping changed",
        "directory_group.deleted": "Directory group mapping removed",
    }
)
