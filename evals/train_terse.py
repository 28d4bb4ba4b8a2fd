"""Fit the terse detector's model on labelled answers and write elicitor/models/terse.json.

Example: python -m evals.train_terse --data ../shared/data/answers.jsonl
Judge the result by the cross-validated figures of `tacit eval terse` (`cv_*`), not by its fit on the same data.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from elicitor.terse_model import DEFAULT_PATH
from evals.terse import load, train_model


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="answers.jsonl with terse_label rows")
    parser.add_argument("--out", type=Path, default=DEFAULT_PATH, help="where the model JSON is written")
    args = parser.parse_args(argv)
    rows = load(args.data)
    labelled = [r for r in rows if r.terse is not None]
    note = (
        f"logistic regression (L2, balanced) on {len(labelled)} labelled answers of {args.data.name}, "
        "eligible ones only; offset maps the inner-CV F1-best cut onto 0.55"
    )
    model = train_model(rows, note)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(model.to_json() + "\n", encoding="utf-8")
    print(f"wrote {args.out}: " + ", ".join(f"{n} {c:+.3f}" for n, c in zip(model.names, model.coef, strict=True)))


if __name__ == "__main__":
    main()
