"""LTI 1.3 in: an LMS launches Tacit for a course's community. Registration, OIDC login initiation, the launch
(id_token checked against the platform's keys, nonce used once, deployment known), roles, deep linking, and the
Names and Roles sync. Every refusal says why, and nothing is stored for a refused launch."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import jwt

from connectors.errors import PlatformError
from connectors.lti.keys import ToolKey
from connectors.lti.nrps import NamesAndRoles
from connectors.lti.platform import CLAIM, DEEP_LINKING, NRPS, InvalidLaunch, PlatformKeys, verify_id_token
from elicitor.model import Role
from store.records import PlatformRecord
from store.uow import UnitOfWork
from workflow.access import require_admin, require_steward, viewer_of
from workflow.errors import Forbidden, InvalidInput, NotFound
from workflow.guides import list_published
from workflow.services import Services

STATE_AUDIENCE, DEEP_LINK_AUDIENCE = "tacit-lti-state", "tacit-lti-deep-link"
RESOURCE_LINK, DEEP_LINK_REQUEST = "LtiResourceLinkRequest", "LtiDeepLinkingRequest"
ROLE_RANK = {Role.MEMBER: 0, Role.EXPERT: 1, Role.STEWARD: 2}
LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
STEWARD_ROLES = {
    LIS + "membership#Administrator",
    LIS + "membership#Instructor",
    LIS + "institution/person#Administrator",
}
EXPERT_ROLES = {
    LIS + "membership#Mentor",
    LIS + "membership#ContentDeveloper",
    LIS + "membership/Instructor#TeachingAssistant",
}


@dataclass(frozen=True)
class LtiTool:
    """What the LTI use cases need: Tacit's key, the platforms' keys, the Names and Roles client, the public URL."""

    key: ToolKey
    platform_keys: PlatformKeys
    names_roles: NamesAndRoles
    public_url: str
    state_max_age_s: int = 600

    @property
    def launch_url(self) -> str:
        return f"{self.public_url}/lti/launch"


@dataclass(frozen=True)
class LoginRedirect:
    url: str
    state: str


@dataclass(frozen=True)
class Launch:
    person_id: str
    community_id: str
    role: Role
    target: str  # a path on Tacit to go to
    deep_link_session: str | None = None  # for a deep-linking request: what the chooser posts back


@dataclass(frozen=True)
class DeepLinkAnswer:
    return_url: str
    jwt: str


@dataclass(frozen=True)
class SyncReport:
    members: int
    added: int
    removed: int


def community_role(roles: list[str]) -> Role:
    """LIS roles to a community role: instructors and administrators steward it, mentors are experts."""
    if STEWARD_ROLES & set(roles):
        return Role.STEWARD
    if EXPERT_ROLES & set(roles):
        return Role.EXPERT
    return Role.MEMBER


def _url(value: str, what: str, *, public: bool = True) -> str:
    parts = urlsplit(value)
    local = parts.hostname in ("127.0.0.1", "localhost")
    if parts.scheme not in ("https", "http") or not parts.hostname or (parts.scheme == "http" and public and not local):
        raise InvalidInput(f"{what}: an https URL, not {value[:100]!r}")
    return value


def register_platform(
    services: Services,
    *,
    person_id: str,
    issuer: str,
    client_id: str,
    auth_login_url: str,
    auth_token_url: str = "",
    jwks: dict[str, Any] | None = None,
    jwks_url: str = "",
) -> PlatformRecord:
    """An admin registers an LMS (its issuer, our client id there, its endpoints and keys)."""
    if not (jwks and isinstance(jwks.get("keys"), list) and jwks["keys"]) and not jwks_url:
        raise InvalidInput("give the platform's public keys: jwks ({'keys': [...]}) or jwks_url")
    for value, what in ((auth_login_url, "auth_login_url"), (jwks_url, "jwks_url"), (auth_token_url, "auth_token_url")):
        if value:
            _url(value, what)
    with services.uow() as uow:
        require_admin(viewer_of(uow, person_id))
        return uow.lti.add_platform(
            issuer=issuer,
            client_id=client_id,
            auth_login_url=auth_login_url,
            auth_token_url=auth_token_url,
            jwks=jwks or {},
            jwks_url=jwks_url,
        )


def add_deployment(
    services: Services, *, person_id: str, platform_id: str, deployment_id: str, community_id: str
) -> None:
    """Bind a deployment of Tacit on a platform to the community its launches open (its stewards or admins)."""
    with services.uow() as uow:
        require_steward(uow, viewer_of(uow, person_id), community_id)
        if uow.lti.platform(platform_id) is None:
            raise NotFound(f"LTI platform {platform_id!r} is not registered")
        uow.lti.add_deployment(platform_id, deployment_id, community_id)


def login(
    services: Services,
    tool: LtiTool,
    *,
    issuer: str,
    login_hint: str,
    target_link_uri: str,
    client_id: str | None = None,
    lti_message_hint: str | None = None,
) -> LoginRedirect:
    """OIDC login initiation: send the browser to the platform's authorization endpoint with a state and nonce."""
    if not target_link_uri.startswith(tool.public_url + "/"):
        raise InvalidInput("target_link_uri must be a page of this Tacit")
    with services.uow() as uow:
        platforms = uow.lti.platforms_of(issuer, client_id)
    if not platforms:
        raise NotFound("this LMS is not registered with Tacit (ask an admin to register its issuer)")
    if len(platforms) > 1:
        raise InvalidInput("several registrations share this issuer: the login must name its client_id")
    platform = platforms[0]
    nonce = secrets.token_urlsafe(24)
    now = int(time.time())
    state = tool.key.sign(
        {
            "aud": STATE_AUDIENCE,
            "iat": now,
            "exp": now + tool.state_max_age_s,
            "nonce": nonce,
            "platform": platform.id,
            "target": target_link_uri,
        }
    )
    query = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": platform.client_id,
        "redirect_uri": tool.launch_url,
        "login_hint": login_hint,
        "state": state,
        "nonce": nonce,
    }
    if lti_message_hint:
        query["lti_message_hint"] = lti_message_hint
    glue = "&" if "?" in platform.auth_login_url else "?"
    return LoginRedirect(platform.auth_login_url + glue + urlencode(query), state)


