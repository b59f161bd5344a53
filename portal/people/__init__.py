"""People: who they are and where they come from (single sign-on now; the directory next)."""
