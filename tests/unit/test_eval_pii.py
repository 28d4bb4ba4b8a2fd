"""`evals.pii` on a three-row fixture whose figures are worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.pii import RegexBaseline, load, run
from privacy.model import API_KEY, EMAIL, PASSWORD_IN_URL, PHONE, Finding

ROWS = [
    {"id": "r1", "text": "mail a@example.com now", "spans": [{"start": 5, "end": 18, "kind": "EMAIL"}]},
    {"id": "r2", "text": "call 415 555 0134 or order 12345", "spans": [{"start": 5, "end": 17, "kind": "PHONE"}]},
    {"id": "r3", "text": "key " + "AKIA" + "ABCDEFGHIJKLMNOP", "spans": [{"start": 4, "end": 24, "kind": "API_KEY"}]},
]


class ScriptedScanner:
    """Returns the findings scripted for each text."""

    def __init__(self) -> None:
        self.replies = {
            ROWS[0]["text"]: [Finding(EMAIL, 5, 18, 1.0)],  # right
            ROWS[1]["text"]: [Finding(PHONE, 5, 17, 0.4), Finding(PHONE, 27, 32, 0.4)],  # right, and a false alarm
            ROWS[2]["text"]: [Finding(PASSWORD_IN_URL, 4, 24, 0.9)],  # sensitive, but the wrong kind
        }

    def scan(self, text: str) -> list[Finding]:
        return list(self.replies[str(text)])


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "pii.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    return path


def test_figures_by_hand(data: Path) -> None:
    report = run(data=data, scanner=ScriptedScanner())
    t = report.tacit
    assert report.name == "pii"
    # 4 findings, 2 of the gold span's kind; 3 gold spans, 2 found with the right kind.
    assert t["precision"] == pytest.approx(2 / 4)
    assert t["recall"] == pytest.approx(2 / 3)
    assert t["f1"] == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    # Any sensitive: the wrong-kind finding still covers a gold span.
    assert t["any_precision"] == pytest.approx(3 / 4)
    assert t["any_recall"] == pytest.approx(1.0)
    assert t["PHONE_precision"] == pytest.approx(0.5) and t["PHONE_recall"] == pytest.approx(1.0)
    assert t["API_KEY_recall"] == 0.0 and t["API_KEY_precision"] == 0.0
    assert t["PASSWORD_IN_URL_precision"] == 0.0
    assert t["EMAIL_f1"] == pytest.approx(1.0)
    assert t["ms_per_message"] >= 0


def test_regex_baseline_is_reported(data: Path) -> None:
    report = run(data=data, scanner=ScriptedScanner())
    regex = report.baselines["regex"]
    # Its naive patterns catch all three here (the order number is too short for its phone pattern).
    assert regex["precision"] == pytest.approx(1.0) and regex["recall"] == pytest.approx(1.0)


def test_regex_baseline_has_no_checksums() -> None:
    assert "CREDIT_CARD" in {f.kind for f in RegexBaseline().scan("card 4111 1111 1111 1112")}


def test_generated_set_loads_and_spans_are_in_range() -> None:
    rows = load()
    assert 150 <= len(rows) <= 300
    kinds = {g.kind for r in rows for g in r.spans}
    assert {EMAIL, PHONE, API_KEY, PASSWORD_IN_URL} <= kinds
    for r in rows:
        for g in r.spans:
            assert 0 <= g.start < g.end <= len(r.text)


def test_the_set_is_generated_identically() -> None:
    from evals.make_pii_set import generate

    assert generate() == generate()
