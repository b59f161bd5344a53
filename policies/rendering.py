"""Policy bodies: Markdown in, sanitised HTML out, with heading anchors and a table of contents.

Raw HTML in the Markdown is shown as text (markdown-it with ``html`` off), and the rendered HTML
then passes an allow-list (nh3): no script, no event handler, no ``javascript:`` link and no
style attribute can reach a reader, whatever the author types.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

MAX_BODY_BYTES = 200 * 1024

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "s", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "img",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    **{f"h{level}": {"id"} for level in range(1, 7)},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str


@dataclass(frozen=True)
class RenderedBody:
    html: str
    headings: list[Heading]

    @property
    def table_of_contents(self) -> list[Heading]:
        """Headings worth a contents list (levels 2 and 3), when there are enough of them."""
        entries = [heading for heading in self.headings if heading.level in (2, 3)]
        return entries if len(entries) >= 3 else []


class MarkdownRejected(ValueError):
    """The body cannot be accepted; the message says why in plain words."""


def check_markdown(source: str) -> None:
    if len(source.encode("utf-8")) > MAX_BODY_BYTES:
        raise MarkdownRejected(
            f"The text is longer than {MAX_BODY_BYTES // 1024} KB. Split it into several policies "
            "or move long annexes to a linked document."
        )
    if _CONTROL.search(source):
        raise MarkdownRejected(
            "The text contains invisible control characters (often from a copy-paste). "
            "Remove them and try again."
        )


def _slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"]
    )


_MARKDOWN = _parser()


def render_markdown(source: str) -> RenderedBody:
    check_markdown(source)
    tokens = _MARKDOWN.parse(source)
    headings: list[Heading] = []
    seen: dict[str, int] = {}
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        inline: Token = tokens[index + 1]
        text = inline.content.strip()
        anchor = _slugify(text)
        seen[anchor] = seen.get(anchor, 0) + 1
        if seen[anchor] > 1:
            anchor = f"{anchor}-{seen[anchor]}"
        token.attrSet("id", anchor)
        headings.append(Heading(level=int(token.tag[1]), text=text, anchor=anchor))
    raw_html = _MARKDOWN.renderer.render(tokens, _MARKDOWN.options, {})
    clean = nh3.clean(
        raw_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return RenderedBody(html=clean, headings=headings)
