"""Replace sensitive spans with stable placeholders such as `[EMAIL]` and `[SECRET]`."""

from __future__ import annotations

from collections.abc import Iterable

from privacy.model import SECRET_KINDS, Finding

SECRET_PLACEHOLDER = "[SECRET]"


def placeholder(kind: str) -> str:
    """The text that stands in for a span of this kind: secrets all read `[SECRET]`, personal data its kind."""
    return SECRET_PLACEHOLDER if kind in SECRET_KINDS else f"[{kind}]"


def merge(findings: Iterable[Finding]) -> list[tuple[int, int, str]]:
    """Overlapping spans merged into (start, end, kind); a secret wins, then the longest span."""
    merged: list[tuple[int, int, list[Finding]]] = []
    for f in sorted(findings, key=lambda f: (f.start, -f.end)):
        if merged and f.start < merged[-1][1]:
            start, end, group = merged[-1]
            merged[-1] = (start, max(end, f.end), [*group, f])
        else:
            merged.append((f.start, f.end, [f]))
    return [(start, end, _winner(group)) for start, end, group in merged]


def _winner(group: list[Finding]) -> str:
    best = max(group, key=lambda f: (f.kind in SECRET_KINDS, f.end - f.start, f.score, f.kind))
    return best.kind


def redact(text: str, findings: list[Finding]) -> str:
    """The text with every finding's span replaced by its placeholder; everything else is left as it was."""
    out: list[str] = []
    cursor = 0
    for start, end, kind in merge(f for f in findings if f.start < len(text)):
        out.append(text[cursor:start])
        out.append(placeholder(kind))
        cursor = min(end, len(text))
    out.append(text[cursor:])
    return "".join(out)
