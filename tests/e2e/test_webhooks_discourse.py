"""Discourse through POST /v1/webhooks/discourse: signed post/topic webhooks (Discourse's payload shape), the
REST API mocked with respx."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx
from pydantic import SecretStr
from sqlalchemy import func, select

from connectors.discourse.verify import sign
from store.tables import ExternalDeliveryRow, MessageRow, ProcessedEventRow, ThreadRow
from tests.e2e.conftest import COMMUNITY
from tests.e2e.test_loop_offline import QUESTION, REPLY, TERSE
from workflow.connectors import SourceLink, link_identity, link_source

SECRET = "a-discourse-webhook-secret"
SITE = "https://forum.test"
PM_TOPIC, PM_POST = 900, 9000


def post_payload(
    post_id: int,
    number: int,
    username: str,
    raw: str,
    *,
    topic: int = 42,
    version: int = 1,
    archetype: str = "regular",
    reply_to: int | None = None,
    category: int | None = 5,
) -> dict:
    """A webhook `post` as Discourse serializes it (WebHookPostSerializer), trimmed of avatar fields."""
    created = (datetime.now(UTC) - timedelta(minutes=30 - number)).isoformat().replace("+00:00", "Z")
    return {
        "post": {
            "id": post_id,
            "name": username.title(),
            "username": username,
            "created_at": created,
            "raw": raw,
            "cooked": f"<p>{raw}</p>",
            "post_number": number,
            "post_type": 1,
            "updated_at": created,
            "reply_count": 0,
            "reply_to_post_number": reply_to,
            "quote_count": 0,
            "incoming_link_count": 0,
            "reads": 1,
            "score": 0,
            "topic_id": topic,
            "topic_slug": "slow-tenant-listing",
            "topic_title": "Slow tenant listing",
            "category_id": category,
            "display_username": username.title(),
            "version": version,
            "moderator": False,
            "admin": False,
            "staff": False,
            "user_id": post_id + 100,
            "hidden": False,
            "trust_level": 1,
            "deleted_at": None,
            "user_deleted": False,
            "edit_reason": None,
            "wiki": False,
            "topic_posts_count": number,
            "topic_archetype": archetype,
            "category_slug": "databases",
        }
    }


def send(loop, event: str, body: dict, *, secret: str = SECRET, event_id: int = 1) -> httpx.Response:
    raw = json.dumps(body).encode()
    headers = {
        "X-Discourse-Instance": SITE,
        "X-Discourse-Event-Id": str(event_id),
        "X-Discourse-Event-Type": event.split("_")[0],
        "X-Discourse-Event": event,
        "X-Discourse-Event-Signature": sign(secret, raw),
        "Content-Type": "application/json",
    }
    return loop.client.post("/v1/webhooks/discourse", content=raw, headers=headers)


@pytest.fixture
def forum():
    with respx.mock(base_url=SITE, assert_all_called=False) as mock:
        mock.post("/posts.json").mock(
            return_value=httpx.Response(200, json={"id": PM_POST, "topic_id": PM_TOPIC, "post_number": 1})
        )
        yield mock


def discourse_loop(make_loop):
    loop = make_loop(
        discourse_url=SITE,
        discourse_api_key=SecretStr("k" * 64),
        discourse_api_username="tacit",
        discourse_webhook_secret=SecretStr(SECRET),
    )
    services = loop.tacit.services
    link_source(services, link=SourceLink(COMMUNITY, "discourse", SITE, "5", announce=False, nudges=True))
    link_identity(services, handle="marta", platform="discourse", workspace=SITE, user_id="marta")
    return loop


def count(loop, table) -> int:
    with loop.tacit.services.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(table)) or 0)


def test_bad_signature_gets_401_and_stores_nothing(make_loop, forum) -> None:
    loop = discourse_loop(make_loop)
    r = send(loop, "post_created", post_payload(1, 1, "lena", QUESTION), secret="wrong")
    loop.settle()
    assert r.status_code == 401 and r.json()["detail"][0]["msg"]
    assert count(loop, ProcessedEventRow) == 0 and count(loop, MessageRow) == 0


def test_pm_reply_closes_the_loop_and_retries_do_no_double_work(make_loop, forum) -> None:
    loop = discourse_loop(make_loop)
    send(loop, "post_created", post_payload(1, 1, "lena", QUESTION), event_id=1)
    send(loop, "post_created", post_payload(2, 2, "marta", TERSE, reply_to=1), event_id=2)
    # Discourse retries with a new event id: deduplicated on post id and version, while queued or later.
    send(loop, "post_created", post_payload(2, 2, "marta", TERSE, reply_to=1), event_id=3)
    loop.settle()
    again = send(loop, "post_created", post_payload(2, 2, "marta", TERSE, reply_to=1), event_id=4)
    loop.settle()
    assert again.json() == {"ok": True, "accepted": False} and count(loop, MessageRow) == 2

    # The nudge went out as a private message from the API user, to marta.
    pm = json.loads(forum.routes[0].calls[0].request.content)
    request = forum.routes[0].calls[0].request
    assert (pm["archetype"], pm["target_recipients"]) == ("private_message", "marta")
    assert request.headers["Api-Username"] == "tacit" and request.headers["Api-Key"] == "k" * 64
    with loop.tacit.services.db.session() as s:
        delivery = s.scalars(select(ExternalDeliveryRow)).one()
        assert (delivery.platform, delivery.conversation) == ("discourse", str(PM_TOPIC))
        thread = s.scalars(select(ThreadRow)).one()
        assert (thread.title, thread.url) == ("Slow tenant listing", f"{SITE}/t/slow-tenant-listing/42/1")

    # Marta answers in the PM; the bot's own post there is not taken for her answer.
    send(
        loop,
        "post_created",
        post_payload(PM_POST, 1, "tacit", "the nudge", topic=PM_TOPIC, archetype="private_message", category=None),
        event_id=5,
    )
    send(
        loop,
        "post_created",
        post_payload(9001, 2, "marta", REPLY, topic=PM_TOPIC, archetype="private_message", category=None),
        event_id=6,
    )
    loop.settle()
    drafts = loop.client.get("/v1/me/guides", headers=loop.as_("marta")).json()
    assert len(drafts) == 1 and "CONCURRENTLY" in drafts[0]["markdown"]
    bodies = [json.loads(c.request.content) for c in forum.routes[0].calls]
    assert [b["topic_id"] for b in bodies if "Thank you" in b["raw"]] == [PM_TOPIC]
    assert count(loop, MessageRow) == 2, "private messages never become community messages"


def test_edit_and_destroy_update_messages_and_topic_destroyed_removes_the_thread(make_loop, forum) -> None:
    loop = discourse_loop(make_loop)
    send(loop, "post_created", post_payload(1, 1, "lena", QUESTION))
    send(loop, "post_created", post_payload(2, 2, "lena", "Also: the table has 40M rows.", reply_to=1))
    send(loop, "post_edited", post_payload(1, 1, "lena", "Listing tenants is slow. How to fix?", version=2))
    send(loop, "post_destroyed", post_payload(2, 2, "lena", "Also: the table has 40M rows."))
    loop.settle()
    with loop.tacit.services.db.session() as s:
        assert list(s.scalars(select(MessageRow.text))) == ["Listing tenants is slow. How to fix?"]
    topic = {"topic": {"id": 42, "title": "Tenant listing is slow", "archetype": "regular", "category_id": 5}}
    send(loop, "topic_edited", topic)
    loop.settle()
    with loop.tacit.services.db.session() as s:
        assert s.scalars(select(ThreadRow.title)).one() == "Tenant listing is slow"
    send(loop, "topic_destroyed", topic)
    loop.settle()
    assert count(loop, ThreadRow) == 0 and count(loop, MessageRow) == 0


def test_other_categories_and_whispers_are_ignored(make_loop, forum) -> None:
    loop = discourse_loop(make_loop)
    send(loop, "post_created", post_payload(1, 1, "lena", QUESTION, category=77))
    whisper = post_payload(3, 1, "lena", QUESTION, topic=43)
    whisper["post"]["post_type"] = 4
    send(loop, "post_created", whisper)
    assert send(loop, "ping", {"ping": "OK"}).json() == {"ok": True, "accepted": False}
    loop.settle()
    assert count(loop, MessageRow) == 0
