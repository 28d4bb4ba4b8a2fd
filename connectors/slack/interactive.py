"""Block Kit messages, modals and the App Home that Tacit shows in Slack (payloads in: connectors/slack/payloads.py).

Pure: no I/O, no workflow. Every text from a person or a model is escaped for mrkdwn (so `<!channel>` or a
`<javascript:...|link>` in a guide stays text) and cut to Block Kit's limits: 50 blocks a message, 100 a view,
3000 characters a section, 75 a button, 2000 a button value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from connectors.model import ReviewNote
from connectors.slack.payloads import MAX_VALUE_CHARS
from synthesizer.model import SECTION_TITLES, GuideDraft

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_CHARS = 3000
MAX_BUTTON_CHARS = 75
MAX_INPUT_CHARS = 3000

# action_id and callback_id values Tacit answers to (the manifest names the shortcut's callback id)
SHARE, NOT_HELPFUL = "tacit_share", "tacit_not_helpful"
ANSWER, DECLINE, SNOOZE = "tacit_nudge_answer", "tacit_nudge_decline", "tacit_nudge_snooze"
APPROVE, EDIT, REJECT = "tacit_guide_approve", "tacit_guide_edit", "tacit_guide_reject"
LINK = "tacit_link"  # URL buttons: Slack still sends an action, which needs nothing
ANSWER_VIEW, EDIT_VIEW = "tacit_answer_view", "tacit_edit_view"
CAPTURE = "tacit_capture"
ANSWER_BLOCK, ANSWER_INPUT = "answer", "text"
DECLINE_REASONS = {  # the codes workflow.nudges.decline takes (a test keeps them the same)
    "complete": "My answer was complete",
    "not_my_area": "Not my area",
    "no_time": "No time",
}
SNOOZE_HOURS = {"24": "1 day", "72": "3 days", "168": "1 week"}


# -- text ------------------------------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def escape(text: str) -> str:
    """Text shown as mrkdwn: &, < and > escaped (no mentions, links or broadcasts), control characters gone."""
    clean = _CONTROL.sub("", text)
    return clean.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _plain(text: str, limit: int = MAX_BUTTON_CHARS) -> dict[str, Any]:
    return {"type": "plain_text", "text": cut(_CONTROL.sub("", text) or " ", limit), "emoji": True}


def _section(mrkdwn: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": cut(mrkdwn, MAX_SECTION_CHARS)}}


def _context(mrkdwn: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": cut(mrkdwn, MAX_SECTION_CHARS)}]}


def _link(url: str, label: str) -> str:
    """A mrkdwn link to one of Tacit's own pages (the URL is built by Tacit, never taken from text)."""
    return f"<{url}|{escape(label)}>"


def button(text: str, action_id: str, value: str = "", style: str | None = None, url: str | None = None) -> dict:
    element: dict[str, Any] = {"type": "button", "text": _plain(text), "action_id": action_id}
    if value:
        element["value"] = value[:MAX_VALUE_CHARS]
    if style:
        element["style"] = style
    if url:
        element["url"] = url
    return element


def _actions(block_id: str, *elements: dict[str, Any]) -> dict[str, Any]:
    return {"type": "actions", "block_id": block_id[:255], "elements": list(elements)}


def _select(action_id: str, placeholder: str, options: dict[str, str], prefix: str) -> dict[str, Any]:
    return {
        "type": "static_select",
        "action_id": action_id,
        "placeholder": _plain(placeholder),
        "options": [{"text": _plain(label), "value": f"{prefix}:{value}"} for value, label in options.items()],
    }


# -- /tacit answers --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HitView:
    """One guide found, as the slash command shows it."""

    guide_id: str
    title: str
    section: str
    text: str
    approver: str
    url: str


