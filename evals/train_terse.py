"""Fit the terse detector's model on labelled answers and write elicitor/models/terse.json.

The shipped model is built from both shared communities, each weighed equally:
    python -m evals.train_terse --data ../shared/data/answers.jsonl --data ../shared/data/answers_irc.jsonl
Judge it by the transfer figures of `tacit eval terse --data A --train B` (a community the model never saw), not
by its fit on the data it was trained on.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from elicitor.community_model import COLD_START_FRACTION, cold_start_cut
from elicitor.terse_model import DEFAULT_PATH, TerseModel
from evals.terse import _Row, load, train_model
from evals.transfer import prepare, score


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, action="append", required=True, help="an answers file with terse_label rows (repeat)"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_PATH, help="where the model JSON is written")
    args = parser.parse_args(argv)
    rows = [row for path in args.data for row in load(path)]
    labelled = [r for r in rows if r.terse is not None]
    names = " + ".join(path.name for path in args.data)
    note = (
        f"logistic regression (L2, classes balanced, each community weighed equally) on {len(labelled)} labelled "
        f"answers of {names}, eligible ones only; offset maps the inner-CV F1-best cut onto 0.55"
    )
    model = with_cold_start_cut(train_model(rows, note), rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(model.to_json() + "\n", encoding="utf-8")
    print(f"wrote {args.out}: " + ", ".join(f"{n} {c:+.3f}" for n, c in zip(model.names, model.coef, strict=True)))
    print(f"cold-start cut {model.cold_start_cut} (the top {COLD_START_FRACTION:.0%} of these answers reach it)")


def with_cold_start_cut(model: TerseModel, rows: list[_Row]) -> TerseModel:
    """The model with the score that about the top 10% of these labelled answers reach, scored as the detector
    scores them (ruled-out answers at 0), each community weighing equally."""
    labelled = [r for r in rows if r.terse is not None]
    scores = [score(model, item) for item in prepare(labelled)]
    return replace(model, cold_start_cut=cold_start_cut(scores, [r.thread.community_id for r in labelled]))


if __name__ == "__main__":
    main()
