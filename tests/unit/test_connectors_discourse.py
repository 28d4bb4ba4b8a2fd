"""Discourse: signatures, content dedupe across retries, payload mapping, the PM client."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from connectors.discourse.client import DiscourseClient
from connectors.discourse.events import dedupe_key, events
from connectors.discourse.verify import sign, verify
from connectors.errors import InvalidSignature, NotConfigured
from connectors.model import Deleted, Edited, NudgeNote, Posted, PrivateReply, ThreadDeleted

SITE = "https://forum.test"


def post(**changes: object) -> dict:
    base = {
        "id": 7,
        "username": "marta",
        "name": "Marta K",
        "created_at": "2026-11-01T10:00:00.000Z",
        "raw": "Use a partial index.",
        "cooked": "<p>Use a partial index.</p>",
        "post_number": 2,
        "post_type": 1,
        "reply_to_post_number": None,
        "topic_id": 42,
        "topic_slug": "slow",
        "topic_title": "Slow",
        "category_id": 5,
        "version": 1,
        "topic_archetype": "regular",
    }
    return {"post": {**base, **changes}}


def test_signature() -> None:
    body = json.dumps(post()).encode()
    verify("s3cret", body, {"x-discourse-event-signature": sign("s3cret", body)})
    for given in ({"x-discourse-event-signature": sign("other", body)}, {}):
        with pytest.raises(InvalidSignature):
            verify("s3cret", body, given)
    with pytest.raises(NotConfigured):
        verify(None, body, {})


def test_retries_share_a_key_and_edits_do_not() -> None:
    body = json.dumps(post()).encode()
    assert dedupe_key("post_created", body, post()) == dedupe_key("post_created", body + b" ", post())
    assert dedupe_key("post_edited", body, post(version=2)) != dedupe_key("post_edited", body, post(version=3))


def test_mapping() -> None:
    created = events("post_created", SITE, post())
    assert isinstance(created[0], Posted)
    assert (created[0].external_id, created[0].parent, created[0].where.channel) == (
        "discourse:42:2",
        "discourse:42:1",
        "5",
    )
    assert created[0].author.name == "Marta K" and created[0].url == f"{SITE}/t/slow/42/2"
    assert isinstance(events("post_edited", SITE, post(raw="Better."))[0], Edited)
    assert isinstance(events("post_destroyed", SITE, post())[0], Deleted)
    pm = events("post_created", SITE, post(topic_archetype="private_message", category_id=None))
    assert pm == [PrivateReply("discourse", SITE, "42", None, pm[0].author, "Use a partial index.")]  # type: ignore[union-attr]
    assert events("post_created", SITE, post(post_type=3)) == []
    assert isinstance(events("topic_destroyed", SITE, {"topic": {"id": 42, "category_id": 5}})[0], ThreadDeleted)
    assert events("topic_created", SITE, {"topic": {"id": 42}}) == []


def test_client_sends_a_private_message() -> None:
    note = NudgeNote("Why?", "Slow listing", "Use a partial index.", "ABC123", "Marta")
    with respx.mock(base_url=SITE) as mock, httpx.Client() as http:
        route = mock.post("/posts.json").respond(json={"id": 91, "topic_id": 90})
        sent = DiscourseClient(http, SITE, "key", "tacit").send_nudge(SITE, "marta", note)
    body = json.loads(route.calls[0].request.content)
    assert (sent.conversation, sent.message_ref) == ("90", "91")
    assert (body["archetype"], body["target_recipients"]) == ("private_message", "marta") and "Why?" in body["raw"]
