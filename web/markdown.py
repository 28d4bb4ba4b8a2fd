"""Markdown from community text, made safe: markdown-it-py (raw HTML off) then nh3 (an allow-list sanitizer).

Only http(s) and mailto links survive; every link gets rel="nofollow noopener noreferrer". Whatever a message
holds (<script>, javascript: URLs, event attributes, NUL bytes), what comes out is inert.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).disable("image")

TAGS = {"p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h3", "h4", "hr"}
INLINE_TAGS = {"strong", "em", "code", "a", "br"}
ATTRIBUTES = {"a": {"href", "title"}}
SCHEMES = {"http", "https", "mailto"}


def _clean(text: str, tags: set[str]) -> str:
    return nh3.clean(
        text,
        tags=tags,
        attributes=ATTRIBUTES,
        url_schemes=SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )


def render_markdown(text: str | None) -> Markup:
    """Block Markdown (paragraphs, lists, code) as safe HTML."""
    source = (text or "").replace("\x00", "")
    # Headings inside a message must not break the page's outline: they become h3/h4 at most.
    html = _md.render(source)
    for level in (1, 2):
        html = html.replace(f"<h{level}>", "<h3>").replace(f"</h{level}>", "</h3>")
    for level in (5, 6):
        html = html.replace(f"<h{level}>", "<h4>").replace(f"</h{level}>", "</h4>")
    return Markup(_clean(html, TAGS))


def render_inline(text: str | None) -> Markup:
    """One sentence: inline Markdown only (code, emphasis, links), no paragraphs."""
    source = (text or "").replace("\x00", "")
    return Markup(_clean(_md.renderInline(source), INLINE_TAGS))
