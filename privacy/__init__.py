"""Personal data and secrets in community text: find them, and redact them before synthesis and indexing."""

from privacy.model import (
    ALL_KINDS,
    API_KEY,
    CREDIT_CARD,
    EMAIL,
    IBAN,
    IP_ADDRESS,
    JWT,
    NATIONAL_ID,
    PASSWORD_IN_URL,
    PERSON,
    PHONE,
    PII_KINDS,
    PRIVATE_KEY,
    SECRET_KINDS,
    Finding,
    Scanner,
    value_hash,
)
from privacy.redact import placeholder, redact
from privacy.scanner import CompositeScanner, build_scanner

__all__ = [
    "ALL_KINDS",
    "API_KEY",
    "CREDIT_CARD",
    "EMAIL",
    "IBAN",
    "IP_ADDRESS",
    "JWT",
    "NATIONAL_ID",
    "PASSWORD_IN_URL",
    "PERSON",
    "PHONE",
    "PII_KINDS",
    "PRIVATE_KEY",
    "SECRET_KINDS",
    "CompositeScanner",
    "Finding",
    "Scanner",
    "build_scanner",
    "placeholder",
    "redact",
    "value_hash",
]
