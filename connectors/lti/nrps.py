"""The Names and Roles Provisioning Service: a course's members, read with a token from the platform."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from connectors.errors import PlatformError
from connectors.lti.keys import ToolKey

SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
MEDIA_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
MAX_PAGES = 50


@dataclass(frozen=True)
class Member:
    user_id: str
    name: str
    email: str
    roles: tuple[str, ...]
    active: bool


class NamesAndRoles:
    def __init__(self, http: httpx.Client, key: ToolKey) -> None:
        self._http, self._key = http, key

    def token(self, *, token_url: str, client_id: str) -> str:
        """An access token by client credentials, with a JWT assertion signed by Tacit's key."""
        now = int(time.time())
        assertion = self._key.sign(
            {
                "iss": client_id,
                "sub": client_id,
                "aud": token_url,
                "iat": now,
                "exp": now + 300,
                "jti": uuid.uuid4().hex,
            }
        )
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
            "scope": SCOPE,
        }
        body = self._call("POST", token_url, data=form)
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise PlatformError("lti.token: no access_token in the answer")
        return token

    def members(self, *, memberships_url: str, token: str) -> list[Member]:
        """Every member of the context, following the Link: rel=next pages."""
        url: str | None = memberships_url
        found: list[Member] = []
        for _ in range(MAX_PAGES):
            if url is None:
                break
            response = self._send("GET", url, headers={"Authorization": f"Bearer {token}", "Accept": MEDIA_TYPE})
            for m in response.json().get("members", []):
                if isinstance(m, dict) and isinstance(m.get("user_id"), str):
                    roles = tuple(r for r in m.get("roles", []) if isinstance(r, str))
                    found.append(
                        Member(
                            m["user_id"],
                            str(m.get("name") or "")[:200],
                            str(m.get("email") or "")[:320],
                            roles,
                            m.get("status", "Active") == "Active",
                        )
                    )
            url = response.links.get("next", {}).get("url")
        return found

    def _call(self, method: str, url: str, **kw: Any) -> dict[str, Any]:
        body = self._send(method, url, **kw).json()
        if not isinstance(body, dict):
            raise PlatformError(f"lti.{method.lower()}: the answer is not a JSON object")
        return body

    def _send(self, method: str, url: str, **kw: Any) -> httpx.Response:
        try:
            response = self._http.request(method, url, **kw)
        except httpx.HTTPError as exc:
            raise PlatformError(f"lti {method} {url}: {type(exc).__name__}") from exc
        if response.status_code >= 400:
            raise PlatformError(f"lti {method} {url}: HTTP {response.status_code}")
        return response
