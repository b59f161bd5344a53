from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.boundary import Refused
from portal.models import BearerToken
from portal.tokens import token_create


class Command(BaseCommand):
    help = (
        "Make a SCIM token for the company's directory (Entra ID, Okta) and print it, alone, "
        "as the last line: it is shown once and stored only as a hash."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="What the token is for, e.g. 'Entra ID'.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            token, secret = token_create(
                kind=BearerToken.Kind.SCIM,
                name=options["name"],
                by=None,
                actor_label="manage.py scim_token",
            )
        except Refused as refusal:
            raise CommandError(str(refusal)) from None
        self.stdout.write(
            f"SCIM token “{token.name}” made; give it to the directory as the bearer token of "
            "/scim/v2/. It is not shown again:"
        )
        self.stdout.write(secret)
