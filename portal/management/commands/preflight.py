from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.utils import OperationalError


class Command(BaseCommand):
    help = "Check that the configured database answers; explain clearly when it does not."

    def handle(self, *args: Any, **options: Any) -> None:
        settings_dict = connection.settings_dict
        where = (
            settings_dict["NAME"]
            if connection.vendor == "sqlite"
            else f"{settings_dict.get('HOST') or 'localhost'}:{settings_dict.get('PORT') or 5432}"
            f"/{settings_dict['NAME']}"
        )
        try:
            connection.ensure_connection()
        except OperationalError as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise CommandError(
                f"DATABASE_URL: cannot connect to the {connection.vendor} database at {where}: "
                f"{reason}. Check DATABASE_URL, and that the database server is running."
            ) from None
        self.stdout.write(f"database: {connection.vendor} at {where} answers")
