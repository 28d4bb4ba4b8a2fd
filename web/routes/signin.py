"""Signing in and out: an API token pasted into a form, a one-time link, or OIDC (web/oidc_flow.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from api.auth import ServicesDep
from store.records import PersonRecord
from web.security import (
    CsrfChecked,
    MaybePerson,
    clear_session_cookie,
    safe_next,
    session_token,
    set_session_cookie,
)
from web.templating import render
from workflow.people import person_for_token
from workflow.sessions import end_session, redeem_sign_in_link, start_session

router = APIRouter(include_in_schema=False)


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
