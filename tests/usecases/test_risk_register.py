"""The NIST register ranks: score and band, residual risk after the mitigation, the owner a
person of the directory; through the service, the pages and the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from portal.boundary import Refused
from portal.models import AuditEvent, User
from usecases import services
from usecases.inputs import RiskRegister
from usecases.models import RiskEntry, UseCase
from usecases.risk import RiskBand, risk_band

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (1, RiskBand.LOW),
        (4, RiskBand.LOW),
        (5, RiskBand.MEDIUM),
        (9, RiskBand.MEDIUM),
        (10, RiskBand.HIGH),
        (16, RiskBand.HIGH),
        (20, RiskBand.CRITICAL),
        (25, RiskBand.CRITICAL),
    ],
)
def test_every_score_falls_in_its_band(score: int, band: RiskBand) -> None:
    assert risk_band(score) == band


def test_a_score_outside_the_matrix_is_refused() -> None:
    with pytest.raises(ValueError, match="1 to 25"):
        risk_band(0)


def _save(case: UseCase, by: User, *rows: dict[str, Any]) -> UseCase:
    return services.usecase_risk_register_save(
        usecase=case, by=by, data=RiskRegister.parse(rows=list(rows))
    )


def test_the_owner_is_a_person_and_the_residual_is_kept(
    in_review: UseCase, reviewer: User, second_reviewer: User
) -> None:
    _save(
        in_review,
        reviewer,
        {
            "risk": "confabulation",
            "likelihood": 4,
            "severity": 4,
            "residual_likelihood": 2,
            "residual_severity": 3,
            "mitigation": "A person checks every answer.",
            "owner": second_reviewer.username.upper(),  # usernames match whatever the case
        },
    )
    entry = in_review.risks.get()
    assert entry.owner == second_reviewer
    assert (entry.score, entry.band) == (16, RiskBand.HIGH)
    assert (entry.residual_score, entry.residual_band) == (6, RiskBand.MEDIUM)
    event = AuditEvent.objects.filter(action="usecase.risks_updated").latest("pk")
    assert event.after is not None
    assert event.after["confabulation"] == {
        "likelihood": 4,
        "severity": 4,
        "score": 16,
        "band": "high",
        "residual": 6,
        "owner": second_reviewer.username,
        "status": "open",
    }


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ({"owner": "nobody-here"}, "confabulation.owner", "nobody active has the username"),
        (
            {"residual_likelihood": 4, "residual_severity": 1},
            "confabulation.residual_likelihood",
            "cannot be above the likelihood (3)",
        ),
        (
            {"residual_likelihood": 1, "residual_severity": 3},
            "confabulation.residual_severity",
            "cannot be above the severity (2)",
        ),
        ({"residual_likelihood": 1}, "confabulation", "Rate both the residual"),
    ],
)
def test_a_bad_row_is_refused_in_words_and_nothing_changes(
    in_review: UseCase, reviewer: User, row: dict[str, Any], field: str, words: str
) -> None:
    _save(in_review, reviewer, {"risk": "cbrn", "likelihood": 1, "severity": 1})
    version = UseCase.objects.get(pk=in_review.pk).version
    with pytest.raises(Refused) as refused:
        _save(
            in_review,
            reviewer,
            {"risk": "confabulation", "likelihood": 3, "severity": 2, **row},
        )
    assert words in " ".join(refused.value.errors[field])
    assert list(in_review.risks.values_list("risk", flat=True)) == ["cbrn"]
    assert UseCase.objects.get(pk=in_review.pk).version == version


def test_a_leaver_cannot_own_a_risk(in_review: UseCase, reviewer: User, employee: User) -> None:
    User.objects.filter(pk=employee.pk).update(is_active=False)
    with pytest.raises(Refused) as refused:
        _save(
            in_review,
            reviewer,
            {"risk": "cbrn", "likelihood": 1, "severity": 1, "owner": employee.username},
        )
    assert "cbrn.owner" in refused.value.errors
    assert not in_review.risks.exists()


def test_the_database_refuses_a_residual_above_the_risk(in_review: UseCase, reviewer: User) -> None:
    _save(in_review, reviewer, {"risk": "cbrn", "likelihood": 2, "severity": 2})
    with pytest.raises(IntegrityError), transaction.atomic():
        RiskEntry.objects.filter(usecase=in_review).update(
            residual_likelihood=3, residual_severity=1
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        RiskEntry.objects.filter(usecase=in_review).update(residual_likelihood=1)


THREE = (
    {"risk": "cbrn", "likelihood": 1, "severity": 2},
    {"risk": "confabulation", "likelihood": 5, "severity": 4},
    {"risk": "data_privacy", "likelihood": 3, "severity": 3},
)


def test_the_case_page_ranks_the_register_with_bands_and_owner_names(
    in_review: UseCase, reviewer: User, second_reviewer: User
) -> None:
    _save(in_review, reviewer, *THREE[:2], {**THREE[2], "owner": second_reviewer.username})
    client = Client()
    client.force_login(reviewer)
    page = client.get(reverse("usecases:detail", args=[in_review.reference])).content.decode()
    table = page[page.index('data-testid="risk-table"') :]
    table = table[: table.index("</table>")]
    order = [table.index(label) for label in ("Confabulation", "Data privacy", "CBRN")]
    assert order == sorted(order), "worst first: 20, 9, 2"
    assert "20 · Critical" in table and "9 · Medium" in table and "2 · Low" in table
    assert second_reviewer.display_name in table


def test_the_register_page_lists_the_worst_first_and_shows_an_unknown_owner_beside_it(
    in_review: UseCase, reviewer: User
) -> None:
    _save(in_review, reviewer, *THREE)
    client = Client()
    client.force_login(reviewer)
    url = reverse("usecases:risks", args=[in_review.reference])
    page = client.get(url)
    assert page.status_code == 200
    rows = page.context["rows"]
    assert [row["risk"].value for row in rows[:3]] == ["confabulation", "data_privacy", "cbrn"]
    assert len(rows) == 12
    form = {
        "risk-TOTAL_FORMS": "12",
        "risk-INITIAL_FORMS": "12",
        "risk-MIN_NUM_FORMS": "0",
        "risk-MAX_NUM_FORMS": "12",
    }
    for n, row in enumerate(rows):
        form[f"risk-{n}-risk"] = row["risk"].value
        form[f"risk-{n}-status"] = "open"
    form.update(
        {
            "risk-0-likelihood": "4",
            "risk-0-severity": "4",
            "risk-0-owner": "somebody-unknown",
            "risk-0-mitigation": "Typed before the mistake, kept after it.",
        }
    )
    answer = client.post(url, form)
    assert answer.status_code == 200
    shown = answer.content.decode()
    assert "nobody active has the username" in shown
    assert "Typed before the mistake, kept after it." in shown  # nothing typed is lost
    assert in_review.risks.count() == 3  # nothing saved
    form["risk-0-owner"] = reviewer.username
    form["risk-0-residual_likelihood"] = "2"
    form["risk-0-residual_severity"] = "2"
    assert client.post(url, form).status_code == 302
    saved = in_review.risks.get()
    assert (saved.risk, saved.owner, saved.residual_score) == ("confabulation", reviewer, 4)


def test_the_api_ranks_the_register_and_names_owners(
    in_review: UseCase, reviewer: User, second_reviewer: User
) -> None:
    client = APIClient()
    client.force_authenticate(reviewer)
    url = f"/api/v1/usecases/{in_review.reference}/risk-register/"
    rows = [*THREE[:2], {**THREE[2], "owner": second_reviewer.username}]
    rows[1] = {**rows[1], "residual_likelihood": 2, "residual_severity": 2}
    answer = client.put(url, rows, format="json")
    assert answer.status_code == 200, answer.content
    listed = client.get(url).json()
    assert [r["risk"] for r in listed] == ["confabulation", "data_privacy", "cbrn"]
    assert (listed[0]["score"], listed[0]["band"]) == (20, "critical")
    assert (listed[0]["residual_score"], listed[0]["residual_band"]) == (4, "low")
    assert (listed[1]["owner"], listed[1]["owner_name"]) == (
        second_reviewer.username,
        second_reviewer.display_name,
    )
    assert listed[2]["owner"] is None and listed[2]["residual_score"] is None
    bad = client.put(url, [{**THREE[0], "owner": "who-is-this"}], format="json")
    assert bad.status_code == 400
    assert "who-is-this" in bad.content.decode()
    assert in_review.risks.count() == 3


def test_the_owner_picker_suggests_active_people_to_reviewers_only(
    reviewer: User, employee: User, lead: User
) -> None:
    url = reverse("usecases:risk-owners")
    client = Client()
    client.force_login(reviewer)
    found = client.get(url, {"q": employee.first_name[:3]}).json()["people"]
    assert employee.username in [person["username"] for person in found]
    assert client.get(url, {"q": "e"}).json() == {"people": []}  # two letters at least
    User.objects.filter(pk=employee.pk).update(is_active=False)
    found = client.get(url, {"q": employee.username}).json()["people"]
    assert employee.username not in [person["username"] for person in found]
    other = Client()
    other.force_login(lead)
    assert other.get(url, {"q": "ri"}).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_owners_typed_before_the_directory_become_people_or_stay_in_the_mitigation(
    reviewer: User, lead: User
) -> None:
    """The migration: an owner that names an account becomes that person; text that names
    nobody is kept in the mitigation, so nothing written is lost."""
    before = [("usecases", "0012_task_kind")]
    after = [("usecases", "0013_risk_residual_and_owner")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        department = old.get_model("portal", "Department").objects.create(name="Old ways")
        case = old.get_model("usecases", "UseCase").objects.create(
            title="Old register", submitter_id=lead.pk, department=department
        )
        entries = old.get_model("usecases", "RiskEntry").objects
        full_name = f"{reviewer.first_name} {reviewer.last_name}".upper()
        entries.create(usecase=case, risk="cbrn", likelihood=1, severity=1, owner=full_name)
        entries.create(
            usecase=case,
            risk="confabulation",
            likelihood=2,
            severity=2,
            owner="Ops team",
            mitigation="Checked by a person.",
        )
        entries.create(usecase=case, risk="data_privacy", likelihood=1, severity=1, owner="")
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert after[0] in MigrationExecutor(connection).loader.applied_migrations
    risks = {entry.risk: entry for entry in RiskEntry.objects.filter(usecase__title="Old register")}
    assert risks["cbrn"].owner == reviewer
    assert risks["confabulation"].owner is None
    assert risks["confabulation"].mitigation == (
        "Checked by a person.\nOwner before the directory: Ops team"
    )
    assert risks["data_privacy"].owner is None and risks["data_privacy"].mitigation == ""
