"""The register's pages per role: the lookup, an entry, adding and editing."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from policies.models import Policy, PolicyCategory, RegisterEntry
from portal.models import AuditEvent, User


def make_entry(**fields: Any) -> RegisterEntry:
    name = fields.pop("name", "Acme Chat")
    defaults: dict[str, Any] = {
        "slug": name.lower().replace(" ", "-"),
        "vendor": "Acme",
        "kind": "chat_assistant",
        "status": "approved",
        "max_data_classification": "internal",
    }
    return RegisterEntry.objects.create(name=name, **{**defaults, **fields})


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


FORM = {
    "name": "Acme Coder",
    "vendor": "Acme",
    "kind": "coding_assistant",
    "status": "approved",
    "max_data_classification": "confidential",
    "training_data_disclosure": "partial",
    "indemnity": "yes",
    "price_per_million_input_tokens": "",
    "price_per_million_output_tokens": "",
    "prices_checked_on": "",
    "conditions_of_use": "Keep the public-code filter on.",
}


@pytest.mark.django_db
def test_anonymous_people_are_sent_to_sign_in() -> None:
    response = Client().get("/tools/?tool=acme-chat&data=internal")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/tools/")


@pytest.mark.django_db
def test_employee_sees_a_plain_yes(employee: User) -> None:
    make_entry()
    response = signed_in(employee).get("/tools/", {"tool": "acme-chat", "data": "internal"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-verdict="yes"' in body
    assert "Yes: Acme Chat is approved for internal data." in body


@pytest.mark.django_db
def test_no_answer_explains_and_suggests_tools_that_may_take_the_data(employee: User) -> None:
    make_entry()
    make_entry(name="Safe Model", max_data_classification="restricted")
    make_entry(name="Banned Bot", status="prohibited", max_data_classification="restricted")
    response = signed_in(employee).get("/tools/", {"tool": "acme-chat", "data": "confidential"})
    body = response.content.decode()
    assert 'data-verdict="no"' in body
    assert "approved for internal data at most, and confidential data is more sensitive" in body
    assert "Use one of these instead (of the same kind, Chat assistant, approved for" in body
    assert "/tools/?tool=safe-model&amp;data=confidential" in body
    assert "?tool=banned-bot" not in body


@pytest.mark.django_db
def test_alternatives_are_of_the_kind_asked_about_the_same_vendor_first(employee: User) -> None:
    make_entry(name="Acme Coder", kind="coding_assistant", max_data_classification="public")
    make_entry(
        name="Beta Coder",
        vendor="Beta",
        kind="coding_assistant",
        max_data_classification="confidential",
    )
    make_entry(
        name="Acme Coder Enterprise",
        kind="coding_assistant",
        max_data_classification="confidential",
        status="restricted",
    )
    make_entry(
        name="Able API", vendor="Able", kind="api_model", max_data_classification="restricted"
    )
    make_entry(
        name="Under Review Coder",
        vendor="Acme",
        kind="coding_assistant",
        status="under_review",
        max_data_classification="restricted",
    )
    response = signed_in(employee).get("/tools/", {"tool": "acme-coder", "data": "confidential"})
    names = [other.name for other in response.context["alternatives"]]
    assert names == ["Acme Coder Enterprise", "Beta Coder"]  # no API model, nothing unapproved
    # Nothing of the kind approved: said in words, no list.
    response = signed_in(employee).get("/tools/", {"tool": "able-api", "data": "restricted"})
    assert 'data-verdict="yes"' in response.content.decode()
    make_entry(name="Solo Platform", kind="internal_platform", max_data_classification="public")
    body = (
        signed_in(employee)
        .get("/tools/", {"tool": "solo-platform", "data": "internal"})
        .content.decode()
    )
    assert 'data-testid="no-alternatives"' in body
    assert "No other tool of this kind (Internal platform)" in body


@pytest.mark.django_db
def test_the_register_table_says_an_entry_under_review_is_approved_for_no_data(
    employee: User,
) -> None:
    make_entry(name="New Bot", status="under_review", max_data_classification="internal")
    make_entry(name="Careful Bot", status="restricted", max_data_classification="internal")
    body = signed_in(employee).get("/tools/").content.decode()
    body = body[body.index('data-testid="register-table"') :]
    row = body[body.index("New Bot") :]
    row = row[: row.index("</tr>")]
    assert "Not yet approved for any data" in row
    assert ">Internal<" not in row
    careful = body[body.index("Careful Bot") :]
    careful = careful[: careful.index("</tr>")]
    assert "Approved with conditions" in careful  # the status, not the data class's word


@pytest.mark.django_db
def test_conditions_and_governing_policy_are_shown(employee: User, author: User) -> None:
    policy = Policy.objects.create(
        title="Acceptable use of AI",
        slug="acceptable-use",
        category=PolicyCategory.ACCEPTABLE_USE,
        created_by=author,
    )
    make_entry(status="restricted", conditions_of_use="Only in the EU.", governing_policy=policy)
    body = (
        signed_in(employee).get("/tools/", {"tool": "acme-chat", "data": "public"}).content.decode()
    )
    assert 'data-verdict="yes_with_conditions"' in body
    assert "Only in the EU." in body
    assert 'href="/policies/acceptable-use/"' in body


@pytest.mark.django_db
def test_htmx_request_gets_only_the_answer_card(employee: User) -> None:
    make_entry()
    response = signed_in(employee).get(
        "/tools/",
        {"tool": "acme-chat", "data": "restricted"},
        headers={"HX-Request": "true", "HX-Target": "lookup-answer"},
    )
    body = response.content.decode()
    assert 'data-verdict="no"' in body
    assert "<html" not in body
    assert "The register" not in body


@pytest.mark.django_db
def test_half_asked_question_prompts_for_the_rest(employee: User) -> None:
    make_entry()
    body = signed_in(employee).get("/tools/", {"tool": "acme-chat", "data": ""}).content.decode()
    assert "Now choose the data" in body
    assert "data-verdict" not in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"tool": "acme-chat", "data": "secret"}, "“secret” is not a data classification."),
        ({"tool": "no-such-tool", "data": "public"}, "There is no tool “no-such-tool”"),
    ],
)
def test_bad_lookup_input_is_explained(
    employee: User, params: dict[str, str], message: str
) -> None:
    make_entry()
    response = signed_in(employee).get("/tools/", params)
    assert response.status_code == 200
    body = response.content.decode()
    assert "We could not answer that question" in body
    assert message in body
    assert "data-verdict" not in body


@pytest.mark.django_db
def test_register_table_filters_by_kind_status_and_search(employee: User) -> None:
    make_entry(name="Acme Chat")
    make_entry(name="Beta Coder", kind="coding_assistant", vendor="Beta")
    make_entry(name="Gamma Model", kind="api_model", status="prohibited", vendor="Gamma")
    client = signed_in(employee)

    def names(**params: str) -> list[str]:
        page = client.get("/tools/", params).context["page"]
        return [entry.name for entry in page.object_list]

    assert names() == ["Acme Chat", "Beta Coder", "Gamma Model"]
    assert names(kind="coding_assistant") == ["Beta Coder"]
    assert names(status="prohibited") == ["Gamma Model"]
    assert names(search="gam") == ["Gamma Model"]
    assert names(search="nothing") == []
    assert "No tools match these filters" in client.get("/tools/?search=zzz").content.decode()


@pytest.mark.django_db
def test_empty_register_says_what_to_do_next(employee: User, author: User) -> None:
    assert "Ask the CIO office" in signed_in(employee).get("/tools/").content.decode()
    body = signed_in(author).get("/tools/").content.decode()
    assert "Add the first tool or model" in body


@pytest.mark.django_db
@pytest.mark.parametrize("count", [5, 40])
def test_register_page_costs_the_same_queries_for_5_or_40_entries(
    employee: User, author: User, count: int, django_assert_max_num_queries: Any
) -> None:
    policy = Policy.objects.create(
        title="Acceptable use", slug="acceptable-use", category="acceptable_use", created_by=author
    )
    for number in range(count):
        make_entry(
            name=f"Tool {number:02}",
            governing_policy=policy,
            price_per_million_input_tokens=Decimal("1.25"),
            price_per_million_output_tokens=Decimal("5"),
            prices_checked_on=datetime.date(2026, 11, 1),
        )
    client = signed_in(employee)
    with django_assert_max_num_queries(10):
        response = client.get("/tools/", {"tool": "tool-01", "data": "internal"})
    assert len(response.context["page"].object_list) == count
    assert "$1.25 in / $5.00 out per M tokens" in response.content.decode()


@pytest.mark.django_db
def test_entry_page_shows_answers_prices_and_ip(employee: User) -> None:
    make_entry(
        name="Llama Local",
        kind="self_hosted_model",
        max_data_classification="confidential",
        gpu_type="NVIDIA H100",
        gpu_hourly_price=Decimal("3.2"),
        prices_checked_on=datetime.date(2026, 11, 1),
        licence="Llama 3.1 Community License",
        indemnity="no",
    )
    response = signed_in(employee).get("/tools/llama-local/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "$3.20" in body
    assert "as of 1 November 2026" in body
    assert "Llama 3.1 Community License" in body
    verdicts = {label: answer.verdict for label, answer in response.context["answers"]}
    assert verdicts == {
        "Public": "yes",
        "Internal": "yes",
        "Confidential": "yes",
        "Restricted": "no",
    }
    assert "/tools/llama-local/edit/" not in body  # employees cannot edit


@pytest.mark.django_db
def test_unknown_entry_is_a_404(employee: User) -> None:
    assert signed_in(employee).get("/tools/nothing-here/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("person", ["employee", "lead", "reviewer", "approver"])
def test_people_without_manage_register_cannot_add_or_edit(
    cast: dict[str, User], person: str
) -> None:
    make_entry()
    client = signed_in(cast[person])
    assert client.get("/tools/new/").status_code == 403
    assert client.post("/tools/new/", FORM).status_code == 403
    assert client.get("/tools/acme-chat/edit/").status_code == 403
    assert client.post("/tools/acme-chat/edit/", FORM).status_code == 403
    assert RegisterEntry.objects.count() == 1
    assert RegisterEntry.objects.get().name == "Acme Chat"


@pytest.mark.django_db
@pytest.mark.parametrize("person", ["author", "admin"])
def test_authors_and_admins_add_an_entry(cast: dict[str, User], person: str) -> None:
    client = signed_in(cast[person])
    assert client.get("/tools/new/").status_code == 200
    response = client.post("/tools/new/", FORM, follow=True)
    assert response.redirect_chain == [("/tools/acme-coder/", 302)]
    assert (
        "Acme Coder is now in the register, created as under review; the status “Approved”"
        " and approval for data up to “Confidential” take effect when an approver agrees."
    ) in response.content.decode()
    entry = RegisterEntry.objects.get(slug="acme-coder")
    assert (entry.status, entry.max_data_classification) == ("under_review", "public")
    assert AuditEvent.objects.filter(
        action="register_entry.created", actor=cast[person], object_id=str(entry.pk)
    ).exists()


@pytest.mark.django_db
def test_bad_form_shows_messages_next_to_fields_and_saves_nothing(author: User) -> None:
    response = signed_in(author).post(
        "/tools/new/",
        {**FORM, "name": " ", "price_per_million_input_tokens": "-2"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["name"] == ["This field is required."]
    body = response.content.decode()
    assert "Nothing was saved yet" in body
    assert 'aria-describedby="id_name_error"' in body
    assert not RegisterEntry.objects.exists()

    response = signed_in(author).post(
        "/tools/new/", {**FORM, "price_per_million_input_tokens": "-2"}
    )
    errors = response.context["form"].errors
    assert errors["price_per_million_input_tokens"] == ["A price cannot be negative."]
    assert errors["prices_checked_on"] == [
        "Say when the prices were checked, so readers know their age."
    ]
    assert not RegisterEntry.objects.exists()


@pytest.mark.django_db
def test_author_edits_an_entry(author: User) -> None:
    make_entry(conditions_of_use="Old.")
    client = signed_in(author)
    form = client.get("/tools/acme-chat/edit/").context["form"]
    assert form.initial["conditions_of_use"] == "Old."
    response = client.post(
        "/tools/acme-chat/edit/",
        {**FORM, "name": "Acme Chat", "status": "restricted", "conditions_of_use": "New."},
        follow=True,
    )
    assert response.redirect_chain == [("/tools/acme-chat/", 302)]
    body = response.content.decode()
    assert "takes effect when an approver agrees" in body
    assert "Change waiting for approval" in body and "Approved with conditions" in body
    entry = RegisterEntry.objects.get()  # the conditions change now; the status waits
    assert (entry.status, entry.conditions_of_use) == ("approved", "New.")
    assert entry.pending_changes.get().changes == {
        "status": "restricted",
        "max_data_classification": "confidential",
        "training_data_disclosure": "partial",
        "indemnity": "yes",
    }
    event = AuditEvent.objects.get(action="register_entry.updated")
    assert event.before is not None
    assert event.before["conditions_of_use"] == "Old."
