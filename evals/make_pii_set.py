"""Generate the labelled PII set: community-style messages with gold spans of personal data and secrets.

Every value is fake but well formed: Luhn-valid test card numbers, IBANs with valid check digits, documentation IP
ranges (RFC 5737, RFC 3849) and private ranges, example.com/.org/.net emails, fictional phone ranges, SSNs and NINOs
of valid shape, NHS numbers with a valid check digit, random provider-shaped API keys, JWTs and PEM blocks.
About half the messages hold no sensitive value and many carry hard negatives: version strings, order and ticket
numbers, Luhn-invalid card-like numbers, git SHAs, UUIDs, loopback addresses, placeholders, tool names.

`tacit eval pii` generates it in memory (so no key-shaped string is stored in the repository);
`python -m evals.make_pii_set` writes it to data/pii_labelled.jsonl for inspection. Deterministic: same seed,
same rows.
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
from collections.abc import Callable
from pathlib import Path
from typing import Any

OUT = Path("data") / "pii_labelled.jsonl"
SEED = 20240517
ROWS = 300

FIRST = [
    "Priya",
    "Tomasz",
    "Aiko",
    "Marcus",
    "Elena",
    "Oluwaseun",
    "Fatima",
    "Henrik",
    "Camille",
    "Diego",
    "Ingrid",
    "Rahul",
    "Siobhan",
    "Mateo",
    "Yuki",
    "Grace",
    "Nikolai",
    "Amara",
    "Lucas",
    "Hannah",
]
LAST = [
    "Raman",
    "Kowalczyk",
    "Tanaka",
    "Whitfield",
    "Petrova",
    "Adeyemi",
    "Haddad",
    "Lindqvist",
    "Moreau",
    "Alvarez",
    "Johansson",
    "Mehta",
    "Gallagher",
    "Rossi",
    "Nakamura",
    "Okafor",
    "Volkov",
    "Brennan",
    "Schmidt",
    "Fischer",
]
TOOLS = ["Kafka", "Jenkins", "Ansible", "Grafana", "Airflow", "Terraform", "Celery", "Sentry", "Hadoop", "Flask"]
ALNUM = string.ascii_letters + string.digits


def luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def iban(country: str, bban: str) -> str:
    """An IBAN with valid ISO 7064 mod-97 check digits."""
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def nhs_number(rng: random.Random) -> str:
    while True:
        body = [rng.randint(0, 9) for _ in range(9)]
        check = 11 - sum(d * (10 - i) for i, d in enumerate(body)) % 11
        if check == 11:
            check = 0
        if check != 10:
            s = "".join(map(str, body)) + str(check)
            return f"{s[:3]} {s[3:6]} {s[6:]}"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class Values:
    """Fake but valid-format values, one generator per slot name."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def pick(self, items: list[str]) -> str:
        return self.rng.choice(items)

    def rand(self, n: int, alphabet: str = ALNUM) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def person(self) -> str:
        return f"{self.pick(FIRST)} {self.pick(LAST)}"

    def email(self) -> str:
        first, last = self.pick(FIRST).lower(), self.pick(LAST).lower()
        local = self.pick([f"{first}.{last}", f"{first[0]}{last}", f"{first}_{last[:3]}", f"{first}+tacit"])
        return f"{local}@{self.pick(['example.com', 'example.org', 'example.net', 'mail.example.com'])}"

    def phone(self) -> str:
        n = self.rng.randint(100, 199)
        return self.pick(
            [
                f"(415) 555-0{n}",
                f"+1 212 555 0{n}",
                f"415.555.0{n}",
                f"+44 20 7946 0{n}",
                f"020 7946 0{n}",
                f"+49 30 9018{self.rng.randint(1000, 9999)}",
                f"+61 2 5550 {self.rng.randint(1000, 9999)}",
                f"+33 1 99 00 {self.rng.randint(10, 99)} {self.rng.randint(10, 99)}",
            ]
        )

    def card(self) -> str:
        prefix, length = self.rng.choice([("4", 16), ("51", 16), ("55", 16), ("37", 15), ("6011", 16)])
        body = prefix + self.rand(length - len(prefix) - 1, string.digits)
        number = body + luhn_digit(body)
        sep = self.pick([" ", "-", ""])
        if len(number) == 15:
            return sep.join([number[:4], number[4:10], number[10:]])
        return sep.join(number[i : i + 4] for i in range(0, 16, 4))

    def bad_card(self) -> str:
        body = "4" + self.rand(14, string.digits)
        wrong = str((int(luhn_digit(body)) + self.rng.randint(1, 9)) % 10)
        number = body + wrong
        return " ".join(number[i : i + 4] for i in range(0, 16, 4))

    def iban(self) -> str:
        country = self.pick(["GB", "DE", "NL", "FR"])
        if country == "GB":
            value = iban("GB", self.pick(["WEST", "NWBK", "BARC"]) + self.rand(14, string.digits))
        elif country == "DE":
            value = iban("DE", self.rand(18, string.digits))
        elif country == "NL":
            value = iban("NL", self.pick(["ABNA", "RABO", "INGB"]) + self.rand(10, string.digits))
        else:
            value = iban(
                "FR", self.rand(10, string.digits) + self.rand(11, string.digits) + self.rand(2, string.digits)
            )
        return " ".join(value[i : i + 4] for i in range(0, len(value), 4)) if self.rng.random() < 0.6 else value

    def bad_iban(self) -> str:
        value = self.iban().replace(" ", "")
        check = (int(value[2:4]) + self.rng.randint(1, 40)) % 97
        return f"{value[:2]}{check:02d}{value[4:]}"

    def ip(self) -> str:
        r = self.rng.randint
        return self.pick(
            [
                f"192.0.2.{r(1, 254)}",
                f"198.51.100.{r(1, 254)}",
                f"203.0.113.{r(1, 254)}",
                f"10.{r(0, 255)}.{r(0, 255)}.{r(1, 254)}",
                f"172.{r(16, 31)}.{r(0, 255)}.{r(1, 254)}",
                f"2001:db8:{r(1, 9999):x}::{r(1, 9999):x}",
            ]
        )

    def ssn(self) -> str:
        return f"{self.rng.randint(101, 665)}-{self.rng.randint(10, 99)}-{self.rng.randint(1001, 9998)}"

    def nino(self) -> str:
        first, second = self.pick(list("ABCEGHJKLMNPRSTWXYZ")), self.pick(list("ABCEGHJKLMNPRSTWXYZ"))
        prefix = first + second
        if prefix in {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}:
            prefix = "AB"
        digits = self.rand(6, string.digits)
        suffix = self.pick(list("ABCD"))
        if self.rng.random() < 0.5:
            return f"{prefix} {digits[:2]} {digits[2:4]} {digits[4:]} {suffix}"
        return f"{prefix}{digits}{suffix}"

    def api_key(self) -> str:
        upper32 = string.ascii_uppercase + "234567"
        return self.pick(
            [
                "AKIA" + self.rand(16, upper32),
                "ghp_" + self.rand(36),
                "github_pat_" + self.rand(22) + "_" + self.rand(59),
                f"xoxb-{self.rand(12, string.digits)}-{self.rand(13, string.digits)}-{self.rand(24, string.ascii_lowercase + string.digits)}",
                "sk-proj-" + self.rand(20) + "T3BlbkFJ" + self.rand(20),
                "sk_live_" + self.rand(24),
                "AIza" + self.rand(35, ALNUM + "-_"),
            ]
        )

    def generic_secret(self) -> str:
        return self.rand(self.rng.randint(24, 40), ALNUM + "-_")

    def password(self) -> str:
        return self.pick(
            [
                self.rand(6) + "!" + self.rand(3, string.digits),
                "S3cr3t!" + self.rand(3, string.digits),
                self.rand(16),
                "Tr0ub4dor&" + self.rand(2, string.digits),
                "guest",
                "p@ss" + self.rand(4, string.digits),
            ]
        ).replace("@", "%40")

    def jwt(self) -> str:
        header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        payload = b64url(
            json.dumps(
                {
                    "sub": self.rand(8, string.digits),
                    "iat": 1716000000 + self.rng.randint(0, 10**6),
                    "role": self.pick(["admin", "reader", "svc"]),
                }
            ).encode()
        )
        return f"{header}.{payload}.{self.rand(43, ALNUM + '-_')}"

    def private_key(self) -> str:
        kind = self.pick(["RSA PRIVATE KEY", "OPENSSH PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY"])
        lines = [self.rand(64, ALNUM + "+/") for _ in range(self.rng.randint(3, 6))]
        return f"-----BEGIN {kind}-----\n" + "\n".join(lines) + f"\n-----END {kind}-----"

    # Unlabelled hard negatives.
    def version(self) -> str:
        r = self.rng.randint
        return self.pick(
            [
                f"{r(1, 9)}.{r(0, 30)}.{r(0, 20)}",
                f"v{r(1, 5)}.{r(0, 40)}.{r(0, 9)}",
                f"1.0.0.{r(1000, 9999)}",
                f"{r(2019, 2025)}.{r(1, 12)}.{r(1, 9)}",
            ]
        )

    def order(self) -> str:
        return self.pick(
            [
                f"#{self.rand(10, string.digits)}",
                f"INC{self.rand(7, string.digits)}",
                f"{self.rand(7, string.digits)}",
                f"ORD-{self.rand(4, string.digits)}-{self.rand(4, string.digits)}",
            ]
        )

    def sha(self) -> str:
        return self.rand(self.rng.choice([7, 12, 40, 64]), "0123456789abcdef")

    def uuid(self) -> str:
        h = self.rand(32, "0123456789abcdef")
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def tool(self) -> str:
        return self.pick(TOOLS)

    def loopback(self) -> str:
        return self.pick(["127.0.0.1", "0.0.0.0", "localhost", "::1"])

    def port(self) -> str:
        return str(self.pick(["5432", "6379", "8080", "9092", "443", "27017"]))

    def timestamp(self) -> str:
        r = self.rng.randint
        return f"2024-{r(1, 12):02d}-{r(1, 28):02d} {r(0, 23):02d}:{r(0, 59):02d}:{r(0, 59):02d}"

    def duration(self) -> str:
        return f"{self.rng.randint(2, 900)}ms"


