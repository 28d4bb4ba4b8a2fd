"""Slack Web API over httpx: users, DMs, messages, views; 429s waited out with Retry-After.

Block Kit content comes from connectors/slack/interactive.py; this module only sends it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx

from connectors.errors import PlatformError
from connectors.http import send
from connectors.model import GuideNote, NudgeNote, Profile, ReviewNote, Sent, Where, guide_text, nudge_text
from connectors.slack import interactive, payloads

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

    def call(self, method: str, data: dict[str, str], timeout_s: float | None = None) -> dict[str, Any]:
        """POST a Web API method (form-encoded, as every method accepts) and return the body when `ok`.

        With `timeout_s` (calls made inside Slack's 3 s) the call is bounded and a 429 is not waited out.
        """
        request = self._http.build_request(
            "POST",
            f"{self._url}/{method}",
            data=data,
            headers={"Authorization": f"Bearer {self._token}"},
            timeout=timeout_s if timeout_s is not None else httpx.USE_CLIENT_DEFAULT,
        )
        wait = 0.0 if timeout_s is not None else self._max_wait_s
        body = send(self._http, request, what=f"slack {method}", max_wait_s=wait, sleep=self._sleep).json()
        if not body.get("ok"):
            raise PlatformError(f"slack {method}: {body.get('error', 'unknown_error')}")
        return body

    def profile(self, workspace: str, user_id: str) -> Profile | None:
        user = self.call("users.info", {"user": user_id}).get("user") or {}
        profile = user.get("profile") or {}
        name = profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user.get("name")
        return Profile(display_name=name or user_id, email=profile.get("email")) if user else None

    def send_nudge(self, workspace: str, user_id: str, note: NudgeNote) -> Sent:
        """Open the DM with the person and post the question there, with Answer / Decline / Snooze buttons."""
        text = nudge_text(note)
        blocks = interactive.nudge_blocks(text, note.nudge_id, note.url) if note.nudge_id and note.url else None
        return self.direct_message(user_id, text, blocks)

    def direct_message(self, user_id: str, text: str, blocks: list[dict] | None = None) -> Sent:
        """Open the DM with the person and post there (blocks shown, text as the notification's fallback)."""
        channel = self.call("conversations.open", {"users": user_id})["channel"]["id"]
        return self.post_message(channel, text, blocks)

    def post_message(
        self, channel: str, text: str, blocks: list[dict] | None = None, thread_ts: str | None = None
    ) -> Sent:
        data = {"channel": channel, "text": interactive.escape(text), "unfurl_links": "false"}
        if blocks:
            data["blocks"] = json.dumps(blocks)
        if thread_ts:
            data["thread_ts"] = thread_ts
        posted = self.call("chat.postMessage", data)
        return Sent(conversation=str(posted.get("channel", channel)), message_ref=str(posted["ts"]))

    def update_message(self, channel: str, ts: str, text: str, blocks: list[dict]) -> None:
        """chat.update: a message Tacit posted shows the outcome (approved, declined ...)."""
        data = {"channel": channel, "ts": ts, "text": interactive.escape(text), "blocks": json.dumps(blocks)}
        self.call("chat.update", data)

    def open_view(self, trigger_id: str, view: dict, timeout_s: float) -> str:
        """views.open with the trigger id of a click (valid 3 s, once); the view's id."""
        body = self.call("views.open", {"trigger_id": trigger_id, "view": json.dumps(view)}, timeout_s=timeout_s)
        return str((body.get("view") or {}).get("id", ""))

    def publish_home(self, user_id: str, view: dict) -> None:
        self.call("views.publish", {"user_id": user_id, "view": json.dumps(view)})

    def respond(self, response_url: str, message: dict) -> None:
        """Post to a command's or action's response_url (ephemeral unless response_type says in_channel)."""
        url = payloads.response_url(response_url)
        request = self._http.build_request("POST", url, json=message)
        response = send(self._http, request, what="slack response_url", max_wait_s=self._max_wait_s, sleep=self._sleep)
        if response.headers.get("content-type", "").startswith("application/json"):
            body = response.json()
            if isinstance(body, dict) and body.get("ok") is False:
                raise PlatformError(f"slack response_url: {body.get('error', 'unknown_error')}")

    def send_review(self, workspace: str, user_id: str, note: ReviewNote) -> Sent:
        """The draft in the reviewer's DM, split to Block Kit's limits; the last message carries the buttons."""
        channel = self.call("conversations.open", {"users": user_id})["channel"]["id"]
        messages = interactive.review_messages(interactive.guide_view(note))
        sent = Sent(channel)
        for message in messages:
            sent = self.post_message(channel, message["text"], message["blocks"])
        return sent  # the message with the buttons: chat.update shows the outcome there

    def acknowledge(self, workspace: str, sent: Sent, text: str) -> None:
        data = {"channel": sent.conversation, "text": interactive.escape(text)}
        if sent.message_ref:
            data["thread_ts"] = sent.message_ref
        self.call("chat.postMessage", data)

    def announce(self, where: Where, note: GuideNote) -> None:
        self.post_message(where.channel, guide_text(note))  # text from a guide: escaped, so no <!channel>
