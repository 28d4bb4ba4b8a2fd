"""Helpers every repository shares: ids, token hashes, UTC times. The repositories are in store/repositories/."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

TOKEN_PREFIX = "tct_"


def new_id() -> str:
    return uuid.uuid4().hex


def hash_token(token: str) -> str:
    # Tokens are 256-bit random strings, so a fast hash is enough (no password stretching needed).
    return hashlib.sha256(token.encode()).hexdigest()


def aware(value: datetime) -> datetime:
    """SQLite returns naive datetimes; everything in Tacit is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def week_ago(now: datetime) -> datetime:
    return now - timedelta(days=7)
