"""Read the threads JSONL format (one thread per line, as in ../shared/data/threads.jsonl) into incoming messages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from evals.files import DataError, read_jsonl
from store.records import IncomingMessage


class ThreadsFileError(ValueError):
    """A line of the file cannot be read; the message names the line."""


def read_threads(path: Path) -> Iterator[dict]:
    try:
        for number, thread in read_jsonl(path):
            if "thread_id" not in thread or not isinstance(thread.get("messages"), list):
                raise ThreadsFileError(f"{path}:{number}: expected an object with thread_id and messages")
            yield thread
    except DataError as exc:
        raise ThreadsFileError(str(exc)) from None


def parse_time(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def thread_messages(thread: dict, shift: timedelta = timedelta(0)) -> list[IncomingMessage]:
    """The thread's messages as incoming messages; `shift` moves timestamps (the demo replays as recent)."""
    out = []
    for m in thread["messages"]:
        if not isinstance(m, dict) or not m.get("message_id") or not (m.get("text") or "").strip():
            continue
        out.append(
            IncomingMessage(
                external_id=str(m["message_id"]),
                thread=str(thread["thread_id"]),
                thread_title=thread.get("title"),
                parent=m.get("parent_id"),
                author=str(m.get("author") or "unknown")[:100],
                text=m["text"],
                created_at=parse_time(m.get("created_at")) + shift,
                kind=m.get("kind"),
                score=int(m.get("score") or 0),
                accepted=bool(m.get("accepted")),
                url=m.get("url"),
                tags=tuple(thread.get("tags") or ()),
            )
        )
    return out
