"""A Tacit process for the crash test (tests/e2e/test_crash.py), killed with SIGKILL by the test.

python -m tests.e2e.crash_child ingest DATA_DIR DATABASE_URL RUNNER   # acknowledges batches, prints "ack N"
python -m tests.e2e.crash_child worker DATA_DIR DATABASE_URL          # a procrastinate worker
"""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from api.bootstrap import Tacit, build
from api.settings import Settings
from elicitor.model import Role
from retrieval.fakes import HashingEmbedder, InMemoryIndex
from store.records import IncomingMessage
from workflow.ingest import ingest_messages
from workflow.people import add_person, create_community

COMMUNITY, PER_BATCH = "crash", 50
BATCHES = int(os.environ.get("TACIT_CRASH_BATCHES", "12"))


def tacit_for(data_dir: str, database_url: str, runner: str) -> Tacit:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=Path(data_dir),
        database_url=database_url or None,
        job_runner=runner,
        job_heartbeat_s=0.5,
        pii_scan=False,
        quiet_hours="",
    )
    return build(settings, embedder=HashingEmbedder(), index=InMemoryIndex())


def batch(n: int) -> list[IncomingMessage]:
    at = datetime.now(UTC) - timedelta(hours=1)
    out = []
    for i in range(PER_BATCH):
        thread = f"t{n}-{i // 2}"
        question = i % 2 == 0
        out.append(
            IncomingMessage(
                external_id=f"m{n}-{i}",
                thread=thread,
                author="asker" if question else "expert",
                text="How do I make the tenant listing fast?" if question else "Use a partial index.",
                created_at=at + timedelta(seconds=i),
                thread_title=f"Question {n}-{i}",
                parent=None if question else f"m{n}-{i - 1}",
                accepted=not question,
                score=3,
            )
        )
    return out


def ingest(tacit: Tacit) -> None:
    create_community(tacit.services, community_id=COMMUNITY, name="Crash")
    add_person(tacit.services, handle="expert", community_id=COMMUNITY, role=Role.EXPERT)
    acked = 0
    for n in range(BATCHES):
        acked += ingest_messages(tacit.services, community_id=COMMUNITY, batch=batch(n)).accepted
        print(f"ack {acked}", flush=True)
    time.sleep(120)  # the test kills us before this ends


def main() -> None:
    mode, data_dir, database_url = sys.argv[1:4]
    runner = sys.argv[4] if len(sys.argv) > 4 else "procrastinate"
    tacit = tacit_for(data_dir, database_url, runner)
    tacit.start()
    if mode == "ingest":
        ingest(tacit)
    else:
        print("working", flush=True)
        tacit.runner.run_worker(wait=True)  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
