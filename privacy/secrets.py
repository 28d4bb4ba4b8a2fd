"""Secrets scanner: detect-secrets' maintained provider patterns, plus vetted patterns where it has none.

From detect-secrets (its plugins' regexes, run over the whole text so spans are exact; its `verify` methods, which
call the providers, are never used): AWS access key ids and `aws_secret_access_key` assignments, GitHub classic
tokens (ghp_/gho_/ghu_/ghs_/ghr_), GitLab, Slack (xox* and webhooks), OpenAI, Stripe live keys, SendGrid, Twilio,
npm, PyPI, Discord, Telegram and Mailchimp tokens, and JWTs (with its structural check).
Our own: GitHub fine-grained tokens (github_pat_), Google API keys (AIza), Anthropic keys, whole PEM private-key
blocks (detect-secrets matches only the BEGIN line), passwords in connection strings (its BasicAuthDetector rejects
passwords holding any of !$&'()*+,;= which real ones do), and high-entropy `api_key = "..."` style assignments.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from re import Pattern

from privacy.model import API_KEY, JWT, PASSWORD_IN_URL, PRIVATE_KEY, Finding, finding


@dataclass(frozen=True)
class _Rule:
    name: str
    kind: str
    pattern: Pattern[str]
    score: float
    group: int = 0  # the capture group holding the secret (0: the whole match)


_PEM = re.compile(
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----.*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|\Z)",
    re.DOTALL,
)
_PUTTY = re.compile(r"PuTTY-User-Key-File-\d: .*?(?:Private-MAC: [0-9a-f]+|\Z)", re.DOTALL)
_OWN_RULES = (
    _Rule("github_fine_grained", API_KEY, re.compile(r"\bgithub_pat_[0-9A-Za-z]{22}_[0-9A-Za-z]{59}\b"), 0.95),
    _Rule("google_api_key", API_KEY, re.compile(r"\bAIza[0-9A-Za-z_\-]{35}(?![0-9A-Za-z_\-])"), 0.95),
    _Rule("anthropic_key", API_KEY, re.compile(r"\bsk-ant-[a-z]+\d{2}-[A-Za-z0-9_\-]{80,}"), 0.95),
    _Rule("pem_private_key", PRIVATE_KEY, _PEM, 1.0),
    _Rule("putty_private_key", PRIVATE_KEY, _PUTTY, 1.0),
)
# scheme://user:password@host; the password may hold anything but whitespace, '@' and '/'.
_URL_PASSWORD = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s:/?#@\"'<>]*:(?P<value>[^\s@/\"'<>]+)@(?=[\w\[])")
_KEYWORD = (
    r"[a-z0-9_.\-]*(?:api[_\-]?key|apikey|secret(?:[_\-]?key)?|client[_\-]?secret|access[_\-]?key(?:[_\-]?id)?"
    r"|auth[_\-]?token|access[_\-]?token|refresh[_\-]?token|bearer|token|passw(?:or)?d|pwd)[a-z0-9_\-]*"
)
_ASSIGNMENT = re.compile(
    rf"(?i)(?<![\w-])(?:{_KEYWORD})[\"']?\s*(?:=|:|=>|:=)\s*(?P<quote>[\"'`]?)(?P<value>[^\s\"'`,;)\]}}]{{8,}})(?P=quote)"
)
_BEARER = re.compile(r"(?i)\bauthorization:\s*(?:bearer|token|basic)\s+(?P<value>[A-Za-z0-9_\-.=+/]{16,})")
_PLACEHOLDER = re.compile(
    r"(?i)^(?:<.*>|\$\{?.*\}?|\{\{.*\}\}|%\(?.*|x{3,}.*|\*{3,}|\.{3,}|redacted|changeme|password\d*|secret|"
    r"your[_\-].*|my[_\-].*|example.*|dummy.*|placeholder.*|none|null|true|false|undefined|env\(.*|process\.env.*"
    r"|os\.environ.*|settings\..*|getenv.*)$"
)


def shannon_entropy(value: str) -> float:
    """Bits per character of the value's character distribution."""
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def looks_random(value: str) -> bool:
    """True for values that read like generated credentials rather than words, paths, versions or placeholders."""
    if _PLACEHOLDER.match(value) or "." in value.strip(".") and value.replace(".", "").isdigit():
        return False
    classes = sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
            any(not c.isalnum() for c in value),
        )
    )
    return classes >= 2 and shannon_entropy(value) >= 3.0 and not value.isdigit()


