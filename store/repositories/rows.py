"""Turning ORM rows into records: the one place a row's columns become a frozen dataclass."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

from store.repository import aware

R = TypeVar("R")


def record_of(cls: type[R], row: Any) -> R:
    """The record of a row: each field of the record read from the row's column of that name, times in UTC."""
    values = {}
    for name in _names(cls):  # type: ignore[arg-type]  # classes are hashable
        value = getattr(row, name)
        values[name] = aware(value) if isinstance(value, datetime) else value
    return cls(**values)


@cache
def _names(cls: type) -> tuple[str, ...]:
    """A record's field names, read once per class (batches turn hundreds of rows into records)."""
    return tuple(f.name for f in fields(cls))


def maybe(cls: type[R], row: Any | None) -> R | None:
    return None if row is None else record_of(cls, row)
