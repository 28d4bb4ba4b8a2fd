import json
import math
from pathlib import Path

import pytest

from evals.files import DataError
from evals.retrieval import OkapiBM25, _guides, build_dev_set, load_corpus, load_qrels, plain_text, run
from retrieval.fakes import HashingEmbedder

CORPUS = [
    {"_id": "d1", "title": "", "text": "restart nginx after editing the config file"},
    {"_id": "d2", "title": "Kafka", "text": "kafka consumer offsets reset after a rebalance"},
    {"_id": "d3", "title": "", "text": "grub boot menu missing after installing windows"},
    {"_id": "d5", "title": "", "text": "kafka lag dashboards"},
]
QUERIES = [
    {"_id": "q1", "text": "nginx config"},  # d1 first everywhere
    {"_id": "q2", "text": "kafka offsets"},  # d2 (grade 2) then d5 (grade 1): ideal order
    {"_id": "q3", "text": "printer drivers"},  # its relevant document is not in the corpus
    {"_id": "q4", "text": "kafka consumer"},  # relevant d5 comes second, after d2
    {"_id": "q5", "text": "no judgements for me"},  # not in qrels: not scored
]
QRELS = "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t2\nq2\td5\t1\nq3\tmissing\t1\nq4\td5\t1\nq4\td3\t0\n"


def _write(tmp_path: Path) -> tuple[Path, Path, Path]:
    corpus, queries, qrels = tmp_path / "corpus.jsonl", tmp_path / "queries.jsonl", tmp_path / "qrels.tsv"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in CORPUS))
    queries.write_text("".join(json.dumps(r) + "\n" for r in QUERIES))
    qrels.write_text(QRELS)
    return corpus, queries, qrels


def test_qrels_skip_the_header_and_zero_grades(tmp_path: Path):
    _, _, qrels = _write(tmp_path)

    assert load_qrels(qrels) == {
        "q1": {"d1": 1.0},
        "q2": {"d2": 2.0, "d5": 1.0},
        "q3": {"missing": 1.0},
        "q4": {"d5": 1.0},
    }


def test_run_reports_hand_known_figures_for_tacit_and_the_baselines(tmp_path: Path):
    report = run(*_write(tmp_path), HashingEmbedder())

    # q1, q2 perfect; q3 impossible; q4 finds its document second: nDCG 1/log2(3), recall 1, MRR 1/2.
    expected = {
        "ndcg@10": (1 + 1 + 0 + 1 / math.log2(3)) / 4,
        "recall@10": (1 + 1 + 0 + 1) / 4,
        "mrr@10": (1 + 1 + 0 + 0.5) / 4,
    }
    assert report.name == "retrieval"
    assert set(report.baselines) == {"bm25", "dense_only", "minilm_plain"}
    for figures in (report.tacit, *report.baselines.values()):
        assert figures == pytest.approx(expected)
    assert report.notes[0].startswith("4 documents (4 chunks indexed), 4 queries with judgements")
    assert any("query time" in n for n in report.notes)


def test_the_plain_baseline_embeds_whole_documents_once_with_their_title(tmp_path: Path):
    embedder = _Recording(HashingEmbedder())

    run(*_write(tmp_path), embedder)

    plain = [t for t in embedder.documents if t in {plain_text(d["title"], d["text"]) for d in CORPUS}]
    assert "Kafka\nkafka consumer offsets reset after a rebalance" in plain
    assert "restart nginx after editing the config file" in plain  # no title: the text alone


