"""The PII and secrets scanner: each kind, checksums, hard negatives, redaction, offline loading."""

from __future__ import annotations

import base64
import socket
import subprocess
import sys
import time

import pytest

from privacy import (
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
    CompositeScanner,
    Finding,
    build_scanner,
    redact,
    value_hash,
)
from privacy.presidio import PresidioScanner, forget_engines, ner_model_available
from privacy.secrets import SecretScanner

# Fake secrets, assembled at run time so that no key-shaped literal sits in the repository.
AWS_KEY = "AKIA" + "QWERTYUIOPASDFGH"
SLACK_TOKEN = "xoxb" + "-123456789012-1234567890123-abcdefghijklmnopqrstuvwx"
STRIPE_KEY = "sk_" + "live_" + "4eC39HqLyjWDarjtT1zdp7dc"
PEM = (
    "-----BEGIN RSA "
    + "PRIVATE KEY-----\nMIIEowIBAAKCAQEAq7BFUpkGp3+fakefakefake\nZmFrZWtleWJvZHk=\n-----END RSA "
    + "PRIVATE KEY-----"
)
JWT_TOKEN = ".".join(
    base64.urlsafe_b64encode(part).decode().rstrip("=")
    for part in (
        b'{"alg":"HS256","typ":"JWT"}',
        b'{"sub":"1234567890","role":"svc"}',
        b"fake-signature-bytes-32-long!!!!",
    )
)


@pytest.fixture(scope="module")
def scanner() -> CompositeScanner:
    return CompositeScanner([SecretScanner(), PresidioScanner(person_names=False)])


def kinds_of(scanner: CompositeScanner, text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in scanner.scan(text):
        out.setdefault(f.kind, []).append(text[f.start : f.end])
    return out


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("ping me at jane.doe@example.com when it's deployed", EMAIL, "jane.doe@example.com"),
        ("call me on (415) 555-0134 tonight", PHONE, "(415) 555-0134"),
        ("the UK desk is +44 20 7946 0958", PHONE, "+44 20 7946 0958"),
        ("customer card 4111 1111 1111 1111 leaked", CREDIT_CARD, "4111 1111 1111 1111"),
        ("wire it to GB82 WEST 1234 5698 7654 32 please", IBAN, "GB82 WEST 1234 5698 7654 32"),
        ("the box at 203.0.113.42 keeps dropping", IP_ADDRESS, "203.0.113.42"),
        ("blocked 2001:db8:85a3::8a2e:370:7334 at the edge", IP_ADDRESS, "2001:db8:85a3::8a2e:370:7334"),
        ("payroll has SSN 536-22-8149 on file", NATIONAL_ID, "536-22-8149"),
        ("her National Insurance number is AB 12 34 56 C", NATIONAL_ID, "AB 12 34 56 C"),
        ("patient NHS number 943 476 5919 was exported", NATIONAL_ID, "943 476 5919"),
        ("aws key " + AWS_KEY + " in the log", API_KEY, AWS_KEY),
        ("token ghp_" + "a1B2" * 9 + " expired", API_KEY, "ghp_" + "a1B2" * 9),
        (
            "fine-grained github_pat_" + "A" * 22 + "_" + "b" * 59 + " works",
            API_KEY,
            "github_pat_" + "A" * 22 + "_" + "b" * 59,
        ),
        ("bot token " + SLACK_TOKEN + " here", API_KEY, SLACK_TOKEN),
        (
            "OPENAI_API_KEY=sk-proj-" + "x1Y2" * 5 + "T3BlbkFJ" + "Z9w8" * 5,
            API_KEY,
            "sk-proj-" + "x1Y2" * 5 + "T3BlbkFJ" + "Z9w8" * 5,
        ),
        ("stripe " + STRIPE_KEY + " in prod", API_KEY, STRIPE_KEY),
        ("maps key AIzaSyA-" + "q" * 31 + " restricted?", API_KEY, "AIzaSyA-" + "q" * 31),
        ('config has api_key = "9fG2kLq8ZxP4rT7vB1nM" in it', API_KEY, "9fG2kLq8ZxP4rT7vB1nM"),
        ("oops:\n" + PEM + "\ndelete this", PRIVATE_KEY, PEM),
        ("the staging DSN is postgres://app:S3cr3t!@db.internal:5432/app", PASSWORD_IN_URL, "S3cr3t!"),
        ("session cookie " + JWT_TOKEN + " has the wrong role", JWT, JWT_TOKEN),
    ],
)
def test_each_kind_is_found(scanner: CompositeScanner, text: str, kind: str, value: str) -> None:
    assert value in kinds_of(scanner, text).get(kind, [])


