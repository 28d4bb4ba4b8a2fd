"""Sentence splitting for community text: Q&A posts, chat lines, Markdown lists and code.

Every sentence returned is a verbatim slice of the input (surrounding whitespace trimmed), so a guide built
from these sentences can be checked against its sources character for character.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+•]|\d{1,3}[.)])[ \t]+\S")
_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]+\S")
_QUOTE = re.compile(r"^[ \t]*>")
_TERMINAL = re.compile(r"[.!?:;…)\]\"'”’`]$")
_JOINING_END = re.compile(
    r"(?:[,(\-–—/]|\b(?:and|or|but|the|a|an|to|of|with|for|in|on|at|by|because|so|if|when|that|which|is|are))$",
    re.IGNORECASE,
)

# Spans inside which a full stop never ends a sentence.
_PROTECTED = re.compile(
    r"`[^`\n]+`"  # inline code
    r"|\b(?:https?|ftp)://[^\s<>\"')\]]+"  # URLs
    r"|\bwww\.[^\s<>\"')\]]+"
    r"|[\w.+-]+@[\w-]+\.[\w.-]+"  # e-mail addresses
)
_BOUNDARY = re.compile(r"(?:\.{3}|…|[.!?]+)[\"'”’)\]]*(?=\s)")
_ABBREVIATIONS = frozenset(
    re.split(
        r"\s+",
        "e.g eg i.e ie etc vs cf approx ca al mr mrs ms dr prof st jr sr inc ltd co corp fig no nr vol ver"
        " resp esp incl min max avg dept est acc approx ref refs sec ch pp",
    )
)
_URL_TRAIL = ".,;:!?'\""


def split_sentences(text: str) -> list[str]:
    """Split community text into sentences; code blocks, list items and quotes stay whole."""
    return [text[start:end] for start, end in sentence_spans(text)]


def is_code_block(sentence: str) -> bool:
    """True when the sentence is a fenced code block."""
    return bool(_FENCE.match(sentence))


def is_list_item(sentence: str) -> bool:
    """True when the sentence is a Markdown list item (bulleted or numbered)."""
    return bool(_LIST_ITEM.match(sentence))


def is_numbered_item(sentence: str) -> bool:
    """True when the sentence is a numbered list item."""
    return bool(re.match(r"^[ \t]*\d{1,3}[.)][ \t]", sentence))


def is_heading(sentence: str) -> bool:
    return bool(_HEADING.match(sentence))


def is_quote(sentence: str) -> bool:
    return bool(_QUOTE.match(sentence))


def strip_list_marker(sentence: str) -> str:
    """The list item's text without its bullet or number."""
    return re.sub(r"^[ \t]*(?:[-*+•]|\d{1,3}[.)])[ \t]+", "", sentence, count=1)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each sentence in `text`."""
    spans: list[tuple[int, int]] = []
    for start, end, kind in _blocks(text):
        if kind == "prose":
            spans.extend(_split_prose(text, start, end))
        else:
            spans.append((start, end))
    return [_trim(text, s, e) for s, e in spans if text[s:e].strip()]


def _lines(text: str) -> list[tuple[int, str]]:
    out, pos = [], 0
    for line in text.splitlines(keepends=True):
        out.append((pos, line.rstrip("\r\n")))
        pos += len(line)
    return out


def _blocks(text: str) -> list[tuple[int, int, str]]:
    """Cut the text into code blocks, list items, quotes, headings and prose paragraphs."""
    lines = _lines(text)
    blocks: list[tuple[int, int, str]] = []
    i = 0
    while i < len(lines):
        start, line = lines[i]
        fence = _FENCE.match(line)
        if not line.strip():
            i += 1
        elif fence:
            marker = fence.group(1)
            j = i + 1
            while j < len(lines) and not re.match(
                rf"^[ \t]*{re.escape(marker[0])}{{{len(marker)},}}[ \t]*$", lines[j][1]
            ):
                j += 1
            j = min(j, len(lines) - 1)
            blocks.append((start, lines[j][0] + len(lines[j][1]), "code"))
            i = j + 1
        elif _LIST_ITEM.match(line):
            j = i + 1
            # Indented lines that are not new items continue the item.
            while (
                j < len(lines)
                and lines[j][1].strip()
                and lines[j][1][:1] in " \t"
                and not _LIST_ITEM.match(lines[j][1])
                and not _FENCE.match(lines[j][1])
            ):
                j += 1
            blocks.append((start, lines[j - 1][0] + len(lines[j - 1][1]), "item"))
            i = j
        elif _QUOTE.match(line):
            j = i + 1
            while j < len(lines) and _QUOTE.match(lines[j][1]):
                j += 1
            blocks.append((start, lines[j - 1][0] + len(lines[j - 1][1]), "quote"))
            i = j
        elif _HEADING.match(line):
            blocks.append((start, start + len(line), "heading"))
            i += 1
        else:
            j = i + 1
            while j < len(lines) and _continues(lines[j - 1][1], lines[j][1]):
                j += 1
            blocks.append((start, lines[j - 1][0] + len(lines[j - 1][1]), "prose"))
            i = j
    return blocks


def _continues(previous: str, line: str) -> bool:
    """Whether `line` continues the sentence of `previous` (a hard-wrapped line) rather than starting anew.

    Chat messages put one thought per line, often without punctuation, so a line break ends a sentence unless
    the previous line plainly breaks off mid-sentence.
    """
    if not line.strip() or _FENCE.match(line) or _LIST_ITEM.match(line) or _QUOTE.match(line):
        return False
    if _HEADING.match(line):
        return False
    prev = previous.rstrip()
    if _JOINING_END.search(prev):
        return True
    first = line.lstrip()[:1]
    return len(prev) >= 60 and not _TERMINAL.search(prev) and first.islower()


def _split_prose(text: str, start: int, end: int) -> list[tuple[int, int]]:
    chunk = text[start:end]
    protected = [(m.start(), m.end() - _trailing(m.group())) for m in _PROTECTED.finditer(chunk)]
    spans, begin = [], 0
    for m in _BOUNDARY.finditer(chunk):
        cut = m.end()
        if any(a < cut <= b for a, b in protected) or not _ends_sentence(chunk, m):
            continue
        spans.append((start + begin, start + cut))
        begin = cut
    spans.append((start + begin, end))
    return spans


def _trailing(url: str) -> int:
    return len(url) - len(url.rstrip(_URL_TRAIL))


def _ends_sentence(chunk: str, m: re.Match[str]) -> bool:
    punct = m.group().rstrip("\"'”’)]")
    rest = chunk[m.end() :].lstrip()
    following = rest[:1]
    if not following:
        return True
    if punct in ("...", "…"):
        return not following.islower()
    if punct != ".":
        return True
    word = re.search(r"([\w.]+)\.$", chunk[: m.start() + 1])
    token = word.group(1).lower() if word else ""
    if token in _ABBREVIATIONS:
        # "etc." may close a sentence; the others never do.
        return token == "etc" and following.isupper()
    if len(token) == 1 and token.isalpha() and chunk[m.start() - 1].isupper():
        return False  # an initial: "J. Smith"
    if following.islower() and token.isalpha() and len(token) < 4:
        return False  # "acc. to": chat starts sentences in lower case, but after a short word it is unlikely
    return not re.fullmatch(r"[a-z]\.[a-z]", token)  # "e.g" spelled with dots inside the token


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
