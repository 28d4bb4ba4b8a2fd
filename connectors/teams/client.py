"""Teams incoming webhook over httpx: posts Adaptive Cards to one channel (announcements, opted-in nudges)."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from connectors.http import send
from connectors.model import GuideNote, NudgeNote, Profile, ReviewNote, Sent, Where, guide_text, nudge_text, review_text


def card(text: str, url: str = "", label: str = "Open in Tacit") -> dict:
    """A message with one Adaptive Card, as Teams incoming webhooks (and Workflows) accept; a link as a button."""
    content: dict = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [{"type": "TextBlock", "text": text, "wrap": True}],
    }
    if url.startswith(("https://", "http://")):
        content["actions"] = [{"type": "Action.OpenUrl", "title": label, "url": url}]
    return {
        "type": "message",
        "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": content}],
    }


class TeamsClient:
    """One incoming webhook URL: everything Tacit says on Teams lands in that channel."""

    platform = "teams"

    def __init__(
        self,
        http: httpx.Client,
        webhook_url: str,
        max_wait_s: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._http, self._url = http, webhook_url
        self._max_wait_s, self._sleep = max_wait_s, sleep

    def _post(self, text: str, url: str = "", label: str = "Open in Tacit") -> None:
        request = self._http.build_request("POST", self._url, json=card(text, url, label))
        send(self._http, request, what="teams incoming webhook", max_wait_s=self._max_wait_s, sleep=self._sleep)

    def profile(self, workspace: str, user_id: str) -> Profile | None:
        return None  # an incoming webhook cannot look people up; names come with each message

    def send_nudge(self, workspace: str, user_id: str, note: NudgeNote) -> Sent:
        """Posts in the linked channel (not private): the expert answers with `@Tacit answer CODE ...`."""
        self._post(
            f"{nudge_text(note)}\n\nTo answer, reply in this channel: @Tacit answer {note.reply_code} <your answer>",
            note.url,
            "Answer in Tacit",
        )
        return Sent(conversation=note.reply_code)

    def acknowledge(self, workspace: str, sent: Sent, text: str) -> None:
        return None  # the outgoing webhook's own response already thanks the expert

    def announce(self, where: Where, note: GuideNote) -> None:
        self._post(guide_text(note), note.url, "Read the guide")

    def send_review(self, workspace: str, user_id: str, note: ReviewNote) -> Sent:
        """A card with the review page's link (in the channel: a card cannot be private, so no draft text)."""
        self._post(review_text(note), note.url, "Review the draft")
        return Sent(conversation=f"review:{note.guide_id}")