def test_long_documents_are_searched_by_their_best_window(tmp_path: Path):
    filler = " ".join(f"filler{i} words about nothing much" for i in range(120))  # ~600 words: several windows
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(
        json.dumps({"_id": "long", "title": "", "text": filler + " the grub bootloader menu vanished"})
        + "\n"
        + json.dumps({"_id": "other", "title": "", "text": "kafka consumer offsets"})
        + "\n"
    )
    queries = tmp_path / "queries.jsonl"
    queries.write_text(json.dumps({"_id": "q", "text": "grub bootloader menu vanished"}) + "\n")
    qrels = tmp_path / "qrels.tsv"
    qrels.write_text("q\tlong\t1\n")

    report = run(corpus, queries, qrels, HashingEmbedder())

    assert report.baselines["dense_only"]["mrr@10"] == 1.0  # the last window holds the answer
    assert int(report.notes[0].split("(")[1].split()[0]) > 2  # the long document became several chunks


class _Recording:
    def __init__(self, inner: HashingEmbedder) -> None:
        self.inner, self.dimension, self.documents = inner, inner.dimension, []

    def embed(self, texts, kind):
        if kind == "document":
            self.documents.extend(texts)
        return self.inner.embed(texts, kind)


def test_okapi_bm25_scores_by_hand():
    bm25 = OkapiBM25({"a": "kafka kafka", "b": "kafka offsets", "c": "grub"})

    # "offsets" is only in b; "kafka" in a (twice) and b: b wins on the rarer term.
    assert bm25.search("kafka offsets", 10) == ["b", "a"]
    assert bm25.search("nothing matches", 10) == []


def _se_thread(tid: str, title: str, answers: list[tuple[str, str, int, bool]]) -> dict:
    messages = [{"message_id": f"{tid}-q", "kind": "question", "author": "asker", "text": "body", "parent_id": None}]
    messages += [
        {
            "message_id": mid,
            "kind": "answer",
            "author": "x",
            "text": text,
            "score": score,
            "accepted": accepted,
            "parent_id": f"{tid}-q",
        }
        for mid, text, score, accepted in answers
    ]
    return {"thread_id": tid, "source": "stackexchange:site", "title": title, "messages": messages}


def _irc_thread(tid: str, lines: list[tuple[str, str]]) -> dict:
    messages = [
        {"message_id": f"{tid}:{i}", "author": a, "text": t, "parent_id": None} for i, (a, t) in enumerate(lines)
    ]
    return {"thread_id": tid, "source": "irc:#ubuntu", "title": lines[0][1], "messages": messages}


THREADS = [
    _se_thread(
        "se-1",
        "How do I measure a qubit?",
        [
            ("a1", "Apply the measurement operator and read the classical bit.", 3, False),
            ("a2", "Use a projective measurement in the computational basis.", 5, True),
            ("a3", "Wrong and downvoted.", -2, False),
        ],
    ),
    _se_thread(
        "se-2", "What is entanglement", [("a4", "You asked: what is entanglement. It is correlation.", 1, False)]
    ),
    _se_thread("se-3", "Unanswered question", []),
    _irc_thread(
        "irc-1",
        [
            ("ann", "how do I mount an ntfs drive at boot?"),
            ("bob", "ann: add a line to /etc/fstab with the ntfs-3g type and the uuid of the disk"),
            ("ann", "thanks"),
        ],
    ),
    _irc_thread(
        "irc-2",
        [
            ("cy", "hi anyone here I need help please"),
            ("dee", "cy: just ask your question, someone will answer if they know the answer"),
        ],
    ),
]


def test_the_dev_set_from_threads(tmp_path: Path):
    threads = tmp_path / "threads.jsonl"
    threads.write_text("".join(json.dumps(t) + "\n" for t in THREADS))

    corpus_path, queries_path, qrels_path = build_dev_set(threads, tmp_path / "dev")

    corpus = {r["_id"]: r for r in map(json.loads, corpus_path.read_text().splitlines())}
    queries = {r["_id"]: r["text"] for r in map(json.loads, queries_path.read_text().splitlines())}
    # every answer and every reply document is a document; answers carry no title (the query is the title)
    assert sorted(corpus) == ["irc:irc-1", "irc:irc-2", "se:a1", "se:a2", "se:a3", "se:a4"]
    assert corpus["se:a2"]["title"] == ""
    assert corpus["irc:irc-1"]["text"].startswith("add a line to /etc/fstab")  # "ann:" removed, opener left out
    # se-2's answer quotes its title: dropped; se-3 has no answer; irc-2's opener is only chat filler
    assert queries == {"se:se-1": "How do I measure a qubit?", "irc:irc-1": "how do I mount an ntfs drive at boot?"}
    assert load_qrels(qrels_path) == {"se:se-1": {"se:a2": 2.0, "se:a1": 1.0}, "irc:irc-1": {"irc:irc-1": 2.0}}

    again = build_dev_set(threads, tmp_path / "again")
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in (corpus_path, queries_path, qrels_path)]


