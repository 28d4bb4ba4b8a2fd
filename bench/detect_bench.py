"""How many answers per second the offline detector assesses (features, eligibility, gaps, score).

Assessment runs as a background job after ingest; this is its ceiling on one core. Uses ../shared/data's answers
when present (real lengths, 1,060 answers), else the demo community's messages.
Run: python -m bench.detect_bench [--data ANSWERS.jsonl] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from elicitor import cues
from elicitor.detect import TerseDetector
from elicitor.model import AuthorStanding, Message, Role, Thread
from evals.files import read_jsonl

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "answers.jsonl"
DEMO = Path(__file__).resolve().parents[1] / "demo" / "community.jsonl"
EXPERT = AuthorStanding(role=Role.EXPERT)
NOW = datetime(2024, 1, 1, tzinfo=UTC)


def shared_cases(path: Path) -> list[tuple[Thread, Message]]:
    cases = []
    for _, row in read_jsonl(path):
        question = Message("q", "t", "asker", "Asker", row.get("question_body") or "", NOW, kind="question")
        answer = Message("a", "t", "expert", "Expert", row.get("answer_text") or "", NOW, parent_id="q", kind="answer")
        cases.append((Thread("t", "c", row.get("question_title") or "", (question, answer)), answer))
    return cases


def demo_cases(path: Path) -> list[tuple[Thread, Message]]:
    cases = []
    for _, raw in read_jsonl(path):
        messages = tuple(
            Message(
                m["message_id"],
                raw["thread_id"],
                m["author"],
                m["author"],
                m["text"],
                NOW,
                parent_id=m.get("parent_id"),
                kind=m.get("kind") or "reply",
            )
            for m in raw["messages"]
        )
        thread = Thread(raw["thread_id"], "demo", raw.get("title") or "", messages)
        cases += [(thread, m) for m in messages[1:]]
    return cases


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED if SHARED.exists() else DEMO)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    cases = demo_cases(args.data) if args.data.name == "community.jsonl" else shared_cases(args.data)
    detector = TerseDetector()
    detector.assess(*cases[0], EXPERT)  # loads the model
    rates = []
    for _ in range(args.rounds):
        cues.clear_caches()  # each round starts cold, as a new answer does
        started = time.perf_counter()
        for thread, answer in cases:
            detector.assess(thread, answer, EXPERT)
        rates.append(len(cases) / (time.perf_counter() - started))
    print(
        f"offline detector on {len(cases)} answers of {args.data.name}: median {statistics.median(rates):,.0f} "
        f"answers/s over {args.rounds} rounds ({1000 / statistics.median(rates):.1f} ms each, one core)"
    )


if __name__ == "__main__":
    main()
