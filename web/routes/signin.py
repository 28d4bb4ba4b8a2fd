"""Signing in and out: an API token pasted into a form, a one-time link, or OIDC (web/oidc_flow.py)."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from api.auth import ServicesDep
from store.records import PersonRecord
from web.oidc_flow import COOKIE as OIDC_COOKIE
from web.oidc_flow import FLOW_SECONDS, OidcClient, OidcError, pack, unpack
from web.security import (
    CsrfChecked,
    MaybePerson,
    clear_session_cookie,
    is_https,
    safe_next,
    session_token,
    set_session_cookie,
)
from web.templating import render
from workflow.errors import InvalidInput, NotFound
from workflow.people import person_for_token
from workflow.sessions import end_session, person_for_identity, redeem_sign_in_link, start_session

router = APIRouter(include_in_schema=False)
log = logging.getLogger("tacit.web")


def oidc_enabled(request: Request) -> bool:
    settings = request.app.state.tacit.settings
    return bool(settings.oidc_issuer and settings.oidc_client_id)


def signed_in(request: Request, services: ServicesDep, person: PersonRecord, via: str, next_url: str) -> Response:
    """A fresh session (never the one the browser came with: no session fixation) and a redirect onwards."""
    old = session_token(request)
    if old:
        end_session(services, old)
    token = start_session(services, person_id=person.id, via=via, hours=request.app.state.tacit.settings.session_hours)
    response = RedirectResponse(safe_next(next_url), status_code=303)
    set_session_cookie(request, response, token)
    return response


@router.get("/signin")
def signin_page(request: Request, person: MaybePerson, next: str = "/", signed_out: bool = False) -> Response:
    if person is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    flash = "You are signed out." if signed_out else None
    context = {"next": safe_next(next), "oidc": oidc_enabled(request), "flash": flash}
    return render(request, "signin.html", context)


@router.post("/signin", dependencies=[CsrfChecked])
def signin_with_token(
    request: Request, services: ServicesDep, token: Annotated[str, Form(max_length=200)] = "", next: str = Form("/")
) -> Response:
    person = person_for_token(services, token.strip()) if token.strip() else None
    if person is None:
        context = {
            "next": safe_next(next),
            "oidc": oidc_enabled(request),
            "error": "That API token is unknown or revoked. Check you copied all of it, or ask for a new one.",
        }
        return render(request, "signin.html", context, status=400)
    return signed_in(request, services, person, "token", next)


@router.get("/signin/link/{token}")
def link_page(request: Request, token: str) -> Response:
    """Shows a button rather than signing in on GET: link previews and mail scanners must not spend the link."""
    response = render(request, "signin_link.html", {"token": token})
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.post("/signin/link/{token}", dependencies=[CsrfChecked])
def use_link(request: Request, services: ServicesDep, token: str) -> Response:
    person = redeem_sign_in_link(services, token) if len(token) <= 200 else None
    if person is None:
        context = {
            "heading": "This sign-in link cannot be used",
            "message": "It was used already or has expired (links work once, for a short time). Ask for a new "
            "one, or sign in another way.",
            "back": "/signin",
            "back_label": "Other ways to sign in",
        }
        return render(request, "error.html", context, status=410)
    return signed_in(request, services, person, "link", "/")


@router.post("/signout", dependencies=[CsrfChecked])
def signout(request: Request, services: ServicesDep) -> Response:
    token = session_token(request)
    if token:
        end_session(services, token)
    response = RedirectResponse("/signin?signed_out=true", status_code=303)
    clear_session_cookie(request, response)
    return response


def _oidc(request: Request) -> OidcClient:
    client = getattr(request.app.state, "oidc_client", None)
    if client is None:
        client = request.app.state.oidc_client = OidcClient(request.app.state.tacit.settings)
    return client


def _oidc_failed(request: Request, reason: str) -> Response:
    log.info("oidc sign-in failed: %s", reason)
    context = {
        "heading": "Single sign-on did not work",
        "message": f"Signing in with your organisation's account did not work: {reason}. Try again; if it keeps "
        "failing, sign in with a link or an API token and tell your steward.",
        "back": "/signin",
        "back_label": "Back to sign-in",
    }
    response = render(request, "error.html", context, status=400)
    response.delete_cookie(OIDC_COOKIE, path="/signin/oidc")
    return response


@router.get("/signin/oidc")
def oidc_start(request: Request, next: str = "/") -> Response:
    if not oidc_enabled(request):
        raise NotFound("single sign-on is not configured")
    try:
        url, flow = _oidc(request).start(safe_next(next))
    except OidcError as exc:
        return _oidc_failed(request, str(exc))
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        OIDC_COOKIE,
        pack(request.app.state.session_secret, flow),
        max_age=FLOW_SECONDS,
        httponly=True,
        samesite="lax",  # the provider sends the browser back with a top-level GET: Lax cookies come along
        secure=is_https(request),
        path="/signin/oidc",
    )
    return response


@router.get("/signin/oidc/callback")
def oidc_callback(
    request: Request, services: ServicesDep, code: str = "", state: str = "", error: str = ""
) -> Response:
    if not oidc_enabled(request):
        raise NotFound("single sign-on is not configured")
    if error or not code:
        return _oidc_failed(request, f"the identity provider said {error[:80] or 'nothing'}")
    try:
        flow = unpack(request.app.state.session_secret, request.cookies.get(OIDC_COOKIE))
        identity = _oidc(request).finish(flow, code=code[:2000], state=state[:200])
        person = person_for_identity(
            services,
            issuer=identity.issuer,
            subject=identity.subject,
            handle_hint=identity.handle_hint,
            name=identity.name,
        )
    except (OidcError, InvalidInput) as exc:
        return _oidc_failed(request, str(exc))
    response = signed_in(request, services, person, "oidc", flow.get("next", "/"))
    response.delete_cookie(OIDC_COOKIE, path="/signin/oidc")
    return response
