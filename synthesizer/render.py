"""Markdown and plain-text views of a guide draft.

Citation markers are numbers, `[1][2]`, pointing into a numbered "Sources" list: sources are numbered in the
order the guide first cites them, then the sources it does not cite (e.g. the question, kept as context).

Every text is community or model text, so it is escaped: HTML cannot open (`<` and `>` become entities), and
Markdown links and images cannot form (brackets and backslashes are escaped). Code blocks stay verbatim (a
renderer shows them as code). A source link is shown only when it is an http(s) URL, percent-encoded so that
it cannot close its `<...>`.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from synthesizer.model import SECTION_TITLES, CitedSentence, GuideDraft, Section
from synthesizer.sentences import is_code_block, is_list_item, strip_list_marker

UNKNOWN_MARKER = "[?]"  # a citation of a message that is not among the sources: shown, never hidden
KIND_LABELS = {"nudge_reply": "reply to a follow-up question", "reply": "message"}


_ESCAPES = str.maketrans({"\\": "\\\\", "[": "\\[", "]": "\\]", "<": "&lt;", ">": "&gt;"})
_FENCE = re.compile(r"^\s*(```|~~~)")


def escape(text: str) -> str:
    """Community or model text as Markdown that shows it literally: no HTML, no link, no image."""
    return text.translate(_ESCAPES)


def safe_url(url: str | None) -> str | None:
    """The URL when it is http(s) with a host, with characters that could end a link percent-encoded; else None."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(ord(c) < 32 for c in url):
        return None
    return quote(url.strip(), safe=":/?#@!$&'()*+,;=%-._~")


def source_numbers(draft: GuideDraft) -> dict[str, int]:
    """Source id -> its number in the Sources list (cited sources first, in order of first citation)."""
    order: list[str] = []
    known = {s.id for s in draft.sources}
    for _, sentence in draft.sentences():
        order += [c for c in sentence.citations if c in known and c not in order]
    order += [s.id for s in draft.sources if s.id not in order]
    return {source_id: n for n, source_id in enumerate(order, start=1)}


def to_markdown(draft: GuideDraft, guide_id: str | None = None) -> str:
    """The guide as Markdown: title, non-empty sections, citation markers, and the numbered sources."""
    numbers = source_numbers(draft)
    lines = [f"# {escape(' '.join(draft.title.split()))}"]
    if guide_id:
        lines.append(f"<!-- tacit-guide: {guide_id} -->")
    for section in Section:
        sentences = draft.sections.get(section) or []
        if not sentences:
            continue
        lines += ["", f"## {SECTION_TITLES[section]}", ""]
        lines += _section_lines(section, sentences, numbers)
    if draft.sources:
        lines += ["", "## Sources", ""]
        by_id = {s.id: s for s in draft.sources}
        for source_id, n in sorted(numbers.items(), key=lambda kv: kv[1]):
            source = by_id[source_id]
            kind = KIND_LABELS.get(source.kind, source.kind)
            entry = f"{n}. {escape(' '.join(source.author.split()))} ({escape(kind)})"
            url = safe_url(source.url)
            lines.append(f"{entry}: <{url}>" if url else entry)
    return "\n".join(lines) + "\n"


def to_plain_text(draft: GuideDraft, section: Section) -> str:
    """The section's sentences without citation markers, one per line (for indexing)."""
    return "\n".join(s.text for s in draft.sections.get(section) or [])


def markers(sentence: CitedSentence, numbers: dict[str, int]) -> str:
    """`[1][3]` for a sentence citing sources 1 and 3."""
    return "".join(f"[{numbers[c]}]" if c in numbers else UNKNOWN_MARKER for c in sentence.citations)


def _section_lines(section: Section, sentences: list[CitedSentence], numbers: dict[str, int]) -> list[str]:
    if section is Section.STEPS:
        return _list_lines(sentences, numbers, numbered=True)
    if section is Section.SUMMARY or (len(sentences) == 1 and not is_list_item(sentences[0].text)):
        return _paragraph_lines(sentences, numbers)
    return _list_lines(sentences, numbers, numbered=False)


def _paragraph_lines(sentences: list[CitedSentence], numbers: dict[str, int]) -> list[str]:
    lines: list[str] = []
    prose: list[str] = []
    previous: CitedSentence | None = None
    for sentence in sentences:
        if is_code_block(sentence.text):
            if prose:
                lines += [" ".join(prose), ""]
                prose = []
            lines += _code_lines(sentence, numbers, previous)
        else:
            prose.append(f"{escape(sentence.text)} {markers(sentence, numbers)}")
        previous = sentence
    if prose:
        lines.append(" ".join(prose))
    return lines


def _list_lines(sentences: list[CitedSentence], numbers: dict[str, int], numbered: bool) -> list[str]:
    """A list; code blocks sit intact between items, and numbering carries on after them."""
    lines: list[str] = []
    n = 0
    previous: CitedSentence | None = None
    for sentence in sentences:
        if is_code_block(sentence.text):
            lines += ["", *_code_lines(sentence, numbers, previous), ""]
            previous = sentence
            continue
        previous = sentence
        n += 1
        bullet = f"{n}. " if numbered else "- "
        text = strip_list_marker(sentence.text) if is_list_item(sentence.text) else sentence.text
        body = f"{escape(text)} {markers(sentence, numbers)}".replace("\n", "\n" + " " * len(bullet))
        lines.append(bullet + body)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _code_lines(sentence: CitedSentence, numbers: dict[str, int], previous: CitedSentence | None) -> list[str]:
    """The block intact; its markers on their own line (a closing fence takes nothing after it), unless the
    sentence introducing it cites the same sources."""
    block = _verbatim_block(sentence.text)
    if previous is not None and previous.citations == sentence.citations:
        return [block]
    return [block, markers(sentence, numbers)]


def _verbatim_block(text: str) -> str:
    """A code block as given, unless a fence inside it would close it early and let the rest render: then the
    inner lines that look like fences are indented, which keeps them code."""
    lines = text.split("\n")
    inner = [("    " + line if _FENCE.match(line) else line) for line in lines[1:-1]]
    return "\n".join([lines[0], *inner, lines[-1]]) if len(lines) >= 2 else text