@pytest.mark.parametrize(
    "text",
    [
        "the card field rejected 4111 1111 1111 1112, as it should (bad checksum)",  # Luhn-invalid
        "fixture uses GB83 WEST 1234 5698 7654 32 to test IBAN validation",  # one check digit off
        "upgraded to 2.14.3 and build 2024.3.1.4471, python 3.11.7",
        "order #4155550199 shipped twice; ticket INC0012345 is a duplicate",
        "dev server listens on 127.0.0.1:8080 and 0.0.0.0:5432",
        "format: postgres://user:<password>@host:5432/db or postgres://app:${DB_PASSWORD}@db/app",
        'set api_key = "<your-key-here>" in the example',
        "bisected to commit 3f9c1e2b4d5a6f7e8d9c0b1a2f3e4d5c6b7a8f90, request id 0f8e2a4c-1b3d-4e5f-8a7b-9c0d1e2f3a4b",
        "run ssh deploy@bastion.internal then tail the logs",
    ],
)
def test_hard_negatives_are_not_flagged(scanner: CompositeScanner, text: str) -> None:
    assert scanner.scan(text) == []


def test_iban_checksum_decides(scanner: CompositeScanner) -> None:
    assert kinds_of(scanner, "IBAN DE89370400440532013000 ok").get(IBAN) == ["DE89370400440532013000"]
    assert IBAN not in kinds_of(scanner, "IBAN DE89370400440532013001 ok")


def test_findings_never_hold_the_raw_value(scanner: CompositeScanner) -> None:
    text = "mail jane.doe@example.com"
    [f] = scanner.scan(text)
    assert f.text_hash == value_hash("jane.doe@example.com") and "jane" not in repr(f)


def test_phone_inside_a_card_is_the_card_only(scanner: CompositeScanner) -> None:
    text = "refund to 4968-3322-1694-7522 please"
    assert {f.kind for f in scanner.scan(text)} <= {CREDIT_CARD}


@pytest.mark.skipif(not ner_model_available(), reason="the optional NER model package is not installed")
def test_person_names_with_the_offline_model() -> None:
    text = "I'm out tomorrow, Priya Raman is covering the rotation"
    found = {(f.kind, text[f.start : f.end]) for f in PresidioScanner(person_names=True).scan(text)}
    assert (PERSON, "Priya Raman") in found


def test_no_person_findings_when_names_are_off(scanner: CompositeScanner) -> None:
    assert PERSON not in kinds_of(scanner, "I'm out tomorrow, Priya Raman is covering the rotation")


# ---- redaction ----------------------------------------------------------


def test_redact_replaces_spans_and_keeps_the_rest() -> None:
    text = "mail jane@example.com or call 415-555-0134, thanks!"
    findings = [Finding(EMAIL, 5, 21, 1.0), Finding(PHONE, 30, 42, 0.4)]
    assert redact(text, findings) == "mail [EMAIL] or call [PHONE], thanks!"


def test_redact_merges_overlaps_and_secrets_win() -> None:
    text = "dsn postgres://app:hunter2pass@db/app end"
    start = text.index("app:")
    findings = [
        Finding(PASSWORD_IN_URL, start + 4, start + 16, 0.9),
        Finding(EMAIL, start + 4, start + 18, 0.5),
        Finding(PERSON, start, start + 8, 0.85),
    ]
    assert redact(text, findings) == "dsn postgres://[SECRET]/app end"


