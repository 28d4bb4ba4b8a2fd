"""What the asker put in the thread that a follow-up can name: the error they pasted, the options they weigh.

Pure functions of text, generic English and generic program output (no topic words, no site or nick shapes).
"""

from __future__ import annotations

import re

_CHAT_LINE = re.compile(r"^<([^>\n]{1,64})>\s?")
# An error message as a program prints it: "error:", "E:", "fatal:", a traceback or exception name, or one of the
# messages every shell prints. Prose that merely says "cannot" or "error" is not a pasted error.
_ERROR_START = re.compile(
    r"(?:(?<![\w-])[\w./-]+:\s+)?(?:\b(?:error|fatal|warning|e|err)\s*:|\btraceback\b|\b\w*(?:error|exception)\b:|"
    r"\bno such file or directory\b|\bpermission denied\b|\bcommand not found\b|\bsegmentation fault\b|"
    r"\bconnection refused\b|\bcould not (?:open|get|find|resolve|connect)\b|\bunable to (?:locate|resolve|open)\b)",
    re.I,
)
# "A or B?" in the asker's question: the options they weigh, each one to three words.
_OPTIONS = re.compile(r"(?<![\w-])([\w.+#/-]+(?: [\w.+#/-]+){0,2}) or ([\w.+#/-]+(?: [\w.+#/-]+){0,2})\s*\?", re.I)
# Words that are not part of an option's name: function words, verbs of choosing and doing, modals.
_NOT_OPTION = frozenset(
    """
a an the this that these those it its there here then now so but and if when while as in on at to for of by with
from into about like after before i you we they he she my your our their me us them what which who how why where
not something anything more less other else either both need want get go have has had do does did use using
install run set choose pick prefer try go with should would could can will may might must is are was were be
""".split()  # noqa: SIM905
)


def asker_text(text: str) -> str:
    """Of a chat transcript (one `<nick> text` a line), the first speaker's lines and any other line (a title)."""
    lines = text.split("\n")
    first = next((m for m in map(_CHAT_LINE.match, lines) if m), None)
    if first is None:
        return text
    asker = f"<{first.group(1)}>"
    kept = [_CHAT_LINE.sub("", line) for line in lines if line.startswith(asker) or not _CHAT_LINE.match(line)]
    return "\n".join(kept)


def chat_nicks(text: str) -> frozenset[str]:
    """The speakers of a chat transcript (one `<nick> text` a line): the names a reply may open with."""
    return frozenset(m.group(1) for m in map(_CHAT_LINE.match, text.split("\n")) if m)


def pasted_error(asked: str) -> str:
    """The error the asker pasted, from where it starts to the end of its line ("" when there is none)."""
    for line in asked.split("\n"):
        start = _ERROR_START.search(line)
        if start is not None:
            return line[start.start() :].strip()
    return ""


def named_options(asked: str) -> tuple[str, str] | None:
    """The two options of an "A or B?" question, when the asker names them."""
    for match in _OPTIONS.finditer(asked):
        a_words, b_words = match.group(1).split(), match.group(2).split()
        cut = max((i + 1 for i, w in enumerate(a_words) if w.lower() in _NOT_OPTION), default=0)
        end = next((i for i, w in enumerate(b_words) if w.lower() in _NOT_OPTION), len(b_words))
        a, b = " ".join(a_words[cut:]), " ".join(b_words[:end])
        if a and b and a.lower() != b.lower():
            return a, b
    return None
