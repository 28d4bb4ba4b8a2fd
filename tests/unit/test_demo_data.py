"""Checks the demo community (demo/) that `make run` loads: schema, ids, threading, people and showcases."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

DEMO = Path(__file__).resolve().parents[2] / "demo"
THREAD_KEYS = {"thread_id", "source", "title", "url", "tags", "license", "messages"}
REQUIRED_THREAD_KEYS = {"thread_id", "source", "title", "license", "messages"}
MESSAGE_KEYS = {"message_id", "kind", "author", "text", "created_at", "parent_id", "score", "accepted"}
REQUIRED_MESSAGE_KEYS = {"message_id", "author", "text", "created_at", "parent_id"}
KINDS = {"question", "answer", "comment", "reply"}
ROLES = {"member", "expert", "steward"}
GAPS = {"rationale", "conditions", "alternatives", "steps", "pitfalls", "evidence"}


def _threads() -> list[dict]:
    lines = (DEMO / "community.jsonl").read_text(encoding="utf-8").splitlines()
    assert lines, "community.jsonl is empty"
    out = []
    for n, line in enumerate(lines, 1):
        assert line.strip(), f"blank line {n}"
        out.append(json.loads(line))
    return out


def _people() -> dict:
    return json.loads((DEMO / "people.json").read_text(encoding="utf-8"))


def _labels() -> dict[str, dict]:
    rows = [json.loads(x) for x in (DEMO / "labels.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    return {r["thread_id"]: r for r in rows}


THREADS = _threads()
PEOPLE = _people()
ROLE_OF = {p["handle"]: p["role"] for p in PEOPLE["people"]}
LABELS = _labels()


def _by_id(thread_id: str) -> dict:
    return next(t for t in THREADS if t["thread_id"] == thread_id)


@pytest.mark.parametrize("thread", THREADS, ids=[t["thread_id"] for t in THREADS])
def test_thread_schema(thread: dict) -> None:
    assert REQUIRED_THREAD_KEYS <= thread.keys() <= THREAD_KEYS
    assert thread["source"] == "demo:platform-guild"
    assert thread["license"] == "CC0 (written for the Tacit demo)"
    assert thread["thread_id"].startswith("demo-")
    assert isinstance(thread["title"], str) and thread["title"].strip()
    assert all(isinstance(t, str) and t for t in thread.get("tags", []))
    assert isinstance(thread["messages"], list) and len(thread["messages"]) >= 2
    for m in thread["messages"]:
        assert REQUIRED_MESSAGE_KEYS <= m.keys() <= MESSAGE_KEYS, m["message_id"]
        assert isinstance(m["text"], str) and m["text"].strip()
        assert m.get("kind", "reply") in KINDS
        assert isinstance(m.get("score", 0), int)
        assert isinstance(m.get("accepted", False), bool)
        created = datetime.fromisoformat(m["created_at"])
        assert created.year == 2026 and created.tzinfo is None


@pytest.mark.parametrize("thread", THREADS, ids=[t["thread_id"] for t in THREADS])
def test_threading_and_time_order(thread: dict) -> None:
    msgs = thread["messages"]
    assert msgs[0]["parent_id"] is None, "the opener has no parent"
    seen = {msgs[0]["message_id"]}
    for m in msgs[1:]:
        assert m["parent_id"] in seen, f"{m['message_id']} replies to a message not earlier in the thread"
        seen.add(m["message_id"])
    times = [datetime.fromisoformat(m["created_at"]) for m in msgs]
    assert all(a < b for a, b in zip(times, times[1:], strict=False)), "timestamps must increase within a thread"
    assert sum(bool(m.get("accepted")) for m in msgs) <= 1
    for m in msgs:
        if m.get("accepted"):
            assert m.get("kind") == "answer" and m["parent_id"] == msgs[0]["message_id"]


def test_ids_unique() -> None:
    thread_ids = Counter(t["thread_id"] for t in THREADS)
    assert not [k for k, v in thread_ids.items() if v > 1]
    message_ids = Counter(m["message_id"] for t in THREADS for m in t["messages"])
    assert not [k for k, v in message_ids.items() if v > 1]


def test_size() -> None:
    assert 30 <= len(THREADS) <= 45
    assert sum(len(t["messages"]) for t in THREADS) >= 90


def test_people_file() -> None:
    community = PEOPLE["community"]
    assert community["id"] == "platform-guild"
    assert community["name"] == "Platform Engineering Guild"
    assert community["description"].strip()
    handles = [p["handle"] for p in PEOPLE["people"]]
    assert len(handles) == len(set(handles))
    for p in PEOPLE["people"]:
        assert {"handle", "display_name", "role", "email", "timezone"} <= p.keys()
        assert p["role"] in ROLES
        assert p["email"].endswith("@example.com")
        ZoneInfo(p["timezone"])  # a real IANA zone
    roles = Counter(ROLE_OF.values())
    assert 4 <= roles["expert"] <= 5
    assert roles["steward"] == 1 and ROLE_OF["priya"] == "steward"
    assert roles["member"] >= 5


def test_every_author_is_a_person() -> None:
    authors = {m["author"] for t in THREADS for m in t["messages"]}
    assert authors <= ROLE_OF.keys(), authors - ROLE_OF.keys()
    assert ROLE_OF.keys() <= authors, "everyone in people.json takes part"


def test_labels_cover_every_thread() -> None:
    assert LABELS.keys() == {t["thread_id"] for t in THREADS}
    counts = Counter(label["category"] for label in LABELS.values())
    assert set(counts) == {"terse", "complete", "noise"}
    assert 10 <= counts["terse"] <= 14 and 12 <= counts["complete"] <= 16
    for tid, label in LABELS.items():
        ids = {m["message_id"]: m for m in _by_id(tid)["messages"]}
        if label["key_message_id"] is not None:
            key = ids[label["key_message_id"]]
            assert key["author"] == label["key_author"]
            assert key["parent_id"] is not None, "the key message answers something"
        if label["category"] == "terse":
            assert ROLE_OF[label["key_author"]] == "expert", tid
            assert 1 <= len(label["gaps"]) <= 3 and set(label["gaps"]) <= GAPS
            assert label["followup"].endswith("?") and len(label["followup"].split()) <= 40
            assert key.get("score", 0) >= 3 or key.get("accepted"), "terse answers are endorsed"
            assert len(key["text"].split()) <= 30, "terse answers are short"
        else:
            assert label["gaps"] == [] and label["followup"] == ""
        if label["category"] == "complete":
            assert len(key["text"].split()) >= 120, tid


def test_showcase_partial_index() -> None:
    thread = _by_id("demo-partial-index")
    opener = thread["messages"][0]
    assert opener["author"] == "lena" and ROLE_OF["lena"] == "member" and opener["kind"] == "question"
    accepted = [m for m in thread["messages"] if m.get("accepted")]
    assert len(accepted) == 1
    answer = accepted[0]
    assert answer["author"] == "marta" and ROLE_OF["marta"] == "expert"
    assert answer["score"] == 5
    assert answer["text"] == (
        "Use a partial index on (tenant_id) where deleted_at is null. A plain btree on tenant_id won't scale."
    )
    assert LABELS["demo-partial-index"]["category"] == "terse"


def test_showcase_kubernetes_limits() -> None:
    thread = _by_id("demo-k8s-limits")
    answer = next(m for m in thread["messages"] if m["author"] == "sam")
    assert ROLE_OF["sam"] == "expert"
    assert answer["text"] == "Set memory limits equal to requests and drop CPU limits."
    assert answer.get("accepted") is True
    assert LABELS["demo-k8s-limits"]["category"] == "terse"
    assert LABELS["demo-k8s-limits"]["key_author"] == "sam"


def test_short_factual_answer_is_not_terse() -> None:
    label = LABELS["demo-staging-db-port"]
    assert label["category"] == "noise"
    assert _by_id("demo-staging-db-port")["messages"][1]["text"] == "5433."