def test_run_tells_how_far_each_phase_got(tmp_path: Path):
    heard: list[tuple[str, int, int | None]] = []
    run(*_write(tmp_path), HashingEmbedder(), progress=lambda phase, done, total: heard.append((phase, done, total)))
    assert ("indexing chunks", 4, None) in heard
    for phase in ("tacit queries", "dense-only queries", "bm25 queries"):
        assert [(d, t) for p, d, t in heard if p == phase] == [(1, 4), (2, 4), (3, 4), (4, 4)]


@pytest.mark.parametrize(
    "text",
    [
        "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t0\n",  # BEIR
        "\ufeffquery-id\tcorpus-id\tscore\r\nq1\td1\t1\r\n",  # a BOM and CRLF
        "q1 d1 1\n",  # spaces, no header
        "qid docid rel note\nq1 d1 2 x\n",  # a header of other names and an extra column
        "q1\t0\td1\t1\n",  # TREC
        "q1 Q0 d1 3\n",  # TREC with spaces
    ],
)
def test_qrels_in_the_layouts_people_use(tmp_path: Path, text: str) -> None:
    path = tmp_path / "qrels.tsv"
    path.write_text(text, encoding="utf-8")
    assert list(load_qrels(path)) == ["q1"] and list(load_qrels(path)["q1"]) == ["d1"]


def test_qrels_with_a_bad_score_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "qrels.tsv"
    path.write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\thigh\n", encoding="utf-8")
    with pytest.raises(DataError, match="qrels.tsv:3: the score 'high' is not a number"):
        load_qrels(path)


def test_ids_that_do_not_meet_are_refused_not_scored_zero(tmp_path: Path) -> None:
    corpus, queries, qrels = _write(tmp_path)
    qrels.write_text("query-id\tcorpus-id\tscore\nnope\td1\t1\n", encoding="utf-8")
    with pytest.raises(DataError, match="do the query ids match"):
        run(corpus, queries, qrels, HashingEmbedder())


def test_corpus_ids_may_be_written_id_and_a_title_alone_is_a_document(tmp_path: Path) -> None:
    path = tmp_path / "corpus.jsonl"
    path.write_text('{"id": 7, "title": "Kubernetes limits"}\n', encoding="utf-8")
    assert load_corpus(path) == {"7": ("Kubernetes limits", "")}
    assert [doc_id for doc_id, *_ in _guides(load_corpus(path))] == ["7"]


def test_a_trailing_tab_is_not_a_column(tmp_path: Path) -> None:
    path = tmp_path / "qrels.tsv"
    path.write_text("q1\td1\t1\t\nq2\td2\t1\t\n", encoding="utf-8")
    assert load_qrels(path) == {"q1": {"d1": 1.0}, "q2": {"d2": 1.0}}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("q1\td1\thigh\nq2\td2\t1\n", "qrels.tsv:1: the score 'high' is not a number"),  # not mistaken for a header
        ("q1\td1\t1\t0\nq2\td2\t2\t0\n", "qrels.tsv:1: expected 'query-id corpus-id score'"),  # 4 columns, not TREC
    ],
)
def test_rows_that_are_not_a_header_are_never_dropped_silently(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "qrels.tsv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        load_qrels(path)
