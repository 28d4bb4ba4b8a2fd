"""What the privacy scanner finds: kinds of personal data and secrets, findings (never the raw value), the port."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Final, Protocol

# Personal data.
EMAIL: Final = "EMAIL"
PHONE: Final = "PHONE"
CREDIT_CARD: Final = "CREDIT_CARD"
IBAN: Final = "IBAN"
IP_ADDRESS: Final = "IP_ADDRESS"
NATIONAL_ID: Final = "NATIONAL_ID"  # US SSN, UK National Insurance number, UK NHS number
PERSON: Final = "PERSON"  # only when an offline NER model is installed
# Secrets.
API_KEY: Final = "API_KEY"
PRIVATE_KEY: Final = "PRIVATE_KEY"
PASSWORD_IN_URL: Final = "PASSWORD_IN_URL"
JWT: Final = "JWT"

PII_KINDS: Final = frozenset({EMAIL, PHONE, CREDIT_CARD, IBAN, IP_ADDRESS, NATIONAL_ID, PERSON})
SECRET_KINDS: Final = frozenset({API_KEY, PRIVATE_KEY, PASSWORD_IN_URL, JWT})
ALL_KINDS: Final = PII_KINDS | SECRET_KINDS


@dataclass(frozen=True)
class Finding:
    """A span of text holding personal data or a secret. `text_hash` identifies the value without storing it."""

    kind: str
    start: int
    end: int
    score: float
    text_hash: str = ""
    detector: str = ""  # which recognizer found it, for audits and tuning

    def __post_init__(self) -> None:
        if self.kind not in ALL_KINDS:
            raise ValueError(f"unknown finding kind {self.kind!r}")
        if not 0 <= self.start < self.end:
            raise ValueError(f"bad span {self.start}..{self.end}")

    @property
    def is_secret(self) -> bool:
        return self.kind in SECRET_KINDS


def value_hash(value: str) -> str:
    """A short, stable fingerprint of a sensitive value (sha256, 16 hex digits): equal values, equal hashes."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:16]


def finding(kind: str, text: str, start: int, end: int, score: float, detector: str = "") -> Finding:
    """A Finding for text[start:end], hashing the value so the raw text is never kept."""
    return Finding(kind, start, end, score, value_hash(text[start:end]), detector)


class Scanner(Protocol):
    """Finds personal data and secrets in text."""

    def scan(self, text: str) -> list[Finding]: ...
