"""Structured logs: one line per event, key=value, with secrets masked."""

from __future__ import annotations

import logging
import re

SECRET = re.compile(r"(tct_[A-Za-z0-9_-]{8})[A-Za-z0-9_-]+|(sk-[A-Za-z0-9]{4})[A-Za-z0-9_-]+|(Bearer )\S+")


def _mask(match: re.Match[str]) -> str:
    return (match.group(1) or match.group(2) or match.group(3)) + "***"


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return SECRET.sub(_mask, super().format(record))


class WithoutQuery(logging.Filter):
    """The access log keeps the path, never the query string: search text (`?q=`) is what people asked."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True


def configure(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("ts=%(asctime)s level=%(levelname)s logger=%(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, WithoutQuery) for f in access.filters):
        access.addFilter(WithoutQuery())
    for noisy in ("httpx", "httpcore", "sentence_transformers", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
