"""Answers files as other communities write them: read leniently, or refused with the line and the reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.answers import read_answers
from evals.files import DataError

ROW = {
    "answer_id": "a1",
    "question_id": "q1",
    "question_title": "Why?",
    "answer_text": "Use X.",
    "terse_label": {"terse": "yes", "gaps": ["rationale"], "followup": "Why X?", "confidence": "high"},
}


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "answers.jsonl"
    path.write_bytes(data)
    return path


def test_bom_crlf_and_blank_lines_are_read(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbf" + json.dumps(ROW).encode() + b"\r\n\r\n" + json.dumps({**ROW, "answer_id": "a2"}).encode()
    assert [r["answer_id"] for r in read_answers(write(tmp_path, data))] == ["a1", "a2"]


@pytest.mark.parametrize(
    ("written", "read"), [("Yes", "yes"), (True, "yes"), ("NO", "no"), (False, "no"), ("maybe", None), (None, None)]
)
def test_labels_are_read_in_any_case_or_as_booleans(tmp_path: Path, written: object, read: str | None) -> None:
    row = {**ROW, "terse_label": {**ROW["terse_label"], "terse": written}}
    label = read_answers(write(tmp_path, json.dumps(row).encode()))[0]["terse_label"]
    assert (label["terse"] if label else None) == read


def test_missing_null_and_odd_fields_get_safe_values(tmp_path: Path) -> None:
    row = {
        "answer_text": "Use X.",
        "answer_score": "n/a",
        "question_tags": None,
        "answer_is_accepted": "true",
        "followup_comments": [{"text": "Why?", "elaboration_patterns": ["why"], "score": "3"}, "junk"],
        "terse_label": {"terse": "yes", "gaps": ["Rationale", "context", None, "rationale"], "confidence": None},
    }
    r = read_answers(write(tmp_path, json.dumps(row).encode()))[0]
    assert (r["answer_id"], r["question_id"], r["answer_score"], r["answer_is_accepted"]) == (
        "answer-1",
        "question-of-answer-1",
        0,
        True,
    )
    assert r["question_tags"] == [] and r["question_body"] == ""
    assert r["followup_comments"] == [
        {
            "text": "Why?",
            "elaboration_patterns": ["why"],
            "score": 3,
            "comment_id": "0",
            "author": "reader",
            "created_at": None,
            "by_answer_author": False,
            "by_question_author": False,
        }
    ]
    assert r["terse_label"]["gaps"] == ["rationale"] and r["terse_label"]["confidence"] == "low"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"answer_id": "a1"}\n["not", "an", "object"]\n', "answers.jsonl:2: expected one JSON object per line"),
        (b'{"answer_id": "a1"}\n{"answer_id": "a2", "answer_text": "cut sho', "answers.jsonl:2: not valid JSON"),
        (b'{"answer_id": "a1"}\n{"answer_text": "caf\xe9"}\n', "answers.jsonl:2: not UTF-8 text"),
    ],
)
def test_unreadable_lines_are_named(tmp_path: Path, data: bytes, message: str) -> None:
    with pytest.raises(DataError, match=message):
        read_answers(write(tmp_path, data))


def test_the_cli_says_what_to_fix_and_exits_2(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cli.evals import app

    path = write(tmp_path, b'{"answer_id": "a1"}\n[1]\n')
    result = CliRunner().invoke(app, ["terse", "--data", str(path)], env={"TACIT_DATA_DIR": str(tmp_path / "d")})
    assert result.exit_code == 2 and "answers.jsonl:2: expected one JSON object per line" in result.output
    assert "Traceback" not in result.output


def test_common_export_shapes_are_read(tmp_path: Path) -> None:
    row = {
        **ROW,
        "question_tags": "<python><sql>",
        "answer_created_at": "03/04/2021 10:00",
        "elaboration_requested": 1.0,
        "terse_label": {"terse": 1.0, "gaps": "Rationale, caveats; steps"},
        "followup_comments": [{"text": "Source?", "created_at": "2021-03-04T10:00:00Z"}],
    }
    r = read_answers(write(tmp_path, json.dumps(row).encode()))[0]
    assert r["question_tags"] == ["python", "sql"] and r["elaboration_requested"] is True
    assert r["answer_created_at"] is None, "not an ISO time: left out rather than crashing later"
    assert r["followup_comments"][0]["created_at"] == "2021-03-04T10:00:00Z"
    assert r["terse_label"]["terse"] == "yes" and r["terse_label"]["gaps"] == ["rationale", "steps"]
