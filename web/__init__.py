"""Pages for people (learners, experts, stewards): server-rendered, plain forms, htmx as an extra.

`mount(app)` adds the routes, the static files, the page error handlers and the security headers to the API's
FastAPI app; every page calls the same workflow functions as the JSON API (see docs/web.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from web import errors
from web.security import load_secret
from web.templating import STATIC

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]

# No inline script or style anywhere (not even htmx's indicator styles: switched off in base.html's htmx-config).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
PAGE_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class PageHeaders:
    """ASGI middleware: security headers on pages; private pages are not stored by browsers or proxies."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Message]], send: Callable) -> None:
        if scope["type"] != "http" or _is_api(scope["path"]):
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"cache-control"]
                cache = b"public, max-age=31536000, immutable" if static else b"no-store"
                message["headers"] = [*headers, *PAGE_HEADERS, (b"cache-control", cache)]
            await send(message)

        await self.app(scope, receive, with_headers)


def _is_api(path: str) -> bool:
    return any(path == p or path.startswith(p.rstrip("/") + "/") for p in errors.API_PREFIXES)


def mount(app: FastAPI) -> None:
    """Add the pages to the app built by api.app.create_app."""
    from web.routes import ROUTERS

    app.state.session_secret = load_secret(app.state.tacit.settings)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)
    errors.install(app)
    app.add_middleware(PageHeaders)  # type: ignore[arg-type]