def test_redact_is_stable_and_order_independent() -> None:
    text = "a 203.0.113.9 b 198.51.100.7 c"
    findings = [Finding(IP_ADDRESS, 16, 28, 0.6), Finding(IP_ADDRESS, 2, 13, 0.6)]
    assert redact(text, findings) == redact(text, list(reversed(findings))) == "a [IP_ADDRESS] b [IP_ADDRESS] c"
    assert redact(text, []) == text


def test_redact_of_a_real_scan(scanner: CompositeScanner) -> None:
    text = "key " + AWS_KEY + ", mail ops@example.org"
    assert redact(text, scanner.scan(text)) == "key [SECRET], mail [EMAIL]"


def test_finding_rejects_unknown_kinds_and_bad_spans() -> None:
    with pytest.raises(ValueError):
        Finding("SHOE_SIZE", 0, 1, 1.0)
    with pytest.raises(ValueError):
        Finding(EMAIL, 5, 5, 1.0)


# ---- offline and lazy ---------------------------------------------------


def test_scanning_needs_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network is blocked in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    forget_engines()  # a new engine, so tldextract's suffix list is set up under the block
    fresh = build_scanner(person_names=True)
    text = "mail jane.doe@example.co.uk or ops@example.com, key " + AWS_KEY + ", Priya Raman says hi"
    found = {f.kind for f in fresh.scan(text)}
    assert {EMAIL, API_KEY} <= found
    assert attempts == []


def test_build_scanner_is_lazy() -> None:
    start = time.perf_counter()
    built = build_scanner()
    assert time.perf_counter() - start < 0.5
    assert isinstance(built, CompositeScanner)
    assert not any(s.loaded for s in built.scanners)  # type: ignore[attr-defined]
    built.scan("ping ops@example.com")
    assert all(s.loaded for s in built.scanners)  # type: ignore[attr-defined]


def test_importing_privacy_loads_no_engine() -> None:
    code = "import sys, privacy; privacy.build_scanner(); print(sorted(m for m in ('presidio_analyzer', 'spacy', 'detect_secrets') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_empty_text_has_no_findings(scanner: CompositeScanner) -> None:
    assert scanner.scan("") == []


# ---- cheap look before Presidio -----------------------------------------

PREFILTER_TEXTS = (
    "Just restart the service and watch the logs.",  # nothing to look for: Presidio is skipped
    "mail ops@example.com about it",
    "call me on +44 20 7946 0958 or 020 7946 0958",
    "card 4111 1111 1111 1111, IBAN GB82 WEST 1234 5698 7654 32",
    "the box at 192.168.10.20 and fe80::1ff:fe23:4567:890a, also abcd:ef01::cafe",
    "SSN 078-05-1120, NINO AB123456C, NHS number 943 476 5919",
    "ring ٠٢٠ ٧٩٤٦ ٠٩٥٨ or ０２０７９４６０９５８",  # Arabic-Indic and full-width digits are digits too
    "version 1.2.3 on port 8080: nothing personal",
    "the host abcd:ef::cafe answers again",  # IPv6 groups of letters only: the colon is enough to look
)


@pytest.mark.parametrize("text", PREFILTER_TEXTS)
def test_the_look_for_digits_and_at_signs_changes_no_finding(text: str) -> None:
    scanner = PresidioScanner(person_names=False)
    engine = scanner._load()
    every = engine.analyze(text=text, language="en", entities=scanner._entities())
    kept = {(r.entity_type, r.start, r.end) for r in every}
    analysed = scanner._entities_possible_in(text)
    narrowed = engine.analyze(text=text, language="en", entities=analysed) if analysed else []
    assert {(r.entity_type, r.start, r.end) for r in narrowed} == kept


def test_a_text_with_nothing_to_look_for_skips_presidio() -> None:
    scanner = PresidioScanner(person_names=False)
    assert scanner._entities_possible_in("Just restart the service and watch the logs.") == []
    assert scanner._entities_possible_in("it broke at 3am") == [e for e in scanner._entities() if e != "EMAIL_ADDRESS"]


def test_scanners_share_one_engine_per_process() -> None:
    first, second = PresidioScanner(person_names=False), PresidioScanner(person_names=False)
    first.scan("ops@example.com")
    second.scan("ops@example.com")
    assert first._load() is second._load()