# Slot name -> (generator, gold kind or None for unlabelled).
SLOTS: dict[str, tuple[Callable[[Values], str], str | None]] = {
    "PERSON": (Values.person, "PERSON"),
    "EMAIL": (Values.email, "EMAIL"),
    "PHONE": (Values.phone, "PHONE"),
    "CARD": (Values.card, "CREDIT_CARD"),
    "IBAN": (Values.iban, "IBAN"),
    "IP": (Values.ip, "IP_ADDRESS"),
    "SSN": (Values.ssn, "NATIONAL_ID"),
    "NINO": (Values.nino, "NATIONAL_ID"),
    "NHS": (lambda v: nhs_number(v.rng), "NATIONAL_ID"),
    "APIKEY": (Values.api_key, "API_KEY"),
    "SECRET": (Values.generic_secret, "API_KEY"),
    "PASSWORD": (Values.password, "PASSWORD_IN_URL"),
    "JWT": (Values.jwt, "JWT"),
    "PEM": (Values.private_key, "PRIVATE_KEY"),
    "VERSION": (Values.version, None),
    "ORDER": (Values.order, None),
    "SHA": (Values.sha, None),
    "UUID": (Values.uuid, None),
    "TOOL": (Values.tool, None),
    "LOOPBACK": (Values.loopback, None),
    "PORT": (Values.port, None),
    "TS": (Values.timestamp, None),
    "DUR": (Values.duration, None),
    "BADCARD": (Values.bad_card, None),
    "BADIBAN": (Values.bad_iban, None),
    "FIRST": (lambda v: v.pick(FIRST), "PERSON"),
}

