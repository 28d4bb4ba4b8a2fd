"""A `tacit reindex` for the resume test (tests/e2e/test_reindex_resume.py), killed with SIGKILL by the test.

python -m tests.e2e.reindex_child seed DATA_DIR GUIDES   # a community with GUIDES published guides
python -m tests.e2e.reindex_child reindex DATA_DIR [SLOW_S]   # what `tacit reindex` runs, over the real embedded
    index; prints "resumed N", "progress N" lines and "done TOTAL embedded N"; SLOW_S seconds per embedding call

The CLI command builds the ONNX model; this child runs the same workflow calls (plan_reindex, reindex) with the
hashing embedder, so the test measures the rebuild's bookkeeping, not the model.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import retrieval.search
from api.bootstrap import Tacit, build
from api.settings import Settings
from retrieval.edge_index import EdgeIndex
from retrieval.fakes import HashingEmbedder, InMemoryIndex
from retrieval.ports import EmbedKind
from store.records import IncomingMessage
from synthesizer.model import CitedSentence, GuideDraft, Section
from workflow import guides
from workflow.people import create_community

COMMUNITY = "ops"
CHECKPOINT_EVERY = 100  # chunks between progress notes (the shipped 5,000 would need a big corpus)


class CountingEmbedder(HashingEmbedder):
    """The hashing embedder, counting documents and optionally slow, so that a kill lands mid-rebuild."""

    def __init__(self, slow_s: float) -> None:
        super().__init__()
        self.slow_s, self.documents = slow_s, 0

    def embed(self, texts: Sequence[str], kind: EmbedKind) -> list[list[float]]:
        if kind == "document":
            self.documents += len(texts)
            time.sleep(self.slow_s)
        return super().embed(texts, kind)


def settings(data_dir: str) -> Settings:
    return Settings(_env_file=None, data_dir=Path(data_dir), pii_scan=False)  # type: ignore[call-arg]


def draft(n: int) -> GuideDraft:
    sentences = {
        Section.SUMMARY: f"Guide {n}: restart the consumer group after a rebalance storm.",
        Section.STEPS: f"Step for guide {n}: drain partition {n % 7} first.",
        Section.PITFALLS: f"Pitfall {n}: offsets reset when the retention is shorter than the outage.",
    }
    return GuideDraft(
        title=f"Guide {n}", sections={s: [CitedSentence(text=t, citations=[f"m{n}"])] for s, t in sentences.items()}
    )


def seed(data_dir: str, count: int) -> None:
    tacit = build(settings(data_dir), embedder=HashingEmbedder(), index=InMemoryIndex())
    create_community(tacit.services, community_id=COMMUNITY, name="Ops")
    at = datetime(2026, 1, 5, tzinfo=UTC)
    questions = [IncomingMessage(f"q{n}", f"t{n}", "lena", "How?", at, thread_title="T") for n in range(count)]
    with tacit.services.uow() as uow:
        stored = uow.messages.ingest(COMMUNITY, questions)
        for n, message_id in enumerate(stored.new_message_ids):
            row = uow.messages.get(message_id)
            assert row is not None
            content = draft(n).model_dump(mode="json")
            uow.guides.save_version(
                community_id=COMMUNITY,
                thread_id=row.thread_id,
                reviewer_id=row.author_id,
                content=content,
                engine="offline",
                status="published",
            )
    tacit.stop()


def reindex(data_dir: str, slow_s: float) -> None:
    retrieval.search._CHECKPOINT_EVERY = CHECKPOINT_EVERY
    embedder = CountingEmbedder(slow_s)
    tacit: Tacit = build(
        settings(data_dir), embedder=embedder, index=EdgeIndex(Path(data_dir) / "vectors", embedder.dimension)
    )
    plan = guides.plan_reindex(tacit.services)
    print(f"resumed {plan.resumed_chunks}", flush=True)
    total = guides.reindex(tacit.services, progress=lambda n: print(f"progress {n}", flush=True), plan=plan)
    print(f"done {total} embedded {embedder.documents}", flush=True)
    tacit.stop()


if __name__ == "__main__":
    command, folder, *rest = sys.argv[1:]
    if command == "seed":
        seed(folder, int(rest[0]))
    else:
        reindex(folder, float(rest[0]) if rest else 0.0)
