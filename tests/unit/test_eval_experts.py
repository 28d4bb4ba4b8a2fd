"""`tacit eval experts` on a tiny threads file whose figures are worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals import experts


def thread(n: int, title: str, tag: str, answers: list[tuple[str, int, bool]]) -> dict:
    at = f"2018-0{n}-01T10:00:00"
    messages = [
        {
            "message_id": f"q{n}",
            "kind": "question",
            "author": "asker",
            "text": title,
            "created_at": at,
            "parent_id": None,
        }
    ]
    messages += [
        {
            "message_id": f"a{n}{i}",
            "kind": "answer",
            "author": who,
            "text": "...",
            "created_at": at,
            "parent_id": f"q{n}",
            "score": score,
            "accepted": accepted,
        }
        for i, (who, score, accepted) in enumerate(answers)
    ]
    return {"thread_id": f"t{n}", "title": title, "tags": [tag], "messages": messages}


@pytest.fixture
def threads_file(tmp_path: Path) -> Path:
    rows = [
        # earlier: evidence
        thread(1, "Grover search oracle", "grover", [("bob", 0, True), ("carl", 0, False)]),
        thread(2, "Grover iterations count", "grover", [("bob", 3, False)]),
        thread(3, "Qiskit install error", "qiskit", [("alice", 0, True)]),
        thread(4, "Qiskit transpiler", "qiskit", [("carl", 1, False)]),
        # later: truth (grover -> bob, qiskit -> alice; carl's unvoted answer does not count)
        thread(5, "Grover amplitude", "grover", [("bob", 0, True)]),
        thread(6, "Grover with many solutions", "grover", [("bob", 2, False), ("carl", 0, False)]),
        thread(7, "Qiskit simulator noise", "qiskit", [("alice", 0, True)]),
        thread(8, "Qiskit backend", "qiskit", [("alice", 5, False), ("dora", 9, False)]),  # dora: no evidence before
        {
            "thread_id": "irc-1",
            "title": "chat",
            "messages": [{"author": "x", "text": "hi", "created_at": "2018-01-01"}],
        },
    ]
    path = tmp_path / "threads.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_truth_is_the_later_good_answerers_among_people_seen_before(threads_file: Path) -> None:
    data = experts.load(threads_file)
    assert len(data) == 8  # the untagged chat thread is left out
    assert experts.truth_of(data[4:], {"alice", "bob", "carl"}) == {"grover": {"bob"}, "qiskit": {"alice"}}


def test_figures_for_tacit_and_the_answer_count_baselines(threads_file: Path) -> None:
    report = experts.run(threads_file, evidence_share=0.5)
    assert report.name == "experts"
    assert report.tacit["mrr"] == 1.0 and report.tacit["precision_at_5"] == pytest.approx(0.2)
    # by answer count: bob 2, carl 2, alice 1 -> grover finds bob first (1), qiskit finds alice third (1/3)
    assert report.baselines["answer_count"]["mrr"] == pytest.approx((1 + 1 / 3) / 2)
    assert report.baselines["answer_count_on_tag"]["mrr"] == 1.0
    assert "2 topics" in report.notes[0]
