"""Reading an answers file (the format of ../shared/data/answers.jsonl) as another community would write it.

One reader for `tacit eval terse|followup|synthesis`: it accepts missing or null fields, numbers written as text,
labels written "Yes", "no" or as booleans, and non-ISO times, and turns every row into the same clean shape. The
lines themselves are read by evals/files.py (a byte-order mark and CRLF are fine; what cannot be read stops with
the file, the line and what to fix: `DataError`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from elicitor.model import Gap
from evals.files import read_jsonl

GAPS = frozenset(g.value for g in Gap)
UNKNOWN_TIME = datetime(2000, 1, 1, tzinfo=UTC)  # for a row without a (readable) time


def read_answers(path: Path) -> list[dict[str, Any]]:
    """Every row of an answers file, cleaned into the shape the evaluations read."""
    return [clean_answer(row, number) for number, row in read_jsonl(path)]


def clean_answer(row: dict[str, Any], number: int = 0) -> dict[str, Any]:
    """One answer row with every field present and of its type; unknown extra fields are kept."""
    answer_id = _text(row.get("answer_id")) or f"answer-{number}"
    comments = row.get("followup_comments")
    return {
        **row,
        "answer_id": answer_id,
        "question_id": _text(row.get("question_id")) or f"question-of-{answer_id}",
        "site": _text(row.get("site")) or "community",
        "question_title": _text(row.get("question_title")),
        "question_body": _text(row.get("question_body")),
        "question_tags": _names(row.get("question_tags")),
        "answer_text": _text(row.get("answer_text")),
        "answer_author": _text(row.get("answer_author")) or "answerer",
        "answer_score": as_int(row.get("answer_score")),
        "answer_is_accepted": as_bool(row.get("answer_is_accepted")),
        "answer_created_at": iso_time(row.get("answer_created_at")),
        "followup_comments": [
            _comment(c, i) for i, c in enumerate(comments if isinstance(comments, list) else []) if isinstance(c, dict)
        ],
        "elaboration_requested": as_bool(row.get("elaboration_requested")),
        "answerer_replied_after_request": as_bool(row.get("answerer_replied_after_request")),
        "terse_label": _label(row.get("terse_label")),
    }


def _comment(comment: dict[str, Any], index: int) -> dict[str, Any]:
    patterns = comment.get("elaboration_patterns")
    return {
        **comment,
        "comment_id": _text(comment.get("comment_id")) or str(index),
        "author": _text(comment.get("author")) or "reader",
        "text": _text(comment.get("text")),
        "created_at": iso_time(comment.get("created_at")),
        "score": as_int(comment.get("score")),
        "by_answer_author": as_bool(comment.get("by_answer_author")),
        "by_question_author": as_bool(comment.get("by_question_author")),
        "elaboration_patterns": list(patterns) if isinstance(patterns, list) else [],
    }


def _label(label: object) -> dict[str, Any] | None:
    """The terse label with terse "yes"/"no" (or None when it says neither), known gaps only, confidence."""
    if not isinstance(label, dict):
        return None
    terse = as_yes_no(label.get("terse"))
    if terse is None:
        return None
    gaps = [g.lower() for g in _names(label.get("gaps"))]
    confidence = _text(label.get("confidence")).lower()
    return {
        **label,
        "terse": terse,
        "gaps": [g for g in dict.fromkeys(gaps) if g in GAPS],
        "followup": _text(label.get("followup")),
        "confidence": "high" if confidence == "high" else "low",
    }


def as_yes_no(value: object) -> str | None:
    """ "yes" or "no" from yes/no in any case, true/false, 1/0 (1.0/0.0 too); None for anything else."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float) and value in (0, 1):
        return "yes" if value == 1 else "no"
    word = str(value).strip().lower() if value is not None else ""
    return {"yes": "yes", "y": "yes", "true": "yes", "1": "yes", "no": "no", "n": "no", "false": "no", "0": "no"}.get(
        word
    )


def as_bool(value: object) -> bool:
    return as_yes_no(value) == "yes"


def as_int(value: object) -> int:
    """A count or score written as a number or as text; 0 when it is neither."""
    if isinstance(value, bool):
        return int(value)
    try:
        return int(value) if isinstance(value, int | float) else int(float(str(value).strip()))
    except (ValueError, OverflowError):  # text, NaN, infinity
        return 0


def _names(value: object) -> list[str]:
    """A list of names, also from one string: "a, b", "a; b" or Stack Exchange's "<a><b>"."""
    if isinstance(value, str):
        parts = re.split(r"[<>,;|]+", value)
    elif isinstance(value, list | tuple):
        parts = [str(v) for v in value if v is not None]
    else:
        return []
    return [p.strip() for p in parts if p.strip()]


def aware_time(value: str | None, default: datetime) -> datetime:
    """A cleaned row's time (ISO, checked by iso_time) as an aware datetime, UTC when it has no zone."""
    if not value:
        return default
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def iso_time(value: object) -> str | None:
    """An ISO 8601 time as written, or None when the value is missing or not such a time."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value.strip()


def _text(value: object) -> str:
    return "" if value is None else str(value)
