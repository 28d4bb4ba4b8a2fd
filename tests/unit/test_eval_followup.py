"""`tacit eval followup` on a tiny fixture whose figures are worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from elicitor.detect import TerseDetector
from elicitor.model import Assessment, AuthorStanding, FollowUp, Gap, Message, Thread
from evals.followup import asked_gaps, is_polite, load_cases, names_answer_terms, run
from retrieval.fakes import HashingEmbedder

PARTIAL = "Use a partial index on open orders. It keeps the index small."
INITRD = "You'll need to build an initrd for the new kernel."
Q_PARTIAL = "Thanks! Why would you “use a partial index on open orders” here?"
Q_INITRD = "Why build an initrd?"
Q_INITRD_STEPS = (
    "Could you walk me through how to build an initrd, step by step, for someone who has never compiled a kernel "
    "before, does not know where the configuration lives, which tools to install first, or how to test it safely and roll back?"
)


def _row(answer_id: str, title: str, answer: str, label: dict | None, comments: list[dict] | None = None) -> dict:
    return {
        "answer_id": answer_id,
        "question_id": f"q-{answer_id}",
        "question_title": title,
        "question_body": "It is slow. What should I do?",
        "answer_text": answer,
        "answer_author": "ana",
        "answer_score": 2,
        "answer_is_accepted": False,
        "answer_created_at": "2020-01-01T10:00:00",
        "followup_comments": comments or [],
        "terse_label": label,
    }


def _comment(text: str, patterns: list[str], by_author: bool = False) -> dict:
    return {"text": text, "elaboration_patterns": patterns, "by_answer_author": by_author}


@pytest.fixture
def data(tmp_path: Path) -> Path:
    rows = [
        _row(
            "a1",
            "Slow listing query?",
            PARTIAL,
            {"terse": "yes", "gaps": ["rationale", "pitfalls"], "followup": Q_PARTIAL, "confidence": "high"},
            [
                _comment(Q_PARTIAL, ["why_question"]),  # a real request: counted
                _comment("Nice one, thanks.", []),  # not a request
                _comment("Because the planner skips closed rows.", ["why_question"], by_author=True),  # the author
            ],
        ),
        _row(
            "a2",
            "Kernel panics on boot",
            INITRD,
            {"terse": "yes", "gaps": ["steps"], "followup": Q_INITRD, "confidence": "low"},
        ),
        _row("a3", "Which port?", "5432.", {"terse": "no", "gaps": [], "followup": "", "confidence": "high"}),
        _row("a4", "Unlabelled", "Try again later.", None),
    ]
    path = tmp_path / "answers.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


class AlwaysRationale(TerseDetector):
    """Gap analysis that always answers "rationale": right for a1, wrong for a2."""

    def assess(
        self,
        thread: Thread,
        answer: Message,
        standing: AuthorStanding,
        threshold: float | None = None,
        judge: bool = True,
    ) -> Assessment:
        return Assessment(answer.id, 0.9, True, (Gap.RATIONALE,), "test")


class ScriptedWriter:
    """Questions written beforehand for each (answer, first gap)."""

    script = {
        ("a1", Gap.RATIONALE): Q_PARTIAL,
        ("a2", Gap.RATIONALE): Q_INITRD,
        ("a2", Gap.STEPS): Q_INITRD_STEPS,
    }

    def write(self, thread: Thread, answer: Message, gaps: tuple[Gap, ...]) -> FollowUp:
        return FollowUp(self.script[(answer.id, gaps[0])], gaps[0])


def test_only_answers_labelled_terse_are_cases(data: Path) -> None:
    cases = load_cases(data)
    assert [c.answer_id for c in cases] == ["a1", "a2"]
    assert cases[0].gold_gaps == (Gap.RATIONALE, Gap.PITFALLS) and cases[0].high_confidence
    assert cases[0].reader_requests == (Q_PARTIAL,)  # neither the thank-you nor the author's own reply
    assert cases[1].reader_requests == ()


def test_figures_worked_out_by_hand(data: Path) -> None:
    assert len(Q_INITRD_STEPS.split()) > 40
    report = run(data, AlwaysRationale(), ScriptedWriter(), HashingEmbedder())
    tacit = report.tacit
    # a1 passes everything; a2 (end to end) asks the wrong gap, impolitely; a2 with gold gaps is too long.
    assert tacit["one_question"] == 1.0
    assert tacit["max_40_words"] == 1.0
    assert tacit["names_answer_terms"] == 1.0
    assert tacit["asks_main_gap"] == 0.5
    assert tacit["asks_main_gap_gold_gaps"] == 1.0
    assert tacit["polite"] == 0.5
    assert tacit["all_checks"] == 0.5
    assert tacit["all_checks_gold_gaps"] == 0.5
    assert tacit["all_checks_high_confidence"] == 1.0  # only a1 is high-confidence
    # The labels are the questions themselves, and a1's reader request is its question: cosine 1.
    assert tacit["sim_to_label"] == pytest.approx(1.0)
    assert tacit["sim_to_reader_requests"] == pytest.approx(1.0)


def test_baselines_are_checked_the_same_way(data: Path) -> None:
    report = run(data, AlwaysRationale(), ScriptedWriter(), HashingEmbedder())
    generic, echo = report.baselines["generic"], report.baselines["question_echo"]
    # "Could you elaborate on your answer?": polite and well formed, but names nothing and asks for no gap.
    assert (generic["one_question"], generic["polite"], generic["names_answer_terms"]) == (1.0, 1.0, 0.0)
    assert generic["asks_main_gap"] == 0.0 and generic["all_checks"] == 0.0
    # "Why use a partial index on open orders?" asks a1's rationale; "Why you'll need to build ...?" is not steps.
    assert echo["names_answer_terms"] == 1.0 and echo["asks_main_gap"] == 0.5
    assert echo["polite"] == 0.0 and echo["all_checks"] == 0.0
    assert generic["sim_to_label"] < report.tacit["sim_to_label"]
    assert report.name == "followup" and set(report.figures()) == {"tacit", "baselines"}


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Why use a partial index on open orders?", True),  # a phrase of two content words
        ("Thanks! You wrote “use … small”. Why?", False),  # words of the answer, but far apart
        ("You wrote “keeps index small”: why?", True),  # a faithful quote with a word left out
        ("Why is the listing query slow?", False),  # only the title's words
        ("Could you elaborate on your answer?", False),
    ],
)
def test_names_answer_terms(question: str, expected: bool) -> None:
    assert names_answer_terms(question, PARTIAL, "Slow listing query?") is expected


def test_asked_gaps_ignore_words_copied_from_the_answer() -> None:
    answer = "Run the migration then check the source tables for locks."
    assert asked_gaps("Why “run the migration then check the source tables”?", answer) == {Gap.RATIONALE}
    assert asked_gaps("Could you walk through the steps, and what tends to go wrong?", answer) == {
        Gap.STEPS,
        Gap.PITFALLS,
    }
    assert asked_gaps("Could you elaborate?", answer) == set()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Thanks for the tip! Why that?", True),
        ("Could you say why?", True),
        ("Why?", False),  # no courtesy at all
        ("Explain why, please?", False),  # a bare imperative, even with please
        ("Thanks, but you forgot the reason: why?", False),  # rude
    ],
)
def test_is_polite(question: str, expected: bool) -> None:
    assert is_polite(question) is expected


def test_data_without_terse_labels_reports_nothing_rather_than_zeros(tmp_path: Path) -> None:
    path = tmp_path / "answers.jsonl"
    path.write_text(json.dumps(_row("a4", "Unlabelled", "Try again later.", None)) + "\n", encoding="utf-8")
    report = run(path, AlwaysRationale(), ScriptedWriter(), HashingEmbedder())
    assert report.tacit == {} and report.baselines == {}
    assert "no answer labelled terse" in report.notes[0]