def launch(services: Services, tool: LtiTool, *, id_token: str, state: str, state_cookie: str | None) -> Launch:
    """Check the launch and sign its person into the deployment's community with the role their LMS roles give."""
    if not state_cookie or not secrets.compare_digest(state_cookie, state):
        raise Forbidden("this launch did not start from this browser's login (state cookie missing or different)")
    try:
        started = tool.key.verify_own(state, STATE_AUDIENCE)
    except jwt.PyJWTError as exc:
        raise Forbidden("the login state is invalid or has expired; launch again from the LMS") from exc
    with services.uow() as uow:
        platform = uow.lti.platform(str(started.get("platform")))
    if platform is None:
        raise Forbidden("the platform of this login is no longer registered")
    try:
        claims = verify_id_token(
            id_token,
            tool.platform_keys.jwks(platform.jwks, platform.jwks_url),
            issuer=platform.issuer,
            client_id=platform.client_id,
        )
    except (InvalidLaunch, PlatformError) as exc:
        raise Forbidden(f"launch refused: {exc}") from exc
    if not secrets.compare_digest(str(claims["nonce"]), str(started.get("nonce"))):
        raise Forbidden("launch refused: the id_token's nonce is not the one this login sent")
    kind = claims.get(CLAIM + "message_type")
    if kind not in (RESOURCE_LINK, DEEP_LINK_REQUEST):
        raise Forbidden(f"launch refused: message type {str(kind)[:60]!r} is not supported")
    deployment_id = str(claims.get(CLAIM + "deployment_id") or "")
    return _sign_in(services, tool, platform, claims, deployment_id, kind, str(started.get("target") or ""))


def _sign_in(
    services: Services,
    tool: LtiTool,
    platform: PlatformRecord,
    claims: dict[str, Any],
    deployment_id: str,
    kind: str,
    target: str,
) -> Launch:
    roles = [r for r in claims.get(CLAIM + "roles", []) if isinstance(r, str)]
    name = str(claims.get("name") or claims.get("given_name") or "")[:200]
    email = claims.get("email") if isinstance(claims.get("email"), str) else None
    with services.uow() as uow:
        lti = uow.lti
        deployment = lti.deployment(platform.id, deployment_id)
        if deployment is None:
            raise Forbidden(f"launch refused: deployment {deployment_id[:80]!r} is not bound to a community")
        if not lti.use_nonce(str(claims["nonce"]), platform.id, services.clock()):
            raise Forbidden("launch refused: this id_token was already used (replay)")
        person_id = lti.person_for(platform.id, str(claims["sub"]), name, email)
        role = _grant(uow, deployment.community_id, person_id, community_role(roles))
        service = claims.get(NRPS)
        if isinstance(service, dict) and isinstance(service.get("context_memberships_url"), str):
            lti.set_memberships_url(platform.id, deployment_id, service["context_memberships_url"])
    community = deployment.community_id
    if kind == DEEP_LINK_REQUEST:
        settings = claims.get(DEEP_LINKING + "deep_linking_settings") or {}
        return_url = settings.get("deep_link_return_url") if isinstance(settings, dict) else None
        if not isinstance(return_url, str) or role == Role.MEMBER:
            raise Forbidden("deep linking needs an instructor and a return URL")
        now = int(time.time())
        session_token = tool.key.sign(
            {
                "aud": DEEP_LINK_AUDIENCE,
                "iat": now,
                "exp": now + 3600,
                "platform": platform.id,
                "deployment": deployment_id,
                "return_url": _url(return_url, "deep_link_return_url", public=False),
                "data": settings.get("data"),
                "person": person_id,
                "community": community,
            }
        )
        return Launch(person_id, community, role, f"/lti/deep-link?community={community}", session_token)
    path = target[len(tool.public_url) :] if target.startswith(tool.public_url + "/") else ""
    return Launch(person_id, community, role, path or f"/?community={community}")


