"""The audit log is append-only: the application and the database both refuse changes."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client

from portal.audit import audit_record
from portal.models import AuditEvent, AuditLogIsAppendOnly, Department, User


@pytest.fixture
def event(admin_user: User, department: Department) -> AuditEvent:
    return audit_record(
        actor=admin_user,
        action="department.renamed",
        obj=department,
        before={"name": "Support"},
        after={"name": "Customer Service"},
        comment="new name",
    )


@pytest.mark.django_db
def test_audit_record_stores_who_what_and_the_change(event: AuditEvent, admin_user: User) -> None:
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor == admin_user
    assert stored.actor_label == "alex"
    assert stored.action == "department.renamed"
    assert stored.object_type == "portal.department"
    assert stored.object_label == "Customer Service"
    assert stored.before == {"name": "Support"}
    assert stored.after == {"name": "Customer Service"}


@pytest.mark.django_db
def test_request_id_is_recorded_for_changes_made_in_a_request(
    client: Client, admin_user: User
) -> None:
    client.force_login(admin_user)
    response = client.get("/audit/", HTTP_X_REQUEST_ID="req-12345678")
    assert response["X-Request-ID"] == "req-12345678"
    malformed = client.get("/audit/", HTTP_X_REQUEST_ID="<script>")
    assert malformed["X-Request-ID"] != "<script>"


@pytest.mark.django_db
def test_an_event_cannot_be_changed_through_the_model(event: AuditEvent) -> None:
    event.comment = "rewritten"
    with pytest.raises(AuditLogIsAppendOnly):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).comment == "new name"


@pytest.mark.django_db
def test_an_event_cannot_be_deleted_through_the_model(event: AuditEvent) -> None:
    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db
def test_bulk_changes_are_refused(event: AuditEvent) -> None:
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(comment="rewritten")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).comment == "new name"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE portal_auditevent SET comment = 'rewritten' WHERE id = %s",
        "DELETE FROM portal_auditevent WHERE id = %s",
    ],
)
def test_the_database_refuses_changes_made_around_the_application(
    event: AuditEvent, statement: str
) -> None:
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).comment == "new name"


@pytest.mark.django_db
def test_admins_browse_and_filter_the_audit_log(
    client: Client, event: AuditEvent, admin_user: User, department: Department
) -> None:
    audit_record(actor=None, action="policy.published", obj=department)
    client.force_login(admin_user)
    everything = client.get("/audit/").content.decode()
    assert "department.renamed" in everything
    assert "policy.published" in everything
    filtered = client.get("/audit/", {"action": "department.renamed"}).content.decode()
    assert "department.renamed" in filtered
    assert "policy.published" not in filtered
    by_actor = client.get("/audit/", {"actor": "alex"}).content.decode()
    assert "department.renamed" in by_actor
    assert "policy.published" not in by_actor
    # A part of the username is enough (what the people picker fills in is the whole one).
    by_part = client.get("/audit/", {"actor": "le"}).content.decode()
    assert "department.renamed" in by_part
    assert "policy.published" not in by_part


def _rows(html: str) -> int:
    return (
        html.split("<tbody>", 1)[1].split("</tbody>", 1)[0].count("<tr>")
        if "<tbody>" in html
        else 0
    )


@pytest.mark.django_db
def test_audit_log_filters_by_event_type_in_words(
    client: Client, event: AuditEvent, admin_user: User
) -> None:
    client.force_login(admin_user)
    page = client.get("/audit/").content.decode()
    # The event picker offers the registered labels, the portal's and usecases' (AppConfig.ready).
    assert '<option value="department.renamed">Department renamed</option>' in page
    assert '<option value="usecase.rejected">Rejected</option>' in page
    assert '<option value="policy_version.published">Policy version published</option>' in page
    # The row says what happened in words, above the code.
    assert "Department renamed" in page.split("<tbody>", 1)[1]
    unknown = client.get("/audit/", {"action": "no.such_code"}).content.decode()
    assert "Select a valid choice" in unknown
    assert "nothing is shown" in unknown


def test_the_registry_has_one_label_per_code_and_a_readable_fallback() -> None:
    from portal.events import event_label, register_event_labels
    from usecases.portfolio.decisions import DECISION_LABELS

    # The decision log's labels are the registry's (registered from usecases' AppConfig.ready).
    for code, label in DECISION_LABELS.items():
        assert event_label(code) == label
    assert event_label("thing_kind.was_done") == "Thing kind: was done"
    assert event_label("lonely") == "Lonely"
    register_event_labels({"thing_kind.was_done": "A thing was done"})
    assert event_label("thing_kind.was_done") == "A thing was done"


@pytest.mark.django_db
def test_audit_log_filters_by_object_and_date_range(
    client: Client, event: AuditEvent, admin_user: User, department: Department
) -> None:
    client.force_login(admin_user)
    other = Department.objects.create(name="Legal")
    audit_record(actor=admin_user, action="department.created", obj=other)
    by_name = client.get("/audit/", {"object": "leg"}).content.decode()
    assert _rows(by_name) == 1 and "Legal" in by_name
    by_id = client.get("/audit/", {"object": str(department.pk)}).content.decode()
    assert _rows(by_id) == 1 and "department.renamed" in by_id
    day = event.created_at.date()
    inside = client.get("/audit/", {"since": str(day), "until": str(day)}).content.decode()
    assert _rows(inside) == 2
    next_year = str(day.replace(year=day.year + 1))
    later = client.get("/audit/", {"since": next_year}).content.decode()
    assert _rows(later) == 0 and "No events match" in later


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"since": "2026-05-02", "until": "2026-05-01"}, "The range ends (2026-05-01) before it"),
        ({"since": "2026-13-45"}, "Enter a valid date"),
        ({"until": "yesterday"}, "Enter a valid date"),
    ],
)
def test_a_bad_date_range_is_refused_in_words(
    client: Client, event: AuditEvent, admin_user: User, query: dict[str, str], message: str
) -> None:
    client.force_login(admin_user)
    response = client.get("/audit/", query)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "These filters could not be used" in page
    assert "No events match" not in page  # not an empty page that looks like an answer


def _change(field: str, before: str, after: str) -> str:
    return (
        f'<span class="fw-semibold">{field}</span>: '
        f'<span class="text-body-secondary">{before}</span> → {after}'
    )


@pytest.mark.django_db
def test_changes_show_as_a_before_after_list_not_json(
    client: Client, event: AuditEvent, admin_user: User, department: Department
) -> None:
    audit_record(
        actor=admin_user,
        action="person.roles_changed",
        obj=department,
        before={"roles": ["employee"], "is_active": True, "title": "same"},
        after={"roles": ["employee", "reviewer"], "is_active": False, "title": "same"},
    )
    client.force_login(admin_user)
    page = client.get("/audit/").content.decode()
    assert "{&#x27;" not in page and "{'" not in page  # no raw dicts
    assert _change("name", "Support", "Customer Service") in page
    assert _change("roles", "employee", "employee, reviewer") in page
    assert _change("is active", "yes", "no") in page
    assert "title</span>" not in page  # unchanged fields are left out


@pytest.mark.django_db
def test_the_people_picker_finds_people_by_name_or_username(
    client: Client, admin_user: User, cast: dict[str, User]
) -> None:
    User.objects.create_user("zoe.k", first_name="Zoë", last_name="Kowalski")
    client.force_login(admin_user)
    by_name = client.get("/audit/people/", {"q": "kowal"}).json()
    assert by_name == {"people": [{"username": "zoe.k", "name": "Zoë Kowalski"}]}
    by_username = client.get("/audit/people/", {"q": "ZOE"}).json()
    assert [person["username"] for person in by_username["people"]] == ["zoe.k"]
    assert client.get("/audit/people/", {"q": "z"}).json() == {"people": []}
    client.force_login(cast["employee"])
    assert client.get("/audit/people/", {"q": "kowal"}).status_code == 403


@pytest.mark.django_db
def test_the_people_picker_returns_at_most_ten(client: Client, admin_user: User) -> None:
    User.objects.bulk_create(User(username=f"many{index:03}") for index in range(30))
    client.force_login(admin_user)
    people = client.get("/audit/people/", {"q": "many"}).json()["people"]
    assert [person["username"] for person in people] == [f"many{index:03}" for index in range(10)]


@pytest.mark.django_db
def test_audit_log_page_costs_the_same_queries_for_many_events(
    client: Client, admin_user: User, department: Department
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(admin_user)

    def queries(params: dict[str, str]) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/audit/", params)
        assert response.status_code == 200
        return len(captured)

    audit_record(actor=admin_user, action="thing.done", obj=department, after={"n": 0})
    few = queries({}), queries({"actor": "alex", "object": "Supp", "page": "1"})
    for index in range(120):
        audit_record(
            actor=admin_user, action=f"thing.done{index}", obj=department, after={"n": index}
        )
    many = queries({}), queries({"actor": "alex", "object": "Supp", "page": "2"})
    assert few == many
    assert many[0] <= 8


@pytest.mark.django_db
@pytest.mark.parametrize("person", ["employee", "lead", "reviewer", "author", "approver"])
def test_only_admins_see_the_audit_log(client: Client, cast: dict[str, User], person: str) -> None:
    client.force_login(cast[person])
    response = client.get("/audit/")
    assert response.status_code == 403
    assert "You do not have access" in response.content.decode()


@pytest.mark.django_db
def test_the_admin_site_offers_no_way_to_change_or_delete_events(
    client: Client, event: AuditEvent, admin_user: User
) -> None:
    client.force_login(admin_user)
    assert client.get(f"/django-admin/portal/auditevent/{event.pk}/change/").status_code == 200
    assert client.get(f"/django-admin/portal/auditevent/{event.pk}/delete/").status_code == 403
    client.post(f"/django-admin/portal/auditevent/{event.pk}/change/", {"comment": "x"})
    assert AuditEvent.objects.get(pk=event.pk).comment == "new name"
