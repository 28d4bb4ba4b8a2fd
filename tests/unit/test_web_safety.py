"""What the pages do with hostile text and links: escaped, sanitized, never an open redirect."""

from __future__ import annotations

import pytest

from web.highlight import highlight, query_terms
from web.markdown import render_inline, render_markdown
from web.security import safe_next
from web.templating import safe_url


@pytest.mark.parametrize(
    "target",
    ["https://evil.example", "//evil.example", "/\\evil.example", "javascript:alert(1)", "/ok\r\nSet-Cookie: x"],
)
def test_next_is_only_ever_a_path_on_this_site(target: str) -> None:
    assert safe_next(target) == "/"


def test_a_plain_path_is_kept() -> None:
    assert safe_next("/guides/abc?x=1") == "/guides/abc?x=1"


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,x", "JaVaScRiPt:alert(1)", "vbscript:x", "\tjavascript:x", ""]
)
def test_links_from_community_data_are_http_only(url: str) -> None:
    assert safe_url(url) is None


def test_markdown_keeps_text_and_drops_everything_active() -> None:
    html = render_markdown("# Title\n<script>alert(1)</script>\n[a](javascript:alert(1)) [b](https://ok.example)\x00")
    assert "<script" not in html and 'href="javascript' not in html and "\x00" not in html
    assert '<a href="https://ok.example" rel="nofollow noopener noreferrer">b</a>' in html
    assert "<h1>" not in html, "message headings never outrank the page's"
    assert render_inline("use `kubectl` <img src=x onerror=alert(1)>") == (
        "use <code>kubectl</code> &lt;img src=x onerror=alert(1)&gt;"
    )


def test_highlight_marks_query_words_and_escapes_the_rest() -> None:
    out = highlight("<b>Pods</b> get OOMKilled", "pods <script>")
    assert str(out) == "&lt;b&gt;<mark>Pods</mark>&lt;/b&gt; get OOMKilled"
    assert query_terms("how do the pods") == ["pods"]
