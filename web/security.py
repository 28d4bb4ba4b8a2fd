"""Sessions and CSRF for the pages: signed cookies, a revocable server-side session, one dependency per concern.

- The session cookie carries a random token (its hash is the server-side session) plus an HMAC signature with
  the session secret, so a forged or truncated cookie is refused before the database is asked.
- CSRF: a signed double-submit token. A random `tacit_csrf` cookie is set on first visit; every form carries
  HMAC(secret, csrf cookie | session cookie) and `csrf_protect` compares it in constant time. A cross-site page
  can neither read the cookie nor compute the HMAC. The Origin header, when sent, must be ours as well.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request, Response

from api.auth import ServicesDep
from api.settings import Settings
from store.records import PersonRecord
from workflow.sessions import person_for_session

SESSION_COOKIE = "tacit_session"
CSRF_COOKIE = "tacit_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class SignInRequired(Exception):
    """The page needs a signed-in person; the error handler sends the browser to /signin?next=..."""

    def __init__(self, next_url: str) -> None:
        super().__init__("sign in to see this page")
        self.next_url = next_url


class CsrfFailed(Exception):
    """A form without a valid CSRF token, or posted from another site."""


def load_secret(settings: Settings) -> bytes:
    """The session secret: the setting, or a random one kept in the data folder (created once, mode 0600)."""
    if settings.session_secret is not None and settings.session_secret.get_secret_value():
        return settings.session_secret.get_secret_value().encode()
    path = Path(settings.data_dir) / "session-secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip().encode()


def _sign(secret: bytes, value: str) -> str:
    return hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()


def _secret(request: Request) -> bytes:
    return request.app.state.session_secret


def session_token(request: Request) -> str | None:
    """The session token from a cookie whose signature holds; None otherwise."""
    raw = request.cookies.get(SESSION_COOKIE, "")
    token, _, signature = raw.rpartition(".")
    if not token or not hmac.compare_digest(signature, _sign(_secret(request), "session|" + token)):
        return None
    return token


def is_https(request: Request) -> bool:
    public = request.app.state.tacit.settings.public_url
    return request.url.scheme == "https" or public.startswith("https://")


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    value = f"{token}.{_sign(_secret(request), 'session|' + token)}"
    hours = request.app.state.tacit.settings.session_hours
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=int(hours * 3600),
        httponly=True,
        samesite="lax",
        secure=is_https(request),
        path="/",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=is_https(request))


def csrf_token(request: Request) -> str:
    """The token forms on this page carry; creates the CSRF cookie's value when the browser has none yet."""
    seed = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf_seed", None)
    if not seed:
        seed = secrets.token_urlsafe(24)
        request.state.new_csrf_seed = seed  # set on the response by `finish_csrf_cookie`
    return _sign(_secret(request), f"csrf|{seed}|{request.cookies.get(SESSION_COOKIE, '')}")


def finish_csrf_cookie(request: Request, response: Response) -> None:
    seed = getattr(request.state, "new_csrf_seed", None)
    if seed:
        response.set_cookie(CSRF_COOKIE, seed, httponly=True, samesite="lax", secure=is_https(request), path="/")


async def csrf_protect(request: Request) -> None:
    """Dependency for every page POST: a valid CSRF token from this site, or CsrfFailed (a 403 page)."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and not _same_origin(request, origin):
        raise CsrfFailed("this form was sent from another site")
    seed = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not seed or not sent:
        raise CsrfFailed("this form has no security token (are cookies blocked?)")
    expected = _sign(_secret(request), f"csrf|{seed}|{request.cookies.get(SESSION_COOKIE, '')}")
    if not hmac.compare_digest(sent, expected):
        raise CsrfFailed("this form's security token has expired")


def _same_origin(request: Request, origin: str) -> bool:
    ours = {f"{request.url.scheme}://{request.url.netloc}"}
    public = urlsplit(request.app.state.tacit.settings.public_url)
    ours.add(f"{public.scheme}://{public.netloc}")
    return origin.rstrip("/") in ours


def optional_person(request: Request, services: ServicesDep) -> PersonRecord | None:
    """The signed-in person, or None (for pages anyone may open, such as /signin)."""
    token = session_token(request)
    return person_for_session(services, token) if token else None


def current_person(request: Request, person: Annotated[PersonRecord | None, Depends(optional_person)]) -> PersonRecord:
    """The signed-in person, or a redirect to /signin that comes back here afterwards."""
    if person is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target)
    return person


def sign_in_url(next_url: str) -> str:
    return "/signin" if next_url in ("", "/") else f"/signin?next={quote(next_url, safe='')}"


def safe_next(next_url: str | None) -> str:
    """Only a path on this site: never an absolute URL, a protocol-relative //host or a backslash trick."""
    if not next_url or not next_url.startswith("/") or next_url.startswith("//") or "\\" in next_url:
        return "/"
    if any(ord(c) < 32 for c in next_url):
        return "/"
    return next_url


PagePerson = Annotated[PersonRecord, Depends(current_person)]
MaybePerson = Annotated[PersonRecord | None, Depends(optional_person)]
CsrfChecked = Depends(csrf_protect)
