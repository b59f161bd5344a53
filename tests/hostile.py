"""Hostile input: what a careless copy-paste or a determined attacker types into a text field.

Used by ``tests/portal/test_hostile_input.py`` (server side: never a 500, stored exactly or
refused with a message, always shown escaped, spreadsheets inert) and by
``tests/browser/test_hostile_input.py`` (in Chromium: no payload runs).

Every cross-site scripting payload that could run sets ``window.__xss`` (so a browser test can
ask whether it ran) or opens a dialog (which the browser fixtures record). None of them contains a
formula starter at the front, a control character or more than 200 characters, so each fits a
title and is stored as typed: the point is that it is stored and shown as text.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- Cross-site scripting ---------------------------------------------------------------------

XSS_FLAG = "__xss"  # window.__xss stays undefined unless a payload ran

XSS: dict[str, str] = {
    "script_tag": "<script>window.__xss=1;alert('xss-script')</script>",
    "img_onerror": '<img src=x onerror="window.__xss=1;alert(1)">',
    "svg_onload": "<svg onload=window.__xss=1><circle r=9></circle></svg>",
    "attribute_breakout": '"><img src=x onerror=window.__xss=1>',
    "single_quote_breakout": "'><svg/onload=window.__xss=1>",
    "textarea_breakout": "</textarea><script>window.__xss=1</script>",
    "title_breakout": "</title><script>window.__xss=1</script>",
    "style_breakout": "</style><img src=x onerror=window.__xss=1>",
    "script_string_breakout": "</script><script>window.__xss=1</script>",
    "javascript_url": "javascript:window.__xss=1",
    "markdown_js_link": "[click me](javascript:window.__xss=1)",
    "markdown_data_link": "[open](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "data_url": "data:text/html,<script>window.__xss=1</script>",
    "iframe_srcdoc": '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    "template_injection": "{{7*7}} {% if 1 %}ssti{% endif %} ${7*7} #{7*7}",
    "css_expression": '<div style="width:expression(window.__xss=1)">css</div>',
    "details_ontoggle": "<details open ontoggle=window.__xss=1>",
    "html_comment": "<!--<img src=x onerror=window.__xss=1>-->",
    "entity_encoded": "&lt;img src=x onerror=window.__xss=1&gt; &#60;b&#62;",
}

# Policy bodies are Markdown: raw HTML must come out as text, links only http(s) and mailto.
MARKDOWN_XSS: dict[str, str] = {
    "raw_html_block": (
        "# Heading\n\n<script>window.__xss=1</script>\n\n<img src=x onerror=window.__xss=1>"
    ),
    "inline_html": "Some **bold** and <svg onload=window.__xss=1> inline",
    "js_link": "Read [the rules](javascript:window.__xss=1) first.",
    "js_link_entity": "Read [this](jav&#x61;script:window.__xss=1) now.",
    "js_link_spaces": "Read [this]( javascript:window.__xss=1 ) now.",
    "data_link": "See [this](data:text/html,<script>window.__xss=1</script>).",
    "image_onerror": '![x" onerror="window.__xss=1](/static/portal/favicon.svg)',
    "image_js": "![pic](javascript:window.__xss=1)",
    "reference_link": "[ref][1]\n\n[1]: javascript:window.__xss=1",
    "autolink": "<javascript:window.__xss=1>",
    "heading_breakout": '## "><img src=x onerror=window.__xss=1>',
    "table_cell": "| a | b |\n|---|---|\n| <script>window.__xss=1</script> | ok |",
    "textarea_breakout": "</textarea><script>window.__xss=1</script>",
    "template_injection": "{{7*7}} and {% now 'Y' %}",
}

# What the pages must never contain as live markup once the payloads are shown.
INJECTED_SELECTORS = (
    "img[src='x']",
    "svg[onload]",
    "iframe[srcdoc]",
    "details[ontoggle]",
    "[onerror]",
    "[onload]",
    "a[href^='javascript:']",
    "a[href^='data:']",
    "[style*='expression']",
)

# --- Strings that are odd, not malicious: stored exactly, or refused with a message -----------


@dataclass(frozen=True)
class Odd:
    """A value and what the portal must do with it: store it exactly, or refuse it clearly."""

    value: str
    stored: bool  # True: accepted and read back unchanged; False: refused with a message


NUL = "before\x00after"
ONE_MB = "A" * (1024 * 1024)

ODD: dict[str, Odd] = {
    "sql_quote": Odd("O'Brien'; DROP TABLE usecases_usecase; --", stored=True),
    "sql_union": Odd("1' UNION SELECT username, password FROM portal_user --", stored=True),
    "sql_comment": Odd("x'/**/OR/**/'1'='1", stored=True),
    "sql_like_wildcards": Odd("100% _done_ \\ back", stored=True),
    "rtl_override": Odd("invoice\u202egnp.exe", stored=True),
    "zero_width": Odd("zero\u200bwidth\u200c\u200djoin\ufeff", stored=True),
    "emoji_astral": Odd(
        "rocket \U0001f680 family \U0001f468\u200d\U0001f469\u200d\U0001f467 "
        "\U0001d518\U0001d52b\U0001d526",
        stored=True,
    ),
    "combining": Odd("Z̷̡a̸l̵g̶o̴ café", stored=True),
    "cjk_arabic": Odd("人工知能 الذكاء الاصطناعي", stored=True),
    "nul": Odd(NUL, stored=False),
    "control_chars": Odd("bell\x07 escape\x1b[31m red \x08", stored=False),
    "lone_surrogate_escape": Odd("\\ud800 is text here, not a surrogate", stored=True),
}

# The stored odd values together, short enough for any field (a title takes 200 characters):
# one value to check that the pages show every kind of them as text.
ODD_TOGETHER = (
    "O'Brien\"; DROP TABLE x; -- 100% _done_ \\ invoice\u202egnp.exe zero\u200bwidth\ufeff "
    "\U0001f680 \U0001f468\u200d\U0001f469\u200d\U0001f467 \U0001d518\U0001d52b\U0001d526 "
    "Z̷̡a̸ café 人工知能 الذكاء"
)

# Spreadsheet formula starters: stored exactly, neutralised (a leading ') in every export.
FORMULAS: dict[str, str] = {
    "equals": '=HYPERLINK("http://evil.example","click")',
    "plus": "+1+cmd|' /C calc'!A0",
    "minus": "-2+3+cmd|' /C calc'!A0",
    "at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "tab": "\t=1+1",
    "carriage_return": "\r=1+1",
}


def formula_is_neutralised(cell: object, typed: str) -> bool:
    """A spreadsheet cell shows ``typed`` as text: prefixed with ``'`` so it cannot run."""
    return cell == "'" + typed