POSITIVE = [
    "ping me at {EMAIL} if the rollout stalls again",
    "I'm out tomorrow, {PERSON} is covering the on-call rotation",
    "thanks {PERSON}, that fixed the flaky consumer test",
    "You can reach our DBA on {PHONE} during business hours.",
    "call me on {PHONE} if the pager goes off, I'll be driving",
    "cc {EMAIL} and {EMAIL} on the postmortem please",
    "customer pasted their card {CARD} into the support thread, can someone scrub it?",
    "refund went to the card ending in the number {CARD} per the ticket",
    "wire the deposit to IBAN {IBAN}, reference Q3-offsite",
    "Our supplier's bank details changed: {IBAN} (confirmed by phone)",
    "the box at {IP} keeps dropping connections after the kernel upgrade",
    "Seeing 502s from {IP}:{PORT}, anyone touched the LB config?",
    'traceback from prod:\n  File "/srv/app/worker.py", line 241, in connect\n    raise ConnectionError("{IP}:{PORT} unreachable")',
    "blocked {IP} at the firewall, it was hammering /login",
    "HR form needs the SSN {SSN} corrected before payroll runs",
    "her National Insurance number is {NINO}, can you update the record",
    "patient NHS number {NHS} was in the export, we need to purge it",
    "here's the key I used: {APIKEY} (rotating it after lunch)",
    "CI fails with 401, token is {APIKEY}",
    "export OPENAI_API_KEY={APIKEY} and rerun the notebook",
    'config.yaml has api_key: "{SECRET}" which is why the scan failed',
    "set SECRET_KEY={SECRET} in the staging env and restart",
    'curl -H "Authorization: Bearer {SECRET}" https://api.example.com/v2/jobs',
    "the staging DSN is postgres://app:{PASSWORD}@db.internal:{PORT}/app",
    "mongodb+srv://svc_reports:{PASSWORD}@cluster0.example.net/reports?retryWrites=true",
    "broker url amqp://guest:{PASSWORD}@rabbit.internal:5672// works locally but not in k8s",
    "redis://:{PASSWORD}@cache.internal:6379/0 is what the worker uses",
    "decoded the session cookie {JWT} and the role claim is wrong",
    "Authorization header was just the raw jwt: {JWT}",
    "oops, pasted my deploy key:\n{PEM}\nplease delete this message",
    "the cert bundle in the repo includes this:\n{PEM}",
    "{FIRST}, can you check the partition lag when you're back?",
    "Spoke to {PERSON} from the payments team, they'll send the file from {EMAIL}.",
    "{PERSON} ({EMAIL}, {PHONE}) owns the vendor relationship",
    "paying with {CARD} exp 04/27 failed at checkout, any idea why?",
    "payout failed for account {IBAN}, the bank says the name doesn't match",
    "the W-2 shows SSN {SSN} but the employee says it's wrong",
    "GET /api/me?access_token={JWT} returns 403 since the deploy",
    "Reach {FIRST} at {PHONE} about the badge reader",
    "github_token: {APIKEY}",
]
NEGATIVE = [
    "upgraded to {VERSION} and the memory leak is gone",
    "order {ORDER} shipped twice, logistics is looking into it",
    "Ticket {ORDER} is a duplicate of the one from last sprint",
    "bisected it to commit {SHA}, the retry decorator swallowed the error",
    "request id {UUID} shows a {DUR} gap between the two spans",
    "{TOOL} rebalances every time a consumer restarts, is that expected?",
    "we moved the cron from {TOOL} to {TOOL} last quarter",
    "dev server listens on {LOOPBACK}:{PORT}, so it's not reachable from the VM",
    'set api_key = "<your-key-here>" in the example config, never a real one',
    "connection string format: postgres://user:<password>@host:5432/dbname",
    "use ${DB_PASSWORD} from the vault, e.g. postgres://app:${DB_PASSWORD}@db:5432/app",
    "the card number field rejected {BADCARD}, which is expected since the checksum is wrong",
    "test fixture uses the malformed IBAN {BADIBAN} to check validation",
    "logs at {TS} show the job took {DUR}; build {VERSION} fixed it",
    "pip install requests=={VERSION} pins it for now",
    "the token format is sk-xxxx... and lives in the vault, not in code",
    "Dashboard shows p99 at {DUR} since {TS}",
    "docker pull registry.example.com/app@sha256:{SHA}",
    "our SLA is 99.95% and we were at 99.91 last month",
    "run `ssh deploy@bastion.internal` then tail the logs",
    "password rotation policy is 90 days; see the wiki page on secrets",
    "migration 0042 took {DUR} on a 12 GB table",
    'Exception in thread "main" java.lang.NullPointerException\n\tat com.example.billing.Invoice.total(Invoice.java:118)',
    "the old build number was 2024.3.1.4471, the new one is {VERSION}",
    "API rate limit is 5000 requests per hour per token",
    "tracking number {ORDER} hasn't updated since Monday",
    "invoice {ORDER} was paid on {TS}",
    "the ETL job id {UUID} retried 3 times",
]


