"""Pages and API of the estimates: who sees and does what, and what the case page costs."""

from __future__ import annotations

import json

import pytest

from portal.models import User
from usecases.estimates import services
from usecases.estimates.assumptions import DEFAULT_ASSUMPTIONS
from usecases.estimates.models import AssumptionsVersion, EstimateRun
from usecases.inputs import DriversChange

from .helpers import SHAPER_ANSWERS, client_for, priced_tool, submitted_case

pytestmark = pytest.mark.django_db


def _finish_all(case_pk: int) -> None:
    for run in EstimateRun.objects.filter(usecase_id=case_pk, is_current=True):
        services.estimate_run_execute(run.pk)


def test_case_page_shows_three_archetypes_side_by_side_with_the_recommended_marked(
    lead: User, reviewer: User
) -> None:
    case = submitted_case(lead, priced_tool())
    html = client_for(reviewer).get(f"/usecases/{case.reference}/").content.decode()
    for archetype in ("taker", "shaper", "maker"):
        assert f'data-testid="estimate-{archetype}" data-status="waiting"' in html
    assert 'hx-trigger="every 2s"' in html
    _finish_all(case.pk)
    html = client_for(reviewer).get(f"/usecases/{case.reference}/").content.decode()
    assert 'hx-trigger="every 2s"' not in html  # no polling once every run is done
    assert html.count('data-testid="estimate-figures"') == 3
    assert 'id="estimates-chart-data"' in html
    assert "Recommended</span>" in html and "Training compute" in html


def test_other_departments_lead_gets_404_on_estimates(lead: User, other_lead: User) -> None:
    case = submitted_case(lead)
    client = client_for(other_lead)
    assert client.get(f"/usecases/{case.reference}/estimates/").status_code == 404
    assert client.get(f"/api/v1/usecases/{case.reference}/estimates/").status_code == 404
    assert client.get(f"/api/v1/usecases/{case.reference}/archetype/").status_code == 404


def test_lead_sees_estimates_but_cannot_adjust_drivers_or_rerun(lead: User) -> None:
    case = submitted_case(lead)
    client = client_for(lead)
    assert client.get(f"/api/v1/usecases/{case.reference}/estimates/").status_code == 200
    assert client.get(f"/usecases/{case.reference}/estimates/maker/drivers/").status_code == 403
    response = client.put(
        f"/api/v1/usecases/{case.reference}/estimates/maker/drivers/",
        {"drivers": {"parameters": 1e9}},
        content_type="application/json",
    )
    assert response.status_code == 403
    response = client.post(
        f"/api/v1/usecases/{case.reference}/estimates/",
        {"archetype": "maker"},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_reviewer_adjusts_drivers_through_the_api_and_bad_ones_name_the_field(
    lead: User, reviewer: User
) -> None:
    case = submitted_case(lead)
    client = client_for(reviewer)
    url = f"/api/v1/usecases/{case.reference}/estimates/maker/drivers/"
    bad = client.put(url, {"drivers": {"parameters": -5}}, content_type="application/json")
    assert bad.status_code == 400 and "parameters" in json.dumps(bad.json())
    good = client.put(url, {"drivers": {"parameters": 3e9}}, content_type="application/json")
    assert good.status_code == 202 and good.json()["inputs"]["parameters"] == 3e9


def test_the_archetype_questionnaire_and_decision_through_the_api(
    lead: User, reviewer: User
) -> None:
    case = submitted_case(lead)
    url = f"/api/v1/usecases/{case.reference}/archetype/"
    answered = client_for(lead).put(
        url,
        {**SHAPER_ANSWERS, "needs_company_data": False, "model_does_job_as_is": True},
        content_type="application/json",
    )
    assert answered.status_code == 200 and answered.json()["recommended_archetype"] == "taker"
    refused = client_for(lead).post(
        url + "decision/", {"archetype": "taker"}, content_type="application/json"
    )
    assert refused.status_code == 403
    override = client_for(reviewer).post(
        url + "decision/", {"archetype": "maker"}, content_type="application/json"
    )
    assert override.status_code == 400 and "justification" in override.json()["errors"]
    chosen = client_for(reviewer).post(
        url + "decision/",
        {"archetype": "shaper", "justification": "Needs the policy library to be useful."},
        content_type="application/json",
    )
    assert chosen.status_code == 200 and chosen.json()["chosen_archetype"] == "shaper"


def test_only_admins_edit_assumptions_everyone_reads_them(
    employee: User, reviewer: User, admin_user: User
) -> None:
    assert client_for(employee).get("/api/v1/usecases/estimate-assumptions/").json()["number"] == 1
    data = DEFAULT_ASSUMPTIONS.model_dump(mode="json")
    body = {"data": {**data, "contingency_percent": 25}, "comment": "Safer"}
    for user in (employee, reviewer):
        response = client_for(user).post(
            "/api/v1/usecases/estimate-assumptions/", body, content_type="application/json"
        )
        assert response.status_code == 403
        assert client_for(user).get("/usecases/estimates/assumptions/").status_code == 403
    response = client_for(admin_user).post(
        "/api/v1/usecases/estimate-assumptions/", body, content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["number"] == 2
    bad = client_for(admin_user).post(
        "/usecases/estimates/assumptions/",
        {"document": json.dumps({**data, "contingency_percent": 400}), "comment": ""},
    )
    assert bad.status_code == 200 and "contingency_percent" in bad.content.decode()
    assert AssumptionsVersion.objects.count() == 2


def test_questionnaire_page_recommends_and_reviewer_chooses_on_the_page(
    lead: User, reviewer: User
) -> None:
    case = submitted_case(lead)
    answers = {
        k: ("yes" if v is True else "no" if v is False else v) for k, v in SHAPER_ANSWERS.items()
    }
    answers["budget_ceiling"] = "500000"
    response = client_for(lead).post(f"/usecases/{case.reference}/archetype/", answers)
    assert response.status_code == 302
    response = client_for(reviewer).post(
        f"/usecases/{case.reference}/archetype/choose/", {"archetype": "shaper"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.recommended_archetype, case.chosen_archetype) == ("shaper", "shaper")


@pytest.mark.parametrize("count", [1, 6])
def test_case_page_with_estimates_costs_the_same_queries(
    lead: User, reviewer: User, count: int, django_assert_max_num_queries: object
) -> None:
    case = submitted_case(lead, priced_tool())
    for n in range(count):  # history of re-estimates must not add queries
        services.estimate_drivers_set(
            usecase=case,
            by=reviewer,
            data=DriversChange.parse(archetype="maker", drivers={"parameters": 1e9 + n}),
        )
        _finish_all(case.pk)
    client = client_for(reviewer)
    with django_assert_max_num_queries(40):  # type: ignore[operator]
        assert client.get(f"/usecases/{case.reference}/").status_code == 200
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        assert client.get(f"/usecases/{case.reference}/estimates/").status_code == 200