def _grant(uow: UnitOfWork, community_id: str, person_id: str, role: Role) -> Role:
    """The LMS may raise a person's role in the community, never lower one Tacit gave."""
    current = uow.communities.role_of(community_id, person_id)
    if current is None or ROLE_RANK[role] > ROLE_RANK[current]:
        uow.communities.set_role(community_id, person_id, role)
        return role
    return current


def deep_link_session(tool: LtiTool, token: str) -> dict[str, Any]:
    try:
        return tool.key.verify_own(token, DEEP_LINK_AUDIENCE)
    except jwt.PyJWTError as exc:
        raise Forbidden("the deep-linking session is invalid or has expired; start again from the LMS") from exc


def deep_link_choices(services: Services, tool: LtiTool, *, token: str) -> list[tuple[str, str]]:
    """(guide id, title) of the community's published guides, for the instructor to choose from."""
    session = deep_link_session(tool, token)
    guides = list_published(services, person_id=str(session["person"]), community_id=str(session["community"]))
    return [(g.id, str(g.content.get("title") or "Guide")) for g in guides]


def deep_link_answer(services: Services, tool: LtiTool, *, token: str, guide_ids: list[str]) -> DeepLinkAnswer:
    """The signed LtiDeepLinkingResponse that puts the chosen guides into the course as resource links."""
    session = deep_link_session(tool, token)
    chosen = dict(deep_link_choices(services, tool, token=token))
    unknown = [g for g in guide_ids if g not in chosen]
    if unknown or not guide_ids:
        raise InvalidInput("choose one or more published guides of this community")
    with services.uow() as uow:
        platform = uow.lti.platform(str(session["platform"]))
    if platform is None:
        raise Forbidden("the platform is no longer registered")
    items = [
        {"type": "ltiResourceLink", "title": chosen[g][:300], "url": f"{tool.public_url}/guides/{g}"} for g in guide_ids
    ]
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": platform.client_id,
        "aud": platform.issuer,
        "iat": now,
        "exp": now + 600,
        "nonce": secrets.token_urlsafe(16),
        CLAIM + "message_type": "LtiDeepLinkingResponse",
        CLAIM + "version": "1.3.0",
        CLAIM + "deployment_id": session["deployment"],
        DEEP_LINKING + "content_items": items,
    }
    if session.get("data") is not None:
        claims[DEEP_LINKING + "data"] = session["data"]
    return DeepLinkAnswer(str(session["return_url"]), tool.key.sign(claims))


def sync_members(services: Services, tool: LtiTool, *, person_id: str, community_id: str) -> SyncReport:
    """Names and Roles: the course's members join the community (roles raised, never lowered); LMS members who
    left the course leave it, unless Tacit made them expert or steward."""
    with services.uow() as uow:
        require_steward(uow, viewer_of(uow, person_id), community_id)
        deployments = [d for d in uow.lti.deployments_of(community_id) if d.memberships_url]
        platforms = {d.platform_id: uow.lti.platform(d.platform_id) for d in deployments}
    if not deployments:
        raise Forbidden("no LMS course has launched this community with the Names and Roles service yet")
    members = added = removed = 0
    for d in deployments:
        platform = platforms[d.platform_id]
        if platform is None or not platform.auth_token_url:
            continue
        try:
            token = tool.names_roles.token(token_url=platform.auth_token_url, client_id=platform.client_id)
            roster = tool.names_roles.members(memberships_url=d.memberships_url, token=token)
        except PlatformError as exc:
            raise InvalidInput(f"the LMS did not give its members: {exc}") from exc
        with services.uow() as uow:
            present = set()
            for m in (m for m in roster if m.active):
                person = uow.lti.person_for(platform.id, m.user_id, m.name, m.email or None)
                added += uow.communities.role_of(community_id, person) is None
                _grant(uow, community_id, person, community_role(list(m.roles)))
                present.add(person)
            for person in set(uow.lti.launched_people(platform.id).values()) - present:
                if uow.communities.role_of(community_id, person) == Role.MEMBER:
                    uow.communities.remove_member(community_id, person)
                    removed += 1
            members += len(present)
    return SyncReport(members, added, removed)
