"""`tacit eval synthesis` on a tiny hand-made answers file whose right figures are known."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from elicitor.model import Reply, Thread
from evals import synthesis
from evals.synthesis import AnswerOnlyWriter, ConcatenateWriter, Pair, build_case, load_cases, score_guides
from retrieval.fakes import HashingEmbedder
from synthesizer.faithfulness import SupportScorer, sentence_support
from synthesizer.model import CitedSentence, GuideDraft, Section, Source
from synthesizer.offline import ExtractiveGuideWriter


def comment(cid: str, author: str, text: str, minute: int, *, by_author: bool = False, asks: bool = False) -> dict:
    return {
        "comment_id": cid,
        "author": author,
        "text": text,
        "created_at": f"2024-05-01T12:{minute:02d}:00",
        "score": 0,
        "by_answer_author": by_author,
        "by_question_author": False,
        "elaboration_patterns": ["why_question"] if asks else [],
    }


def answer(aid: str, replied: bool, comments: list[dict]) -> dict:
    return {
        "answer_id": aid,
        "site": "example.stackexchange.com",
        "answer_url": f"https://ex.com/a/{aid[-1]}",
        "question_id": f"q-{aid}",
        "question_title": "Which cache for sessions?",
        "question_body": "Our sessions vanish after deploys. Which cache should hold them?",
        "question_tags": ["cache"],
        "answer_text": "Use Redis, not Memcached, for the session store.",
        "answer_author": "Expert",
        "answer_score": 5,
        "answer_is_accepted": True,
        "answer_created_at": "2024-05-01T12:00:00",
        "followup_comments": comments,
        "elaboration_requested": True,
        "answerer_replied_after_request": replied,
    }


ROWS = [
    answer(
        "ans-1",
        True,
        [
            comment("1", "Expert", "Edit: fixed a typo.", 1, by_author=True),
            comment("2", "Reader", "Why not Memcached? Could you explain?", 2, asks=True),
            comment("3", "Expert", "Memcached drops every key when it restarts.", 3, by_author=True),
            comment("4", "Other", "Interesting.", 4),
            comment("5", "Expert", "Redis writes snapshots to disk.", 5, by_author=True),
        ],
    ),
    answer("ans-2", False, [comment("9", "Reader", "Why?", 1, asks=True)]),  # no reply: not a case
]
REPLY_WORDS = {"memcached", "drops", "every", "key", "restarts", "redis", "writes", "snapshots", "disk"}


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "answers.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    return path


def test_a_case_is_the_thread_up_to_the_request_and_the_authors_replies_after_it() -> None:
    case = build_case(ROWS[0])
    assert case is not None
    assert [m.id for m in case.thread.messages] == ["q-ans-1", "ans-1", "ans-1/c1", "ans-1/c2"]
    assert [m.kind for m in case.thread.messages] == ["question", "answer", "comment", "comment"]
    assert case.thread.messages[1].author_id == case.thread.messages[2].author_id == "user:Expert"
    assert [r.id for r in case.replies] == ["ans-1/c3", "ans-1/c5"]
    assert {r.nudge_question for r in case.replies} == {"Why not Memcached? Could you explain?"}
    assert [c.answer_id for c in load_cases(ROWS)] == ["ans-1"]


def test_the_offline_writer_covers_the_reply_faithfully() -> None:
    figures = score_guides(load_cases(ROWS), ExtractiveGuideWriter(), sentence_support)
    assert figures["faithfulness"] == 1.0
    assert figures["citation_validity"] == 1.0 and figures["guides_all_citations_valid"] == 1.0
    assert figures["coverage"] == 1.0  # both replies quoted
    assert figures["answer_coverage"] == 1.0
    assert figures["guides"] == 1.0 and figures["failures"] == 0.0
    assert figures["sentences_per_guide"] == 3.0  # the answer and the two replies; "Edit: fixed a typo." dropped


def test_baselines() -> None:
    cases = load_cases(ROWS)
    only = score_guides(cases, AnswerOnlyWriter(), sentence_support)
    assert only["coverage"] == 0.0 and only["answer_coverage"] == 1.0 and only["faithfulness"] == 1.0
    everything = score_guides(cases, ConcatenateWriter(), sentence_support)
    assert everything["coverage"] == 1.0
    assert everything["sentences_per_guide"] == 2 + 2 + 2 + 2  # question, answer, 2 comments, 2 replies


class Scripted:
    """A writer returning one fixed draft (or raising), to check the figures against known answers."""

    def __init__(self, draft: GuideDraft | None) -> None:
        self.draft = draft

    def write(self, thread: Thread, replies: tuple[Reply, ...]) -> GuideDraft:
        if self.draft is None:
            raise RuntimeError("the writer broke")
        return self.draft


def test_invented_citations_and_unsupported_sentences_are_counted() -> None:
    draft = GuideDraft(
        title="t",
        sections={
            Section.SUMMARY: [
                CitedSentence(text="Use Redis, not Memcached, for the session store.", citations=["ans-1"]),
                CitedSentence(text="Use Memcached, not Redis, for the session store.", citations=["ans-1"]),  # swapped
                CitedSentence(text="Memcached drops every key when it restarts.", citations=["ans-1/c3", "ghost"]),
            ]
        },
        sources=[Source(id="ghost", author="x", text="Memcached drops every key when it restarts.")],
    )
    figures = score_guides(load_cases(ROWS), Scripted(draft), sentence_support)
    assert figures["faithfulness"] == pytest.approx(2 / 3)
    assert figures["citation_validity"] == pytest.approx(3 / 4)
    assert figures["guides_all_citations_valid"] == 0.0 and figures["guides_faithful"] == 0.0
    assert figures["coverage"] == pytest.approx(
        len({"memcached", "drops", "every", "key", "restarts"}) / len(REPLY_WORDS)
    )


def test_a_writer_that_raises_is_a_failure() -> None:
    figures = score_guides(load_cases(ROWS), Scripted(None), sentence_support)
    assert figures["failures"] == 1.0 and figures["guides"] == 0.0


def test_check_figures_on_known_pairs() -> None:
    source = "Use Redis, not Memcached, for the session store."
    pairs = [
        Pair(source, source, True, "quote", "hand"),
        Pair("Use Memcached, not Redis, for the session store.", source, False, "swapped", "hand"),
        Pair("Do not use Redis for the session store.", source, False, "negated", "hand"),
        Pair("Bake the bread at 220 degrees.", source, False, "other_thread", "hand"),
        Pair("Redis keeps sessions safe.", source, True, "paraphrase", "hand"),  # too few shared words: missed
    ]
    figures, scores = synthesis.check_figures(pairs, sentence_support)
    assert figures["precision"] == 1.0
    assert figures["recall"] == 0.5
    assert figures["accuracy"] == 0.8
    assert len(scores) == 5


def test_generated_pairs_are_labelled_by_how_they_were_made() -> None:
    text = (
        "You should put the pooler in front of the database in transaction mode. It returns the server connection "
        "after every transaction, so a few hundred clients share twenty connections."
    )
    rows = [{"question_id": f"q{i}", "answer_text": text.replace("pooler", f"pooler{i}")} for i in range(3)]
    pairs = synthesis.build_pairs(rows, sample=3, seed=1)
    kinds = {p.kind: p for _, p in pairs}
    assert {"quote", "fused", "other_thread", "negated", "swapped", "added_claim"} <= set(kinds)
    assert all(p.supported == (p.kind in {"quote", "trimmed", "fused", "reworded", "reordered"}) for _, p in pairs)
    assert kinds["negated"].sentence != kinds["quote"].sentence
    assert pairs == synthesis.build_pairs(rows, sample=3, seed=1)  # deterministic


def test_run_reports_tacit_baselines_and_the_checks_own_figures(data: Path) -> None:
    report = synthesis.run(data, ExtractiveGuideWriter(), HashingEmbedder(dimension=64))
    assert report.name == "synthesis"
    assert report.tacit["guides"] == 1.0
    assert report.tacit["faithfulness"] == 1.0 and report.tacit["citation_validity"] == 1.0
    assert report.tacit["coverage"] == 1.0
    assert report.baselines["answer_only"]["coverage"] == 0.0
    assert report.baselines["concatenate"]["coverage"] == 1.0
    # The tiny file yields few generated pairs; the hand-written ones are scored in every run.
    hand, _ = synthesis.check_figures(synthesis.load_hand_pairs(), SupportScorer(HashingEmbedder(dimension=64)))
    assert len(synthesis.load_hand_pairs()) >= 40
    assert report.tacit["check_precision"] >= 0.6 and 0.0 < report.tacit["check_recall"] <= 1.0
    assert hand["precision"] >= 0.6
    assert "pr_curve_support_check" in report.extra
    figures = report.figures()
    assert set(figures) == {"tacit", "baselines"}


def test_data_without_any_elaboration_reports_no_guide_figures(tmp_path: Path) -> None:
    data = tmp_path / "answers.jsonl"
    data.write_text(json.dumps({"answer_id": "a1", "answer_text": "Use X.", "followup_comments": []}) + "\n")
    report = synthesis.run(data, ExtractiveGuideWriter(), HashingEmbedder())
    assert "faithfulness" not in report.tacit and report.baselines == {}, "no guide: no figure rather than zeros"
    assert set(report.tacit) == {"check_precision", "check_recall", "check_accuracy"}  # the check's own pairs
    assert report.notes[0].startswith("0 cases")
