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
    filtered = client.get("/audit/", {"action": "department"}).content.decode()
    assert "department.renamed" in filtered
    assert "policy.published" not in filtered
    by_actor = client.get("/audit/", {"actor": "alex"}).content.decode()
    assert "department.renamed" in by_actor
    assert "policy.published" not in by_actor


@pytest.mark.django_db
def test_audit_log_page_costs_the_same_queries_for_many_events(
    client: Client, admin_user: User, department: Department, django_assert_max_num_queries
) -> None:
    for index in range(60):
        audit_record(actor=admin_user, action=f"thing.done{index}", obj=department)
    client.force_login(admin_user)
    with django_assert_max_num_queries(8):
        response = client.get("/audit/")
    assert response.status_code == 200


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
