"""Discourse REST API over httpx: private messages (nudges), replies in them, announcement topics."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from connectors.http import send
from connectors.model import GuideNote, NudgeNote, Profile, ReviewNote, Sent, Where, guide_text, nudge_text, review_text


class DiscourseClient:
    """An API key (with the user it acts as) on one Discourse site."""

    platform = "discourse"

    def __init__(
        self,
        http: httpx.Client,
        url: str,
        api_key: str,
        api_username: str,
        max_wait_s: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._http, self._url = http, url.rstrip("/")
        self._headers = {"Api-Key": api_key, "Api-Username": api_username}
        self._max_wait_s, self._sleep = max_wait_s, sleep

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        request = self._http.build_request(method, f"{self._url}{path}", json=body, headers=self._headers)
        response = send(
            self._http,
            request,
            what=f"discourse {method} {path.split('?')[0]}",
            max_wait_s=self._max_wait_s,
            sleep=self._sleep,
        )
        return response.json()

    def profile(self, workspace: str, user_id: str) -> Profile | None:
        user = self._call("GET", f"/u/{user_id}.json").get("user") or {}
        return Profile(display_name=user.get("name") or user_id) if user else None

    def send_nudge(self, workspace: str, user_id: str, note: NudgeNote) -> Sent:
        """A private message to the person; its topic is where their reply arrives."""
        title = f"A follow-up question about “{note.thread_title}”"[:200]
        post = self._call(
            "POST",
            "/posts.json",
            {"title": title, "raw": nudge_text(note), "target_recipients": user_id, "archetype": "private_message"},
        )
        return Sent(conversation=str(post["topic_id"]), message_ref=str(post["id"]))

    def send_review(self, workspace: str, user_id: str, note: ReviewNote) -> Sent:
        """A private message with the review page's link."""
        title = f"A draft guide for your review: “{note.title}”"[:200]
        post = self._call(
            "POST",
            "/posts.json",
            {"title": title, "raw": review_text(note), "target_recipients": user_id, "archetype": "private_message"},
        )
        return Sent(conversation=str(post["topic_id"]), message_ref=str(post["id"]))

    def acknowledge(self, workspace: str, sent: Sent, text: str) -> None:
        self._call("POST", "/posts.json", {"topic_id": int(sent.conversation), "raw": text})

    def announce(self, where: Where, note: GuideNote) -> None:
        body: dict[str, Any] = {"title": f"Guide: {note.title}"[:200], "raw": guide_text(note)}
        if where.channel:
            body["category"] = int(where.channel)
        self._call("POST", "/posts.json", body)
