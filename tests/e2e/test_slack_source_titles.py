"""Regression: a Slack edit or deletion of a thread's opening message reaches the thread's title (issue 10).

The title of a Slack thread is its opener's first line. Before workflow/sources.py, a `message_deleted` for the
opener left the deleted words as the title (the steward path cleared it); no derived text may outlive its source.
"""

from __future__ import annotations

from sqlalchemy import select

from store.tables import AuditEventRow, ThreadRow
from tests.e2e.test_loop_offline import QUESTION, TERSE
from tests.e2e.test_webhooks_slack import ANSWER, CHANNEL, NOW, ROOT, envelope, message, post, slack_api, slack_loop

__all__ = ["slack_api"]  # the fixture, shared with the Slack webhook tests

SECRET_WORDS = "Listing tenants takes 4 seconds"


def _title(loop) -> str:
    with loop.tacit.services.db.session() as s:
        return s.scalars(select(ThreadRow.title)).one()


def _changed(text: str, ts: str) -> dict:
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": CHANNEL,
        "ts": ts,
        "message": {
            "type": "message",
            "user": "ULENA",
            "text": text,
            "ts": ROOT,
            "edited": {"user": "ULENA", "ts": ts},
        },
        "previous_message": {"type": "message", "user": "ULENA", "text": QUESTION, "ts": ROOT},
        "channel_type": "channel",
    }


def _deleted(ts: str, deleted_ts: str) -> dict:
    return {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "channel": CHANNEL,
        "ts": ts,
        "deleted_ts": deleted_ts,
        "event_ts": ts,
        "channel_type": "channel",
    }


def test_slack_edits_and_deletions_of_the_opener_reach_the_thread_title(make_loop, slack_api) -> None:
    """One loop for the three cases (each loop costs seconds): a reply's edit, the opener's edit, its deletion."""
    loop = slack_loop(make_loop)
    post(loop, envelope(message("ULENA", QUESTION, ROOT), "Ev0001"))
    post(loop, envelope(message("UMARTA", TERSE, ANSWER, thread_ts=ROOT), "Ev0002"))
    loop.settle()
    assert _title(loop).startswith(SECRET_WORDS)

    reply_edit = _changed("Use a partial index.", f"{NOW}.000902")
    reply_edit["message"] = {**reply_edit["message"], "user": "UMARTA", "ts": ANSWER, "thread_ts": ROOT}
    post(loop, envelope(reply_edit, "Ev0003"))
    loop.settle()
    assert _title(loop).startswith(SECRET_WORDS), "a reply's edit leaves the title alone"

    post(loop, envelope(_changed("Tenant listing is slow\nMore details below.", f"{NOW}.000901"), "Ev0004"))
    loop.settle()
    assert _title(loop) == "Tenant listing is slow", "message_changed of the opener retitles the thread"

    post(loop, envelope(_deleted(f"{NOW}.000900", ROOT), "Ev0005"))
    loop.settle()
    assert _title(loop) == "Untitled thread", "message_deleted of the opener takes its words out of the title"
    with loop.tacit.services.db.session() as s:
        audit = [(a.action, a.actor_id, a.details) for a in s.scalars(select(AuditEventRow))]
    assert ("message.deleted", None, {"source": "slack"}) in audit
    assert ("message.edited", None, {"source": "slack"}) in audit
