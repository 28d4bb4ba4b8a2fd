"""The specific things a follow-up can name: the version the asker is on, the file the answer says to edit, what
the answer points to, the warning it gives without saying what goes wrong.

Pure functions of text, generic to technical help (no topic words). Everything returned is quoted back to the
expert, so it is made safe first (`safe_excerpt`): no link, no markup, no quotes of its own, a few words at most.
"""

from __future__ import annotations

import re

from elicitor import cues

EXCERPT_WORDS = 5  # longest name quoted back (a file, a version, a thing pointed to)
EXCERPT_CHARS = 48
WARNING_WORDS = 8

# "ubuntu 12.04", "firefox 3.5", "v0.10", "python 3.11": a name followed by a dotted version number.
_VERSION = re.compile(
    r"(?<![\w.])(?:(?P<name>[A-Za-z][\w+-]{1,24})\s+)?(?P<number>v?\d{1,4}(?:\.\d{1,4}){1,3})(?![\w.])"
)
_NOT_A_NAME = frozenset(
    [
        "a",
        "an",
        "the",
        "to",
        "of",
        "in",
        "on",
        "at",
        "for",
        "from",
        "with",
        "by",
        "and",
        "or",
        "is",
        "are",
        "was",
        "were",
        "be",
        "version",
        "versions",
        "than",
        "about",
        "after",
        "before",
        "since",
        "until",
        "upgrade",
        "upgraded",
        "update",
        "updated",
        "install",
        "installed",
        "using",
        "use",
        "run",
        "running",
        "have",
        "has",
        "got",
        "get",
    ]
)
# A file to edit: an absolute or home path, or a file name with a configuration extension.
_FILE = re.compile(
    r"(?<![\w/:.-])(?:~?/(?:[\w.+-]+/)*[\w.+-]+|[\w.+-]+\.(?:conf|cfg|ini|ya?ml|json|toml|list|lst|rc|xml|"
    r"service|desktop|env|properties|txt|sh|py))(?![\w/])"
)
# What the answer points to instead of saying it: "look up badblocks", "see the wiki on X", "read man fstab".
_POINTER = re.compile(
    r"\b(?:look (?:up|into|at)|lookup|read up on|check out|have a look at|google(?: for)?|"
    r"(?:see|read) (?:the )?(?:man(?:ual)? (?:page )?(?:for |of )?|wiki (?:page )?(?:for |on )?|docs? (?:for |on |of )?))"
    r"\s*(?:the\s+)?(?P<target>[\w.+/-]+(?:\s+[\w.+/-]+)?)",
    re.I,
)
_POINTER_STOP_WORDS = (
    "it this that them there here again first instead if and or but to how what whether why which where when who "
    "for on of in at a an some any your my his her their its search results"
)
_POINTER_STOP = frozenset(_POINTER_STOP_WORDS.split())
_WARNING = re.compile(
    r"\b(?:be (?:very |really |extra )?careful(?: (?:when|with|about|not to)[^.,;!?]*)?|beware(?: of)?[^.,;!?]*|"
    r"(?:it )?(?:may|might|can|could|will) (?:break|wipe|erase|destroy|lose|mess up)[^.,;!?]*|at your own risk)",
    re.I,
)
# Links and the characters that would make a quote render or read as markup.
_LINKISH = re.compile(
    r"(?:[a-z][a-z0-9+.-]*:)?//[^\s“”\"']*|www\.[^\s“”\"']*|[^\s“”\"']+@[\w-]+\.[^\s“”\"']+|"
    r"\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|io|ru|cn|info|biz|xyz|me|co|uk|de|top|app|dev|link|ly)\b[^\s“”\"']*",
    re.I,
)
_TAG = re.compile(r"</?[A-Za-z][^<>]{0,200}>")
_EMBED = re.compile(r"<(script|style|iframe|object|embed)\b[^>]*>.*?(?:</\1\s*>|$)", re.I | re.S)
_SCRUB = re.compile(r"[<>\[\]{}*`\\]+")
_MARKUP = re.compile(r"[<>\[\]{}()*_`|\\\"“”‘’?!#=]+")


def without_links(text: str) -> str:
    """Text without URLs, bare domains or e-mail addresses (a quote must not carry a link into a message)."""
    return _LINKISH.sub(" ", text)


def strip_html(text: str) -> str:
    """Text without HTML tags, and without the content of those that only run or embed things (script, iframe)."""
    return _TAG.sub(" ", _EMBED.sub(" ", text))


def safe_excerpt(text: str, max_words: int = EXCERPT_WORDS, max_chars: int = EXCERPT_CHARS) -> str:
    """Text fit to quote inside a question: no link, no markup or quotes, one line, at most max_words words."""
    text = _LINKISH.sub(" ", cues.strip_markup(strip_html(text)))
    text = _MARKUP.sub(" ", text)
    parts = text.split()[:max_words]
    excerpt = " ".join(parts).strip(" .,:;-'")
    return excerpt if len(excerpt) <= max_chars else ""


def scrub(question: str) -> str:
    """A finished question without links or markup characters, whatever its quotes carried in (one line)."""
    text = _LINKISH.sub(" ", strip_html(question))
    return " ".join(_SCRUB.sub("", text).split())  # deleted, not spaced: "|ψ⟩" stays one word


def asked_version(asked: str) -> str:
    """The version the asker says they are on ("ubuntu 12.04"), "" when none."""
    for match in _VERSION.finditer(cues.strip_markup(asked)):
        name, number = match.group("name") or "", match.group("number")
        found = f"{name} {number}" if name and name.lower() not in _NOT_A_NAME else number
        if "." in number:
            return safe_excerpt(found, 3)
    return ""


def named_file(answer: str) -> str:
    """The first file the answer names (a path or a configuration file), "" when none."""
    prose = _LINKISH.sub(" ", cues.strip_markup(answer, keep_inline=True))
    for match in _FILE.finditer(prose):
        found = match.group(0).rstrip(".")
        if "/" in found.strip("/") or "." in found:  # "/etc" alone is a folder, not a file to edit
            return safe_excerpt(found, 1) if len(found) <= EXCERPT_CHARS else ""
    return ""


def pointed_to(answer: str) -> str:
    """What the answer points to instead of explaining ("look up badblocks" -> "badblocks"), "" when none."""
    match = _POINTER.search(cues.strip_markup(answer))
    if match is None:
        return ""
    words = [w.strip(",.;:!") for w in match.group("target").split()]
    if not words[0] or words[0].lower() in _POINTER_STOP:
        return ""  # "see if it works", "read it again": not a pointer to anything
    words = words[:1] if not words[-1] or words[-1].lower() in _POINTER_STOP else words
    return safe_excerpt(" ".join(words), 3)


def warning(answer: str) -> str:
    """The warning the answer gives ("be very careful when you use it"), "" when none."""
    match = _WARNING.search(cues.strip_markup(answer))
    return safe_excerpt(match.group(0), WARNING_WORDS) if match else ""