def _detect_secrets_rules() -> tuple[_Rule, ...]:
    from detect_secrets.plugins import (
        aws,
        discord,
        github_token,
        gitlab_token,
        jwt,
        mailchimp,
        npm,
        openai,
        pypi_token,
        sendgrid,
        slack,
        stripe,
        telegram_token,
        twilio,
    )

    api_key_plugins = (
        aws.AWSKeyDetector,
        github_token.GitHubTokenDetector,
        gitlab_token.GitLabTokenDetector,
        slack.SlackDetector,
        openai.OpenAIDetector,
        stripe.StripeDetector,
        sendgrid.SendGridDetector,
        twilio.TwilioKeyDetector,
        npm.NpmDetector,
        pypi_token.PypiTokenDetector,
        discord.DiscordBotTokenDetector,
        telegram_token.TelegramBotTokenDetector,
        mailchimp.MailchimpDetector,
    )
    value_in_group = {aws.AWSKeyDetector, npm.NpmDetector}  # their group 1 is the secret; elsewhere, a prefix
    rules = [
        _Rule(plugin.__name__, API_KEY, pattern, 0.95, 1 if plugin in value_in_group and pattern.groups else 0)
        for plugin in api_key_plugins
        for pattern in plugin.denylist
    ]
    # detect-secrets' JWT pattern ends in a lazy quantifier, so its match stops before the signature: ours is the
    # same pattern made greedy, checked by its structural validator.
    greedy_jwt = re.compile(r"eyJ[A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]+\.?[A-Za-z0-9_.+/=-]*")
    rules.append(_Rule(jwt.JwtTokenDetector.__name__, JWT, greedy_jwt, 0.9))
    return tuple(rules)


class SecretScanner:
    """Finds API keys, tokens, private keys, JWTs and passwords in connection strings. Patterns compile on first use."""

    def __init__(self) -> None:
        self._rules: tuple[_Rule, ...] | None = None

    @property
    def loaded(self) -> bool:
        return self._rules is not None

    def scan(self, text: str) -> list[Finding]:
        """Every secret in the text, as findings."""
        if self._rules is None:
            self._rules = _detect_secrets_rules() + _OWN_RULES
        return list(self._iter(text, self._rules))

    def _iter(self, text: str, rules: tuple[_Rule, ...]) -> Iterator[Finding]:
        for rule in rules:
            for m in rule.pattern.finditer(text):
                start, end = m.span(rule.group)
                if rule.kind == JWT:
                    end = start + len(text[start:end].rstrip("."))
                    if not _is_jwt(text[start:end]):
                        continue
                yield finding(rule.kind, text, start, end, rule.score, rule.name)
        for m in _URL_PASSWORD.finditer(text):
            if not _PLACEHOLDER.match(m.group("value")):
                yield finding(PASSWORD_IN_URL, text, *m.span("value"), 0.9, "url_password")
        for pattern, name in ((_ASSIGNMENT, "keyword_assignment"), (_BEARER, "authorization_header")):
            for m in pattern.finditer(text):
                if looks_random(m.group("value")):
                    yield finding(API_KEY, text, *m.span("value"), 0.7, name)


def _is_jwt(token: str) -> bool:
    from detect_secrets.plugins.jwt import JwtTokenDetector

    return bool(JwtTokenDetector.is_formally_valid(token)) and token.count(".") >= 2
