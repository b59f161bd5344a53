from typing import Any

from django.core.management.base import BaseCommand

from portal.demo import DEMO_PASSWORD, DEMO_PEOPLE, seed_all
from portal.roles import Role


class Command(BaseCommand):
    help = "Fill the portal with a demo company (idempotent: run it as often as you like)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--quiet-accounts", action="store_true", help="Do not print accounts.")

    def handle(self, *args: Any, **options: Any) -> None:
        for summary in seed_all():
            self.stdout.write(f"  seeded: {summary}")
        if options["quiet_accounts"]:
            return
        labels = dict(Role.choices)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Demo accounts (password for all: {DEMO_PASSWORD})"))
        for person in DEMO_PEOPLE:
            roles = ", ".join(labels[role] for role in person.roles) or "Employee"
            self.stdout.write(f"  {person.username:<8} {roles:<24} {person.department}")
