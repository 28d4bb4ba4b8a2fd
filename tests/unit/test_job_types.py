"""Typed jobs: every job has one payload class and one handler, and payloads survive a trip through JSON."""

from __future__ import annotations

import json
from dataclasses import fields

import pytest

from workflow.job_types import (
    PAYLOADS,
    HandlePlatformEvent,
    Job,
    SynthesizeGuide,
    as_dict,
    defer,
    from_dict,
)
from workflow.registry import job_handlers


class Recorder:
    def __init__(self) -> None:
        self.queued: list[tuple[str, str, dict[str, str]]] = []

    def enqueue(self, job: str, key: str, payload: dict[str, str]) -> None:
        self.queued.append((job, key, payload))


def test_every_job_has_a_payload_and_a_handler_registered_once() -> None:
    assert set(PAYLOADS) == set(Job)
    handlers = job_handlers(services=None)  # type: ignore[arg-type]  # handlers are built lazily per call
    assert set(handlers) == {j.value for j in Job}


@pytest.mark.parametrize("job", list(Job))
def test_payloads_are_json_strings_and_come_back_the_same(job: Job) -> None:
    cls = PAYLOADS[job]
    payload = cls(**{f.name: f"{f.name}-1" for f in fields(cls)})
    stored = json.loads(json.dumps(as_dict(payload)))
    assert all(isinstance(v, str) for v in stored.values())
    assert from_dict(cls, stored) == payload


def test_jobs_queued_before_the_change_still_read() -> None:
    """The stored shapes are the old bare dicts: a queued handle_platform_event or synthesize_guide keeps working."""
    old = {"source": "slack", "key": "Ev1", "kind": "message", "payload": "{}"}
    assert from_dict(HandlePlatformEvent, old) == HandlePlatformEvent("slack", "Ev1", "message", "{}")
    newer = {"thread_id": "t", "reviewer_id": "p", "added_later": "x"}
    assert from_dict(SynthesizeGuide, newer) == SynthesizeGuide("t", "p")


def test_defer_keys_a_job_by_what_it_works_on() -> None:
    runner = Recorder()
    defer(runner, SynthesizeGuide("t1", "p1"))
    defer(runner, HandlePlatformEvent("slack", "Ev1", "message", "{}"))
    assert runner.queued == [
        ("synthesize_guide", "t1", {"thread_id": "t1", "reviewer_id": "p1"}),
        ("handle_platform_event", "slack:Ev1", {"source": "slack", "key": "Ev1", "kind": "message", "payload": "{}"}),
    ]
