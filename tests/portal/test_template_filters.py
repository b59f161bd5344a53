"""The template filters shared by the pages: safe JSON for the charts, addresses of cases."""

from __future__ import annotations

import json
import re

from django.urls import reverse

from portal.templatetags.portal_format import json_data
from usecases.links import case_url


def test_json_data_cannot_close_its_script_element_and_reads_back_the_same() -> None:
    value = {"title": "</script><script>alert(1)</script> & <!-- x", "n": [1, 2.5, None]}
    html = str(json_data(value, "chart-data"))
    opening = '<script id="chart-data" type="application/json">'
    assert html.startswith(opening)
    assert html.endswith("</script>")
    body = html.removeprefix(opening).removesuffix("</script>")
    assert not re.search(r"[<>&]", body)
    assert json.loads(body) == value


def test_json_data_escapes_the_element_id() -> None:
    assert '"x&quot;onload' in str(json_data({}, 'x"onload'))


def test_case_url_is_what_reverse_gives() -> None:
    for reference in ("UC-0001", "UC-0042", "UC-123456"):
        assert case_url(reference) == reverse("usecases:detail", args=[reference])
