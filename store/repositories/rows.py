"""Turning ORM rows into records: the one place a row's columns become a frozen dataclass."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any, TypeVar

from store.repository import aware

R = TypeVar("R")


def record_of(cls: type[R], row: Any) -> R:
    """The record of a row: each field of the record read from the row's column of that name, times in UTC."""
    values = {}
    for f in fields(cls):  # type: ignore[arg-type]
        value = getattr(row, f.name)
        values[f.name] = aware(value) if isinstance(value, datetime) else value
    return cls(**values)


def maybe(cls: type[R], row: Any | None) -> R | None:
    return None if row is None else record_of(cls, row)
