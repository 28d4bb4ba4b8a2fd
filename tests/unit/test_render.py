"""Markdown and plain-text rendering of guide drafts."""

from __future__ import annotations

import re

from synthesizer.model import CitedSentence, GuideDraft, Section, Source
from synthesizer.offline import ExtractiveGuideWriter
from synthesizer.render import source_numbers, to_markdown, to_plain_text
from tests.unit.test_offline_writer import QA, QA_REPLIES

CODE = "```ini\n[pgbouncer]\npool_mode = transaction\n```"


def draft() -> GuideDraft:
    return GuideDraft(
        title="Pool Postgres connections",
        sections={
            Section.SUMMARY: [CitedSentence(text="Put PgBouncer in front of Postgres.", citations=["a1"])],
            Section.STEPS: [
                CitedSentence(text="Install it and set the pool mode:", citations=["r2"]),
                CitedSentence(text=CODE, citations=["r2"]),
                CitedSentence(text="- Then restart the app.", citations=["r2"]),
            ],
            Section.RATIONALE: [
                CitedSentence(text="Each connection is a process.", citations=["r1", "a1"]),
                CitedSentence(text="Memory runs out.", citations=["r1"]),
            ],
            Section.PITFALLS: [],
        },
        sources=[
            Source(id="q1", author="Asker", text="How?", kind="question", url="https://ex.com/q/1"),
            Source(id="a1", author="Expert", text="...", kind="answer", url="https://ex.com/a/1"),
            Source(id="r1", author="Expert", text="...", kind="nudge_reply"),
            Source(id="r2", author="Expert", text="...", kind="nudge_reply"),
        ],
    )


def test_sources_are_numbered_in_order_of_first_citation_then_the_rest() -> None:
    assert source_numbers(draft()) == {"a1": 1, "r2": 2, "r1": 3, "q1": 4}


def test_markdown_has_title_and_only_non_empty_sections_in_order() -> None:
    md = to_markdown(draft())
    assert md.startswith("# Pool Postgres connections\n")
    headings = re.findall(r"^## (.+)$", md, flags=re.M)
    assert headings == ["Summary", "Steps", "Why", "Sources"]


def test_markdown_marks_citations_with_numbers() -> None:
    md = to_markdown(draft())
    assert "Put PgBouncer in front of Postgres. [1]" in md
    assert "- Each connection is a process. [3][1]" in md
    assert "- Memory runs out. [3]" in md


def test_steps_are_numbered_and_code_blocks_kept_intact() -> None:
    md = to_markdown(draft())
    assert "1. Install it and set the pool mode: [2]" in md
    assert "\n" + CODE + "\n" in md
    assert "2. Then restart the app. [2]" in md  # the source's list marker is replaced; the count goes on
    assert md.index("1. Install") < md.index(CODE) < md.index("2. Then restart")


def test_sources_list_author_kind_and_url() -> None:
    md = to_markdown(draft())
    sources = md.split("## Sources\n", 1)[1].strip().splitlines()
    assert sources == [
        "1. Expert (answer): <https://ex.com/a/1>",
        "2. Expert (reply to a follow-up question)",
        "3. Expert (reply to a follow-up question)",
        "4. Asker (question): <https://ex.com/q/1>",
    ]


def test_guide_id_is_carried_in_a_comment() -> None:
    assert "<!-- tacit-guide: g-42 -->" in to_markdown(draft(), guide_id="g-42")
    assert "tacit-guide" not in to_markdown(draft())


def test_unknown_citation_is_shown_not_hidden() -> None:
    bad = draft().model_copy(
        update={"sections": {Section.SUMMARY: [CitedSentence(text="Made up.", citations=["nope"])]}}
    )
    assert "Made up. [?]" in to_markdown(bad)


def test_plain_text_has_no_markers() -> None:
    assert to_plain_text(draft(), Section.RATIONALE) == "Each connection is a process.\nMemory runs out."
    assert to_plain_text(draft(), Section.PITFALLS) == ""


def test_renders_an_extractive_guide_end_to_end() -> None:
    guide = ExtractiveGuideWriter().write(QA, QA_REPLIES)
    md = to_markdown(guide)
    numbers = source_numbers(guide)
    for section, sentences in guide.sections.items():
        for sentence in sentences:
            if not sentence.text.startswith("```"):
                assert f"{sentence.text} [{numbers[sentence.citations[0]]}]" in md, section
    assert len(md.split("## Sources\n", 1)[1].strip().splitlines()) == len(guide.sources)
    assert "## Steps\n\n1. Install it and set the pool mode: [2]" in md