def render(template: str, values: Values) -> tuple[str, list[dict[str, Any]]]:
    """Fill a template's slots; labelled slots become gold spans."""
    out, spans, cursor = "", [], 0
    for m in re.finditer(r"\{([A-Z]+)\}", template):
        out += template[cursor : m.start()]
        make, kind = SLOTS[m.group(1)]
        value = make(values)
        if kind is not None:
            spans.append({"start": len(out), "end": len(out) + len(value), "kind": kind})
        out += value
        cursor = m.end()
    out += template[cursor:]
    return out, spans


def generate(seed: int = SEED, rows: int = ROWS) -> list[dict[str, Any]]:
    """The labelled rows, deterministic for a seed."""
    rng = random.Random(seed)
    values = Values(rng)
    positives: list[str] = []  # dealt from shuffled decks, so every template appears about equally often

    def positive() -> str:
        if not positives:
            positives.extend(rng.sample(POSITIVE, len(POSITIVE)))
        return positives.pop()

    out = []
    for i in range(rows):
        parts = [positive()] if rng.random() < 0.5 else [rng.choice(NEGATIVE)]
        if rng.random() < 0.35:  # a second sentence, of either sort
            parts.append(rng.choice(NEGATIVE) if rng.random() < 0.6 else positive())
        text, spans = "", []
        for part in parts:
            if text:
                text += rng.choice([" ", "\n", ". "])
            rendered, part_spans = render(part, values)
            spans += [{**s, "start": s["start"] + len(text), "end": s["end"] + len(text)} for s in part_spans]
            text += rendered
        out.append({"id": f"pii-{i + 1:03d}", "text": text, "spans": spans})
    return out


def main() -> None:
    rows = generate()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    n_spans = sum(len(r["spans"]) for r in rows)
    print(f"wrote {len(rows)} rows, {n_spans} gold spans to {OUT}")


if __name__ == "__main__":
    main()
