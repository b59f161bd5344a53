"""Sanitising against a corpus of hostile Markdown and HTML: nothing can run for a reader."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policies.rendering import ALLOWED_TAGS, MAX_BODY_BYTES, MarkdownRejected, render_markdown

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "![x](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    "<iframe src=https://evil.example></iframe>",
    '<p style="display:none">hidden</p>',
    '<span style="color:white;font-size:0">hidden</span>',
    "<details open ontoggle=alert(1)>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<form action=https://evil.example><input name=p></form>",
    "<object data=x></object><embed src=x>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "```html\n<script>alert(1)</script>\n```",
    "<<script>script>alert(1)<</script>/script>",
    '"><script>alert(1)</script>',
    "<base href=https://evil.example>",
    "<meta http-equiv=refresh content='0;url=https://evil.example'>",
]


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))


def _assert_safe(html: str) -> None:
    """Parse the output as a browser would: no active element, handler, style or bad URL."""
    parser = _Elements()
    parser.feed(html)
    for tag, attrs in parser.elements:
        assert tag in ALLOWED_TAGS, f"<{tag}> survived in {html!r}"
        for name, value in attrs:
            assert not name.startswith("on"), f"{name} survived in {html!r}"
            assert name != "style", f"style survived in {html!r}"
            if name in ("href", "src") and value and ":" in value.split("/")[0]:
                scheme = value.split(":", 1)[0].strip().lower()
                assert scheme in ("http", "https", "mailto"), f"{value!r} survived in {html!r}"


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_input_cannot_reach_a_reader(payload: str) -> None:
    _assert_safe(render_markdown(payload).html)


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("<>\"'=/:;&#()[]! \nscriptjavaonerrorimgsvg")), max_size=80
    )
)
def test_no_generated_text_escapes_the_allow_list(text: str) -> None:
    _assert_safe(render_markdown(text).html)


def test_ordinary_markdown_renders() -> None:
    rendered = render_markdown(
        "# Title\n\n**bold** and [a link](https://example.com)\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    )
    assert "<strong>bold</strong>" in rendered.html
    assert 'href="https://example.com"' in rendered.html
    assert 'rel="noopener noreferrer nofollow"' in rendered.html
    assert "<table>" in rendered.html


def test_headings_get_anchors_and_long_policies_a_table_of_contents() -> None:
    rendered = render_markdown("## Scope\n\n## Rules\n\n### Data\n\n## Scope\n")
    assert '<h2 id="scope">' in rendered.html
    assert '<h2 id="scope-2">' in rendered.html
    assert [heading.anchor for heading in rendered.table_of_contents] == [
        "scope",
        "rules",
        "data",
        "scope-2",
    ]
    assert render_markdown("## Only one").table_of_contents == []


def test_a_body_over_200_kb_is_refused() -> None:
    with pytest.raises(MarkdownRejected, match="longer than 200 KB"):
        render_markdown("a" * (MAX_BODY_BYTES + 1))


def test_control_characters_are_refused() -> None:
    with pytest.raises(MarkdownRejected, match="control characters"):
        render_markdown("hello\x00world")


@pytest.mark.django_db
def test_a_policy_page_has_one_h1_whatever_the_body_starts_with(
    client: Any, employee: Any, published_policy: Any
) -> None:
    """The body's "# Title" sits under the page's own title: one <h1> on the page, every other
    heading one level down (the stored HTML is unchanged)."""
    client.force_login(employee)
    page = client.get(f"/policies/{published_policy.slug}/").content.decode()
    assert page.count("<h1") == 1
    assert "<h2" in page and "Acceptable use" in page
    assert "<h1" in published_policy.current_version.body_html


def test_headings_move_one_level_down_and_the_smallest_stays() -> None:
    from policies.templatetags.policy_text import under_the_title

    html = '<h1 id="a">A</h1><h2>B</h2><h6>F</h6><p>h1 in text, <code>&lt;h1&gt;</code></p>'
    assert under_the_title(html) == (
        '<h2 id="a">A</h2><h3>B</h3><h6>F</h6><p>h1 in text, <code>&lt;h1&gt;</code></p>'
    )
