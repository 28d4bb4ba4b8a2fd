"""Model output is untrusted data: no markup, and no link but the http(s) links of the sources it was given.

A model that read hostile community text may echo it: an `<img onerror=...>`, a `[click](javascript:...)`, an
HTML comment, a phishing link in a follow-up question. Every writer that shows model text to a person (guides,
follow-up questions, judge reasons, the tandem partner) applies `acceptable` and drops or replaces what fails.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# A tag, a comment, a doctype or processing instruction: anything a browser or a Markdown renderer treats as HTML.
_MARKUP = re.compile(r"<[A-Za-z!/?]|&#|&[A-Za-z]+;")
# Markdown links and images, reference definitions, and autolinks.
_MD_LINK = re.compile(r"\]\s*\(|^\s*\[[^\]]*\]:\s*\S", re.MULTILINE)
# Anything that looks like a URL or a scheme a browser would follow.
_URL = re.compile(r"\b(?:[a-z][a-z0-9+.-]{1,20}:(?://|[^\s]*\()|www\.)[^\s<>\"')\]]*", re.IGNORECASE)
_SCHEMES = re.compile(r"\b(?:javascript|vbscript)\s*:|\bdata:[a-z]+/|\bfile:/", re.IGNORECASE)
# Code is shown as code (never rendered as HTML), so `List<String>` inside backticks is no markup.
_CODE = re.compile(r"```.*?```|`[^`\n]+`", re.DOTALL)


def has_markup(text: str) -> bool:
    """HTML of any kind, a Markdown link or image, or a script-like URL scheme (outside code spans)."""
    prose = _CODE.sub(" ", text)
    return bool(_MARKUP.search(prose) or _MD_LINK.search(prose) or _SCHEMES.search(text))


def urls_in(text: str) -> list[str]:
    """The URL-like strings in a text, trailing punctuation dropped."""
    return [u.rstrip(".,;:!?") for u in _URL.findall(text)]


def acceptable(text: str, allowed_urls: Iterable[str] = ()) -> bool:
    """No markup, and every link an http(s) link found in the sources (`allowed_urls`)."""
    if has_markup(text):
        return False
    allowed = {u.rstrip("/") for u in allowed_urls if u.lower().startswith(("http://", "https://"))}
    return all(u.rstrip("/") in allowed for u in urls_in(text))


def source_urls(texts: Iterable[str | None]) -> set[str]:
    """The http(s) URLs that the sources themselves contain (their own links and those in their text)."""
    found: set[str] = set()
    for text in texts:
        if text:
            found.update(u for u in urls_in(text) if u.lower().startswith(("http://", "https://")))
    return found
