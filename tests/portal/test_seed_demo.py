"""The demo company: idempotent, one person per role, every printed account signs in."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from portal.demo import DEMO_PASSWORD, DEMO_PEOPLE
from portal.models import Department, User
from portal.roles import Role, roles_of


@pytest.mark.django_db
def test_seed_demo_is_idempotent() -> None:
    call_command("seed_demo", "--quiet-accounts")
    counts = (User.objects.count(), Department.objects.count())
    call_command("seed_demo", "--quiet-accounts")
    assert (User.objects.count(), Department.objects.count()) == counts
    assert counts[0] == len(DEMO_PEOPLE)


@pytest.mark.django_db
def test_seed_demo_has_a_person_for_every_role() -> None:
    call_command("seed_demo", "--quiet-accounts")
    held = {role for user in User.objects.all() for role in roles_of(user)}
    assert held == set(Role.values)


@pytest.mark.django_db
def test_every_printed_account_signs_in(capsys) -> None:
    call_command("seed_demo")
    printed = capsys.readouterr().out
    assert DEMO_PASSWORD in printed
    for person in DEMO_PEOPLE:
        assert person.username in printed
        client = Client()
        response = client.post(
            "/accounts/login/", {"username": person.username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, person.username
