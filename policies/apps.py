from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "policies"
    verbose_name = "Policies and AI tools register"
    default_auto_field = "django.db.models.BigAutoField"
