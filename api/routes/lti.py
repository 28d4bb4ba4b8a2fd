"""LTI 1.3: login initiation, launch, deep linking, Tacit's JWKS; registration and the members sync (JSON)."""

from __future__ import annotations

from html import escape
from typing import Any, Literal
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from api.auth import PersonDep, ServicesDep
from web.security import set_session_cookie
from workflow import lti, sessions
from workflow.errors import InvalidInput, NotFound

router = APIRouter(tags=["lti"])
STATE_COOKIE, DEEP_LINK_COOKIE = "tacit_lti_state", "tacit_lti_deep_link"


class PlatformIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    issuer: str = Field(min_length=1, max_length=500)
    client_id: str = Field(min_length=1, max_length=200)
    auth_login_url: str = Field(min_length=1, max_length=1000)
    auth_token_url: str = Field(default="", max_length=1000)
    jwks: dict[str, Any] | None = None
    jwks_url: str = Field(default="", max_length=1000)


class DeploymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    deployment_id: str = Field(min_length=1, max_length=200)
    community_id: str = Field(min_length=1, max_length=64)


def _tool(request: Request) -> lti.LtiTool:
    tool = request.app.state.tacit.lti
    if tool is None:
        raise NotFound("LTI is not set up on this Tacit")
    return tool


async def _params(request: Request) -> dict[str, str]:
    """Query and urlencoded form fields (LTI posts forms); the first value of each, bounded."""
    values = {k: v for k, v in request.query_params.items()}
    if request.method == "POST":
        body = (await request.body()).decode("utf-8", errors="replace")
        values.update({k: v[0] for k, v in parse_qs(body, max_num_fields=200).items() if v})
    return {k: v[:20_000] for k, v in values.items()}


def _cookie(response: Response, tool: lti.LtiTool, name: str, value: str, max_age: int, path: str = "/") -> None:
    secure = tool.public_url.startswith("https://")
    # The platform posts the launch from its own site: over https the state cookie must be SameSite=None.
    same_site: Literal["lax", "none"] = "none" if secure else "lax"
    response.set_cookie(name, value, max_age=max_age, path=path, httponly=True, secure=secure, samesite=same_site)


@router.api_route("/lti/login", methods=["GET", "POST"], include_in_schema=False)  # browser-facing: error pages
async def login(request: Request, services: ServicesDep) -> Response:
    """OIDC login initiation from the platform: redirect to its authorization endpoint."""
    tool, p = _tool(request), await _params(request)
    missing = [k for k in ("iss", "login_hint", "target_link_uri") if not p.get(k)]
    if missing:
        raise InvalidInput(f"login initiation needs {', '.join(missing)}")
    redirect = lti.login(
        services,
        tool,
        issuer=p["iss"],
        login_hint=p["login_hint"],
        target_link_uri=p["target_link_uri"],
        client_id=p.get("client_id"),
        lti_message_hint=p.get("lti_message_hint"),
    )
    response = RedirectResponse(redirect.url, status_code=302)
    _cookie(response, tool, STATE_COOKIE, redirect.state, tool.state_max_age_s, path="/lti")
    return response


@router.post("/lti/launch", include_in_schema=False)
async def launch(request: Request, services: ServicesDep) -> Response:
    """The platform posts the id_token; the person is signed in to the community and sent to the page."""
    tool, p = _tool(request), await _params(request)
    if not p.get("id_token") or not p.get("state"):
        raise InvalidInput("a launch posts id_token and state")
    done = lti.launch(
        services, tool, id_token=p["id_token"], state=p["state"], state_cookie=request.cookies.get(STATE_COOKIE)
    )
    # An LTI launch is an OpenID Connect sign-in the platform started: the pages' own browser session.
    hours = request.app.state.tacit.settings.session_hours
    token = sessions.start_session(services, person_id=done.person_id, via="oidc", hours=hours)
    response = RedirectResponse(done.target, status_code=303)
    set_session_cookie(request, response, token)
    response.delete_cookie(STATE_COOKIE, path="/lti")
    if done.deep_link_session:
        _cookie(response, tool, DEEP_LINK_COOKIE, done.deep_link_session, 3600, path="/lti")
    return response


@router.get("/lti/deep-link", include_in_schema=False)
def deep_link_page(request: Request, services: ServicesDep) -> HTMLResponse:
    """The instructor chooses guides to place in the course."""
    tool = _tool(request)
    choices = lti.deep_link_choices(services, tool, token=request.cookies.get(DEEP_LINK_COOKIE) or "")
    items = "".join(
        f'<li><input type="checkbox" name="guide" value="{escape(g)}" id="g-{escape(g)}">'
        f'<label for="g-{escape(g)}">{escape(title)}</label></li>'
        for g, title in choices
    )
    body = (
        f'<h1>Add guides to your course</h1><form method="post" action="/lti/deep-link"><fieldset>'
        f"<legend>Published guides</legend><ul>{items or '<li>No published guides yet.</li>'}</ul></fieldset>"
        f'<button type="submit">Add to the course</button></form>'
    )
    return HTMLResponse(_page("Add guides to your course", body))


@router.post("/lti/deep-link", include_in_schema=False)
async def deep_link_answer(request: Request, services: ServicesDep) -> HTMLResponse:
    """Post the signed choice back to the platform (a form the browser submits)."""
    tool = _tool(request)
    body = (await request.body()).decode("utf-8", errors="replace")
    guide_ids = parse_qs(body, max_num_fields=200).get("guide", [])
    answer = lti.deep_link_answer(
        services, tool, token=request.cookies.get(DEEP_LINK_COOKIE) or "", guide_ids=guide_ids
    )
    form = (
        f'<h1>Back to your course</h1><form method="post" action="{escape(answer.return_url)}" id="return">'
        f'<input type="hidden" name="JWT" value="{escape(answer.jwt)}">'
        f'<button type="submit">Return to the course with {len(guide_ids)} guide(s)</button></form>'
        '<script>document.getElementById("return").submit()</script>'
    )
    response = HTMLResponse(_page("Back to your course", form))
    response.delete_cookie(DEEP_LINK_COOKIE, path="/lti")
    return response


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)} - Tacit</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        f"<body><main>{body}</main></body></html>"
    )


@router.get("/.well-known/jwks.json")
def jwks(request: Request) -> dict[str, Any]:
    """Tacit's public keys, for platforms verifying what Tacit signs."""
    return _tool(request).key.jwks()


@router.post("/v1/lti/platforms", status_code=201)
def register_platform(body: PlatformIn, services: ServicesDep, person: PersonDep) -> dict[str, str]:
    """Register an LMS (admins)."""
    platform = lti.register_platform(services, person_id=person.id, **body.model_dump())
    return {"id": platform.id, "issuer": platform.issuer, "client_id": platform.client_id}


@router.put("/v1/lti/platforms/{platform_id}/deployments", status_code=204)
def add_deployment(platform_id: str, body: DeploymentIn, services: ServicesDep, person: PersonDep) -> Response:
    """Bind a deployment to the community its launches open (its stewards, or admins)."""
    lti.add_deployment(services, person_id=person.id, platform_id=platform_id, **body.model_dump())
    return Response(status_code=204)


@router.post("/v1/communities/{community_id}/lti/sync")
def sync_members(community_id: str, request: Request, services: ServicesDep, person: PersonDep) -> dict[str, int]:
    """Names and Roles: bring the course's members into the community."""
    report = lti.sync_members(services, _tool(request), person_id=person.id, community_id=community_id)
    return {"members": report.members, "added": report.added, "removed": report.removed}
