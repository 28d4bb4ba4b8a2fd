"""Slack Web API over httpx: users.info, conversations.open, chat.postMessage; 429s waited out with Retry-After."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from connectors.errors import PlatformError
from connectors.http import send
from connectors.model import GuideNote, NudgeNote, Profile, Sent, Where, guide_text, nudge_text

DEFAULT_API_URL = "https://slack.com/api"


class SlackClient:
    """A Slack app's bot token and the Web API methods Tacit needs."""

    platform = "slack"

    def __init__(
        self,
        http: httpx.Client,
        token: str,
        api_url: str = DEFAULT_API_URL,
        max_wait_s: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._http, self._token, self._url = http, token, api_url.rstrip("/")
        self._max_wait_s, self._sleep = max_wait_s, sleep

    def call(self, method: str, data: dict[str, str]) -> dict[str, Any]:
        """POST a Web API method (form-encoded, as every method accepts) and return the body when `ok`."""
        request = self._http.build_request(
            "POST", f"{self._url}/{method}", data=data, headers={"Authorization": f"Bearer {self._token}"}
        )
        body = send(self._http, request, what=f"slack {method}", max_wait_s=self._max_wait_s, sleep=self._sleep).json()
        if not body.get("ok"):
            raise PlatformError(f"slack {method}: {body.get('error', 'unknown_error')}")
        return body

    def profile(self, workspace: str, user_id: str) -> Profile | None:
        user = self.call("users.info", {"user": user_id}).get("user") or {}
        profile = user.get("profile") or {}
        name = profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user.get("name")
        return Profile(display_name=name or user_id, email=profile.get("email")) if user else None

    def send_nudge(self, workspace: str, user_id: str, note: NudgeNote) -> Sent:
        """Open the DM with the person and post the question there."""
        channel = self.call("conversations.open", {"users": user_id})["channel"]["id"]
        posted = self.call("chat.postMessage", {"channel": channel, "text": nudge_text(note), "unfurl_links": "false"})
        return Sent(conversation=channel, message_ref=posted["ts"])

    def acknowledge(self, workspace: str, sent: Sent, text: str) -> None:
        data = {"channel": sent.conversation, "text": text}
        if sent.message_ref:
            data["thread_ts"] = sent.message_ref
        self.call("chat.postMessage", data)

    def announce(self, where: Where, note: GuideNote) -> None:
        self.call("chat.postMessage", {"channel": where.channel, "text": guide_text(note), "unfurl_links": "false"})
