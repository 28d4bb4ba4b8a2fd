"""Render the prompt templates in prompts/templates/ (jinja2, StrictUndefined, no autoescape).

Community text is untrusted: templates put it inside fence tags (<thread>, <message>, <source>, ...) and
pass it through the `untrusted` filter, which defuses any fence tag the text itself contains so it cannot
close the fence early; attribute values (ids, author names) go through `attr`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import jinja2

TEMPLATES_DIR = Path(__file__).parent / "templates"

# Every tag a template uses to fence community text; an occurrence inside the text is defused.
FENCE_TAGS = (
    "thread",
    "title",
    "question",
    "answer",
    "message",
    "messages",
    "source",
    "sources",
    "reply",
    "gaps",
)
_FENCE_TAG = re.compile(r"<(\s*/?\s*(?:" + "|".join(FENCE_TAGS) + r")\b)", re.IGNORECASE)


# Look-alikes a model may read as a tag: fullwidth and small angle brackets become "<" and ">" (then defused
# like any other), and invisible format characters (zero-width space, joiners, direction marks) are dropped.
_LOOKALIKES = str.maketrans({"＜": "<", "﹤": "<", "＞": ">", "﹥": ">", "\u2028": "\n", "\u2029": "\n"})
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


def untrusted(text: object) -> str:
    """Community text made safe inside a fence: its own fence tags are defused (`<` becomes `&lt;`)."""
    plain = _INVISIBLE.sub("", str(text).translate(_LOOKALIKES))
    return _FENCE_TAG.sub(r"&lt;\1", plain)


def attr(value: object) -> str:
    """A value made safe for a double-quoted tag attribute."""
    return (
        str(value)
        .replace("&", "&amp;")
        .replace('"', "&quot;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\n", " ")
    )


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # prompts are plain text, not HTML; fencing is done by the filters above
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["untrusted"] = untrusted
    env.filters["attr"] = attr
    return env


def render(name: str, **context: object) -> str:
    """Render prompts/templates/{name}.j2; a variable the template needs but `context` lacks raises."""
    return _environment().get_template(f"{name}.j2").render(**context)
