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


@pytest.mark.django_db
def test_demo_compliance_figures_count_the_demo_acknowledgements() -> None:
    """The dashboard's tally after seeding equals a recount from the acknowledgements."""
    from policies.models import AcknowledgementTally
    from policies.selectors import compliance_overview
    from policies.services import acknowledgement_tally_rebuild

    call_command("seed_demo", "--quiet-accounts")
    kept = sorted(
        AcknowledgementTally.objects.values_list("policy", "department_key", "acknowledged")
    )
    acknowledged = {report.policy.slug: report.acknowledged for report in compliance_overview()}
    assert acknowledged["our-stance-on-generative-ai"] == 2  # rita and alex read version 2
    assert acknowledged["acceptable-use-of-generative-ai"] == 4  # the minor change kept them
    acknowledgement_tally_rebuild()
    assert (
        sorted(AcknowledgementTally.objects.values_list("policy", "department_key", "acknowledged"))
        == kept
    )
