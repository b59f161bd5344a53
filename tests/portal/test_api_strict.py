"""The API refuses what it would otherwise misread (issue 21, failures 2, 3 and 5).

- a body nested deeper than any portal input is a 400 that says so (it was a 500:
  ``RecursionError``), for every endpoint, because the one JSON parser checks it;
- OPTIONS answers on every operation (it was a 500 where a view has no queryset);
- a field the endpoint does not take is a 400 naming it (``PATCH {"status": "approved"}`` was a
  200 that changed nothing), text fields take text only, and a bad ``page_size`` is a 400;
- the schema says so: every request body is closed (``additionalProperties: false``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from policies.models import Policy
from portal.models import User
from portal.validators import MAX_JSON_DEPTH
from tests.portal.test_api_fuzz import in_process_requests, served_schema  # noqa: F401
from tests.usecases.conftest import make_draft
from tests.usecases.estimates_portal.helpers import priced_tool, submitted_case
from usecases.estimates.models import EstimateDrivers
from usecases.models import Status, UseCase

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _send(client: Client, method: str, url: str, body: Any) -> Any:
    payload = body if isinstance(body, str) else json.dumps(body)
    return getattr(client, method)(url, payload, content_type="application/json")


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 950, 100_000])
def test_a_body_nested_too_deep_is_a_400_that_says_so(lead: User, depth: int) -> None:
    response = _send(_client(lead), "post", reverse("api-usecase-list"), _nested(depth))
    assert response.status_code == 400, response.content[:300]
    assert f"{MAX_JSON_DEPTH} levels" in response.json()["detail"]
    assert not UseCase.objects.exists()


def test_a_body_within_the_depth_limit_reaches_the_fields_checks(lead: User) -> None:
    response = _send(
        _client(lead), "post", reverse("api-usecase-list"), {"title": [_nested(MAX_JSON_DEPTH - 2)]}
    )
    assert response.status_code == 400
    assert "title" in response.json()["errors"]  # the field's own check, not the parser's


def test_the_pages_json_editor_refuses_a_document_nested_too_deep(
    lead: User, reviewer: User
) -> None:
    case = submitted_case(lead, priced_tool())
    drivers = EstimateDrivers.objects.filter(usecase=case).count()
    for depth in (MAX_JSON_DEPTH + 1, 100_000):
        response = _client(reviewer).post(
            reverse("usecases:estimate-drivers", args=[case.reference, "taker"]),
            {"document": '{"requests_per_day": ' + _nested(depth) + "}"},
        )
        assert response.status_code == 200
        assert f"{MAX_JSON_DEPTH} levels" in response.content.decode()
    assert EstimateDrivers.objects.filter(usecase=case).count() == drivers


def _every_path_with_real_parameters(usecase: UseCase) -> list[str]:
    """Each operation's path of the served schema, its parameters naming a real row."""
    values = {"{reference}": usecase.reference, "{archetype}": "taker"}
    paths = []
    for template in served_schema()["paths"]:
        path = template
        for name, value in values.items():
            path = path.replace(name, str(value))
        if "{" not in path:
            paths.append(path)
    return paths


@pytest.mark.usefixtures("in_process_requests")
def test_options_answers_on_every_operation_without_a_server_error(
    lead: User, admin_user: User
) -> None:
    usecase = make_draft(lead)
    paths = _every_path_with_real_parameters(usecase)
    assert any(path.endswith("/ratings/") for path in paths)
    client = _client(admin_user)
    answers = {path: client.options(path).status_code for path in paths}
    assert not {path: code for path, code in answers.items() if code >= 500}
    for name in ("ratings", "risk-questionnaire", "risk-register"):
        path = reverse(f"api-usecase-{name}", args=[usecase.reference])
        response = client.options(path)
        assert response.status_code == 200, (path, response.content[:300])
        assert "PUT" in response["Allow"]


def test_a_field_the_endpoint_does_not_take_is_refused_by_name(lead: User) -> None:
    usecase = make_draft(lead, title="Draft replies to tickets")
    url = reverse("api-usecase-detail", args=[usecase.reference])
    response = _send(_client(lead), "patch", url, {"status": "approved", "title": "Approved!"})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == ["status"]
    assert "does not take" in errors["status"][0]
    usecase.refresh_from_db()
    assert (usecase.status, usecase.title) == (Status.DRAFT, "Draft replies to tickets")


def test_a_misspelt_field_is_refused_with_the_fields_that_exist(lead: User) -> None:
    response = _send(_client(lead), "post", reverse("api-usecase-list"), {"titel": "Typo"})
    assert response.status_code == 400
    message = response.json()["errors"]["titel"][0]
    assert "title" in message  # names what the endpoint does take
    assert not UseCase.objects.exists()


@pytest.mark.parametrize("value", [0, 1.5, True, ["a"], {"text": "a"}])
def test_text_fields_take_text_only(author: User, value: Any) -> None:
    body = {"title": "Acceptable use", "category": "acceptable_use", "body_markdown": value}
    response = _send(_client(author), "post", reverse("api-policies"), body)
    assert response.status_code == 400, response.content[:300]
    assert "body_markdown" in response.json()["errors"]
    assert not Policy.objects.exists()


@pytest.mark.parametrize("value", ["null", "0", "-3", "ten", "1e3"])
def test_a_bad_page_size_is_a_400_naming_it(lead: User, value: str) -> None:
    response = _client(lead).get(reverse("api-usecase-list"), {"page_size": value})
    assert response.status_code == 400
    assert "page_size" in response.json()["errors"]


def test_a_page_size_within_the_limits_is_used(lead: User) -> None:
    for title in ("One", "Two", "Three"):
        make_draft(lead, title=title)
    response = _client(lead).get(reverse("api-usecase-list"), {"page_size": "2"})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 2


@pytest.mark.usefixtures("in_process_requests")
def test_every_request_body_in_the_schema_is_closed() -> None:
    components = served_schema()["components"]["schemas"]
    bodies = set()
    for operations in served_schema()["paths"].values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {})
            for media in content.values():
                schema = media["schema"]
                ref = schema.get("$ref", "") or schema.get("items", {}).get("$ref", "")
                if ref:
                    bodies.add(ref.rsplit("/", 1)[1])
    assert bodies, "some operations take a body"
    open_bodies = sorted(
        name for name in bodies if components[name].get("additionalProperties") is not False
    )
    assert not open_bodies


@pytest.mark.usefixtures("in_process_requests")
@pytest.mark.parametrize("role", ["admin_user", "employee"])
def test_an_undocumented_method_is_a_405_that_says_so_on_every_path(
    role: str, lead: User, request: pytest.FixtureRequest
) -> None:
    usecase = make_draft(lead)
    client = _client(request.getfixturevalue(role))
    documented = {
        path: {method.upper() for method in operations}
        for path, operations in served_schema()["paths"].items()
    }
    tried = 0
    for path in _every_path_with_real_parameters(usecase):
        template = path if path in documented else next(t for t in documented if _matches(t, path))
        for method in {"GET", "POST", "PUT", "PATCH", "DELETE"} - documented[template]:
            response = client.generic(method, path, "{}", content_type="application/json")
            tried += 1
            allowed = {405} if role == "admin_user" else {403, 404, 405}
            assert response.status_code in allowed, (method, path, response.status_code)
            assert response.json()["detail"], (method, path)
    assert tried > 20


def _matches(template: str, path: str) -> bool:
    parts, given = template.strip("/").split("/"), path.strip("/").split("/")
    return len(parts) == len(given) and all(
        p == g or p.startswith("{") for p, g in zip(parts, given, strict=True)
    )
