from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "policies"
    verbose_name = "Policies and AI tools register"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Home panels, demo data and periodic tasks register themselves on import.
        from policies import demo, home, receivers  # noqa: F401
        from policies.pending import EVENT_LABELS
        from portal.events import register_event_labels

        register_event_labels(EVENT_LABELS)
        from policies.register import demo as register_demo  # noqa: F401
        from policies.search import seed_search_index
        from portal.demo import register_demo_step

        register_demo_step(seed_search_index)  # last: indexes what the steps above added
        from portal.signals import departments_merged, person_moved

        person_moved.connect(receivers.person_moved, dispatch_uid="policies.person_moved")
        departments_merged.connect(
            receivers.departments_merged, dispatch_uid="policies.departments_merged"
        )
