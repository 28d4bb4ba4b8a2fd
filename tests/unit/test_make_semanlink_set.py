"""The Semanlink converter writes BEIR files from a tiny hand-made copy of cherche's data."""

from __future__ import annotations

import json
from pathlib import Path

from evals.make_semanlink_set import convert
from evals.retrieval import load_corpus, load_qrels, load_queries

T = "http://www.semanlink.net/tag/"


def test_papers_become_queries_and_their_tags_relevant_documents(tmp_path: Path) -> None:
    tags = {
        f"{T}arxiv_doc": {"prefLabel": ["arXiv doc"]},
        f"{T}nlp": {"prefLabel": ["NLP"], "altLabel": ["natural language processing"], "broader_prefLabel": ["AI"]},
        f"{T}attention": {"prefLabel": ["Attention"], "comment": "Attention  mechanisms"},
    }
    papers = [
        {
            "arxiv_num": "1805.1",
            "arxiv_title": "Labels",
            "arxiv_summary": "Embed labels.",
            "tag": [f"{T}nlp", f"{T}arxiv_doc", f"{T}nlp"],
        },
        {"arxiv_num": "1805.2", "arxiv_title": "Only arXiv", "arxiv_summary": "x", "tag": [f"{T}arxiv_doc"]},
    ]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "tags.json").write_text(json.dumps(tags))
    (tmp_path / "in" / "arxiv.json").write_text(json.dumps(papers))
    assert convert(tmp_path / "in", tmp_path / "out") == (2, 1, 1)
    assert load_corpus(tmp_path / "out" / "corpus.jsonl") == {
        "nlp": ("NLP", "Also: natural language processing\nBroader: AI"),
        "attention": ("Attention", "Attention mechanisms"),
    }
    assert load_queries(tmp_path / "out" / "queries.jsonl") == {"arxiv-1805.1": "Labels. Embed labels."}
    assert load_qrels(tmp_path / "out" / "qrels.tsv") == {"arxiv-1805.1": {"nlp": 1}}
