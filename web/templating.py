"""Templates: one base, named blocks, and `render` that answers htmx requests with one block (jinja2-fragments)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2_fragments.fastapi import Jinja2Blocks

from store.records import PersonRecord
from synthesizer.model import SECTION_TITLES
from web.markdown import render_inline, render_markdown
from web.security import CSRF_FIELD, csrf_token, finish_csrf_cookie

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
templates = Jinja2Blocks(directory=HERE / "templates")  # autoescape is on for .html
templates.env.filters["markdown"] = render_markdown
templates.env.filters["inline_markdown"] = render_inline

# The site navigation: (path, label). Other pages add themselves with `add_nav`; the base template marks the
# current one with aria-current.
NAV: list[tuple[str, str]] = [("/", "Search"), ("/inbox", "Inbox")]


def add_nav(path: str, label: str) -> None:
    """Add a link to the site navigation (once)."""
    if (path, label) not in NAV:
        NAV.append((path, label))


@cache
def static_url(name: str) -> str:
    """/static/<name>?v=<content hash>: browsers may cache it for long, and a new file gets a new URL."""
    digest = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:10]
    return f"/static/{name}?v={digest}"


def when(value: datetime | None) -> str:
    """A date people read at a glance, in UTC: '3 Dec 2026, 14:05 UTC'."""
    if value is None:
        return ""
    return f"{value.day} {value:%b %Y, %H:%M} UTC"


def safe_url(value: str | None) -> str | None:
    """A link from community data only if it is http(s): never javascript:, data: or anything else."""
    if value and urlsplit(value).scheme in ("http", "https") and not any(ord(c) < 32 for c in value):
        return value
    return None


templates.env.globals.update(
    static_url=static_url,
    nav=NAV,
    csrf_field=CSRF_FIELD,
    section_titles={s.value: t for s, t in SECTION_TITLES.items()},
)
templates.env.filters["safe_url"] = safe_url
templates.env.filters["when"] = when
templates.env.filters["iso"] = lambda value: value.isoformat() if value else ""


def is_htmx(request: Request) -> bool:
    """An htmx swap (not a history restore, which needs the whole page)."""
    return request.headers.get("hx-request") == "true" and request.headers.get("hx-history-restore-request") is None


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    person: PersonRecord | None = None,
    status: int = 200,
    block: str | None = None,
) -> Response:
    """The page `name`; for an htmx request with `block`, only that block (the page and fragment never drift)."""
    ctx = {"person": person, "csrf_token": csrf_token(request), "path": request.url.path, **(context or {})}
    fragment = block if block and is_htmx(request) else None
    if fragment:
        response: Response = templates.TemplateResponse(request, name, ctx, status_code=status, block_name=fragment)
    else:
        response = templates.TemplateResponse(request, name, ctx, status_code=status)
    response.headers["Vary"] = "HX-Request, Cookie"
    finish_csrf_cookie(request, response)
    return response


def html(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status_code=status)


def see_other(path: str, **query: str) -> RedirectResponse:
    """Post/redirect/get: a 303 to `path`, with the non-empty query values (outcome codes, the search kept)."""
    kept = {k: v for k, v in query.items() if v}
    return RedirectResponse(path + (f"?{urlencode(kept)}" if kept else ""), status_code=303)
