"""The compliance dashboard: per policy and department rates, as a heat map."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from policies import services
from policies.inputs import NewPolicy
from policies.models import Policy, PolicyCategory
from portal.models import Department, User
from tests.policies.conftest import publish_new_version
from usecases.portfolio.compliance import HeatCell, compliance_heat_map
from usecases.templatetags.usecase_format import heat_bucket


@pytest.fixture
def known_compliance(cast: dict[str, User], other_department: Department) -> dict[str, Policy]:
    author, approver = cast["author"], cast["approver"]
    everyone = services.policy_create(
        by=author,
        data=NewPolicy.parse(title="Acceptable use", category=PolicyCategory.ACCEPTABLE_USE),
    )
    publish_new_version(everyone, author, approver, "# Acceptable use\n\nBe careful.")
    engineers = services.policy_create(
        by=author,
        data=NewPolicy.parse(
            title="Code assistants",
            category=PolicyCategory.ACCEPTABLE_USE,
            audience_everyone=False,
            audience_departments=[other_department],
        ),
    )
    publish_new_version(engineers, author, approver, "# Code\n\nReview the code.")
    everyone.refresh_from_db()
    engineers.refresh_from_db()
    # Customer Service: emma, leo, paul (3). Engineering: lina, rita, ada, alex (4).
    assert everyone.current_version is not None and engineers.current_version is not None
    for name in ("employee", "lead", "other_lead"):
        services.acknowledgement_record(by=cast[name], version=everyone.current_version)
    for name in ("other_lead", "reviewer", "approver", "admin"):
        services.acknowledgement_record(by=cast[name], version=engineers.current_version)
    return {"everyone": everyone, "engineers": engineers}


def test_heat_map_numbers(known_compliance: dict[str, Policy]) -> None:
    heat = compliance_heat_map()
    assert [r.policy.title for r in heat.reports] == ["Acceptable use", "Code assistants"]
    assert [(r.acknowledged, r.audience) for r in heat.reports] == [(3, 7), (4, 4)]
    rows = dict(heat.rows)
    assert list(rows) == ["Customer Service", "Engineering"]
    service_use, service_code = rows["Customer Service"]
    assert (service_use.acknowledged, service_use.audience) == (2, 3)
    assert heat_bucket(service_use) == "heat-6"
    assert service_code.rate is None and heat_bucket(service_code) == "heat-na"
    eng_use, eng_code = rows["Engineering"]
    assert heat_bucket(eng_use) == "heat-2" and heat_bucket(eng_code) == "heat-10"


@pytest.mark.parametrize(
    ("rate", "bucket"),
    [(0.0, "heat-0"), (9.9, "heat-0"), (10.0, "heat-1"), (99.9, "heat-9"), (100.0, "heat-10")],
)
def test_buckets(rate: float, bucket: str) -> None:
    assert heat_bucket(HeatCell(rate=rate)) == bucket


def test_page_shows_cells_and_drill_down(
    cast: dict[str, User], known_compliance: dict[str, Policy]
) -> None:
    client = Client()
    client.force_login(cast["reviewer"])
    body = client.get("/portfolio/compliance/").content.decode()
    assert 'class="text-center heat heat-6"' in body
    assert f'href="/compliance/{known_compliance["everyone"].slug}/"' in body
    assert "43%" in body  # 3 of 7 overall
    assert 'style="' not in body.split("<main")[1]


def test_api(cast: dict[str, User], known_compliance: dict[str, Policy]) -> None:
    client = APIClient()
    client.force_authenticate(cast["admin"])
    body = client.get("/api/v1/portfolio/compliance/").json()
    first = body[0]
    assert first["policy"] == known_compliance["everyone"].slug
    assert (first["acknowledged"], first["audience"], first["owing"]) == (3, 7, 4)
    assert [d["department"] for d in first["departments"]] == ["Customer Service", "Engineering"]
