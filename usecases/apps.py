from django.apps import AppConfig


class UsecasesConfig(AppConfig):
    name = "usecases"
    verbose_name = "Use cases"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Home panels, demo data and the use cases' search scope register themselves on import.
        from policies.register.signals import register_entry_changed
        from usecases import demo, home, receivers, search  # noqa: F401
        from usecases.portfolio.decisions import register_labels

        register_labels()  # the decision log's and the audit log's words (portal.events)

        register_entry_changed.connect(
            receivers.register_entry_changed, dispatch_uid="usecases.register_entry_changed"
        )