def search_message(
    query: str,
    hits: Sequence[HitView],
    *,
    answer: str | None,
    note: str | None,
    shared_by: str | None = None,
    reasons: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The answer to `/tacit <question>`: a cited answer (with an LLM), the top guides, Share, and "Not helpful…"
    with the given reasons (code → label; none: no feedback offered, e.g. for someone Tacit cannot name)."""
    blocks: list[dict[str, Any]] = [
        _section(f"*{escape(cut(query, 200))}*" + (f" (shared by {shared_by})" if shared_by else ""))
    ]
    if answer:
        blocks.append(_section(escape(answer)))
    if not hits:
        blocks.append(_section("No guide matches this yet. Ask in your community's channel; Tacit may learn it."))
    for n, hit in enumerate(hits, 1):
        heading = _link(hit.url, f"{n}. {cut(hit.title, 150)}")
        blocks.append(_section(f"{heading}\n_{escape(hit.section)}_: {escape(cut(hit.text, 600))}"))
        blocks.append(_context(f"Approved by {escape(hit.approver)}"))
        if shared_by is None and reasons:
            blocks.append(_actions(f"hit:{n}", _select(NOT_HELPFUL, "Not helpful…", reasons, hit.guide_id)))
    if note:
        blocks.append(_context(escape(note)))
    if hits and shared_by is None:
        share = json.dumps({"q": cut(query, 300), "g": [h.guide_id for h in hits]})
        blocks.append(_actions("share", button("Share in channel", SHARE, share, style="primary")))
    return {"blocks": blocks[:MAX_MESSAGE_BLOCKS], "text": escape(cut(f"Tacit: {query}", 150))}  # for response_url


# -- nudges ----------------------------------------------------------------------------------------------------


def nudge_blocks(text: str, nudge_id: str, nudge_url: str) -> list[dict[str, Any]]:
    """A nudge DM: the question, then Answer (a modal), Decline with a reason, Snooze, and the nudge's page."""
    return [
        _section(escape(text)),
        _actions(
            f"nudge:{nudge_id}",
            button("Answer", ANSWER, nudge_id, style="primary"),
            _select(DECLINE, "Decline…", DECLINE_REASONS, nudge_id),
            _select(SNOOZE, "Snooze…", SNOOZE_HOURS, nudge_id),
            button("Open in Tacit", LINK, url=nudge_url),
        ),
        _context("You can also reply in this conversation's thread."),
    ]


def answer_modal(nudge_id: str, question: str) -> dict[str, Any]:
    """The modal the Answer button opens: the question and one text area."""
    return {
        "type": "modal",
        "callback_id": ANSWER_VIEW,
        "private_metadata": nudge_id,
        "title": _plain("Answer Tacit", 24),
        "submit": _plain("Send", 24),
        "close": _plain("Cancel", 24),
        "blocks": [
            _section(escape(question)),
            {
                "type": "input",
                "block_id": ANSWER_BLOCK,
                "label": _plain("Your answer", 2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": ANSWER_INPUT,
                    "multiline": True,
                    "max_length": MAX_INPUT_CHARS,
                },
            },
        ],
    }


def outcome_blocks(text: str, link_url: str | None = None, link_label: str = "Open in Tacit") -> list[dict]:
    """What a message shows once it was acted on (chat.update): the outcome, and a link."""
    blocks = [_section(escape(text))]
    if link_url:
        blocks.append(_actions("outcome", button(link_label, LINK, url=link_url)))
    return blocks


# -- review ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SentenceView:
    text: str
    citations: tuple[int, ...]  # source numbers, 1-based, in the guide's source order


@dataclass(frozen=True)
class SectionView:
    key: str
    title: str
    sentences: tuple[SentenceView, ...]


@dataclass(frozen=True)
class GuideView:
    guide_id: str
    version: int
    title: str
    sections: tuple[SectionView, ...]
    sources: tuple[str, ...]  # "author: excerpt", numbered from 1
    review_url: str


def guide_view(note: ReviewNote) -> GuideView:
    """A draft (GuideDraft JSON) as the review DM and the edit modal show it: numbered sources, cited sentences."""
    draft = GuideDraft.model_validate(note.content)
    number = {source.id: n for n, source in enumerate(draft.sources, 1)}
    sections = tuple(
        SectionView(
            key=section.value,
            title=title,
            sentences=tuple(
                SentenceView(s.text, tuple(number[c] for c in s.citations if c in number))
                for s in draft.sections.get(section, [])
            ),
        )
        for section, title in SECTION_TITLES.items()
        if draft.sections.get(section)
    )
    sources = tuple(f"{s.author}: {' '.join(s.text.split())}" for s in draft.sources)
    return GuideView(note.guide_id, note.version, draft.title, sections, sources, note.url)


def _cited(sentence: SentenceView) -> str:
    return escape(sentence.text) + " " + "".join(f"[{n}]" for n in sentence.citations)


def _section_chunks(section: SectionView) -> list[str]:
    """A section's text in pieces of at most 3000 characters, cut between sentences (a long one is cut)."""
    chunks, current = [], f"*{escape(section.title)}*"
    for sentence in section.sentences:
        line = "• " + cut(_cited(sentence), MAX_SECTION_CHARS - 100)
        if len(current) + 1 + len(line) > MAX_SECTION_CHARS:
            chunks.append(current)
            current = line
        else:
            current += "\n" + line
    chunks.append(current)
    return chunks


def review_messages(guide: GuideView) -> list[dict[str, Any]]:
    """The draft as one or more DMs (each ≤ 50 blocks); the last carries Approve / Reject and the review page."""
    value = f"{guide.guide_id}:{guide.version}"
    body: list[dict[str, Any]] = [_section(f"*Draft guide for your review: {escape(cut(guide.title, 300))}*")]
    for section in guide.sections:
        body.extend(_section(chunk) for chunk in _section_chunks(section))
        body.append(_actions(f"edit:{section.key}", button(f"Edit “{section.title}”", EDIT, f"{value}:{section.key}")))
    sources = "\n".join(f"[{n}] {escape(cut(s, 200))}" for n, s in enumerate(guide.sources, 1))
    if sources:
        body.append(_context(cut("Sources:\n" + sources, MAX_SECTION_CHARS)))
    closing = [
        _actions(
            f"review:{guide.guide_id}",
            button("Approve and publish", APPROVE, value, style="primary"),
            button("Reject", REJECT, value, style="danger"),
            button("Full review page", LINK, url=guide.review_url),
        )
    ]
    per_message = MAX_MESSAGE_BLOCKS - 1
    pages = [body[i : i + per_message] for i in range(0, len(body), per_message)] or [[]]
    if len(pages[-1]) + len(closing) > MAX_MESSAGE_BLOCKS:
        pages.append([])
    pages[-1].extend(closing)
    text = cut(f"Draft guide for your review: {guide.title}", 150)  # plain: the client escapes what it posts
    return [{"blocks": page, "text": text} for page in pages]


def edit_modal(guide: GuideView, section: SectionView) -> dict[str, Any]:
    """One input per sentence of the section; the citations stay with their sentence and are shown beside it."""
    blocks: list[dict[str, Any]] = [_context(f"Editing *{escape(section.title)}* of {escape(cut(guide.title, 200))}")]
    for n, sentence in enumerate(section.sentences[: (MAX_VIEW_BLOCKS - 1)]):
        cites = ", ".join(f"[{c}]" for c in sentence.citations)
        blocks.append(
            {
                "type": "input",
                "block_id": f"s{n}",
                "optional": True,
                "label": _plain(f"Sentence {n + 1} (cites {cites}; empty removes it)", 2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "text",
                    "multiline": True,
                    "max_length": MAX_INPUT_CHARS,
                    "initial_value": cut(sentence.text, MAX_INPUT_CHARS),
                },
            }
        )
    return {
        "type": "modal",
        "callback_id": EDIT_VIEW,
        "private_metadata": f"{guide.guide_id}:{guide.version}:{section.key}",
        "title": _plain("Edit the guide", 24),
        "submit": _plain("Save", 24),
        "close": _plain("Cancel", 24),
        "blocks": blocks,
    }


def edited_sentences(values: dict[str, str], count: int) -> list[str | None]:
    """The texts typed in an edit modal, by sentence position: "" removes the sentence, None (not in the modal,
    past a view's 100 blocks) keeps it as it was."""
    return [values[f"s{n}/text"].strip() if f"s{n}/text" in values else None for n in range(count)]


# -- App Home --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HomeItem:
    text: str
    url: str
    action_id: str = LINK  # a button that acts in Slack (Answer) or only links
    value: str = ""
    label: str = "Open"


def home_view(nudges: Sequence[HomeItem], drafts: Sequence[HomeItem], tasks: Sequence[HomeItem], note: str) -> dict:
    """The App Home tab: open follow-up questions, drafts waiting for review, the tandem's next tasks."""
    blocks: list[dict[str, Any]] = [{"type": "header", "text": _plain("Tacit", 150)}]
    if note:
        blocks.append(_context(escape(note)))
    for title, items, empty in (
        ("Follow-up questions for you", nudges, "No open questions."),
        ("Drafts waiting for your review", drafts, "No drafts to review."),
        ("Your tandem's next tasks", tasks, "No tasks taken."),
    ):
        blocks.append(_section(f"*{title}*"))
        if not items:
            blocks.append(_context(empty))
        for n, item in enumerate(items[:10]):
            blocks.append(_section(escape(cut(item.text, 500))))
            if item.action_id == LINK:
                elements = [button(item.label, LINK, url=item.url)]
            else:  # acts in Slack (opens the Answer modal), with the page beside it
                elements = [button(item.label, item.action_id, item.value), button("Open in Tacit", LINK, url=item.url)]
            blocks.append(_actions(f"{title[:10]}:{n}", *elements))
        blocks.append({"type": "divider"})
    return {"type": "home", "blocks": blocks[:MAX_VIEW_BLOCKS]}
