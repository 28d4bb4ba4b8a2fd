"""Reading data files handed to `tacit eval`: JSON lines, with the place of anything unreadable."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class DataError(ValueError):
    """A data file that cannot be read, with the place and the reason, for a person to fix."""


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-empty line; DataError names the first line that is not an object."""
    raw = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    for number, line in enumerate(raw.split(b"\n"), start=1):
        try:
            text = line.decode("utf-8").strip()
        except UnicodeDecodeError as e:
            raise DataError(f"{path}:{number}: not UTF-8 text (byte {e.start}); save the file as UTF-8") from None
        if not text:
            continue
        try:
            row = json.loads(text)
        except json.JSONDecodeError as e:
            raise DataError(f"{path}:{number}: not valid JSON (column {e.colno}: {e.msg})") from None
        if not isinstance(row, dict):
            raise DataError(f"{path}:{number}: expected one JSON object per line, got {type(row).__name__}")
        yield number, row
