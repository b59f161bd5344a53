from django.apps import AppConfig


class UsecasesConfig(AppConfig):
    name = "usecases"
    verbose_name = "Use cases"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Home panels and demo data register themselves on import.
        from usecases import demo, home  # noqa: F401
