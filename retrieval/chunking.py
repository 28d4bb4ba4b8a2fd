"""Guides into chunks: one per non-empty section, each carrying the guide's title and its citations."""

from __future__ import annotations

from retrieval.ports import Chunk
from synthesizer.model import GuideDraft, Section


def chunk_id(guide_id: str, version: int, section: Section | str) -> str:
    """The stable id of a guide section's chunk."""
    return f"{guide_id}:{version}:{Section(section).value}"


def chunk_guide(guide_id: str, community_id: str, version: int, draft: GuideDraft) -> list[Chunk]:
    """One chunk per non-empty section, in section order; citations are the section's, deduplicated."""
    chunks: list[Chunk] = []
    for section in Section:
        sentences = [s for s in draft.sections.get(section, []) if s.text.strip()]
        if not sentences:
            continue
        citations = dict.fromkeys(c for s in sentences for c in s.citations)  # ordered set
        chunks.append(
            Chunk(
                id=chunk_id(guide_id, version, section),
                guide_id=guide_id,
                community_id=community_id,
                section=section.value,
                title=draft.title,
                text=" ".join(s.text.strip() for s in sentences),
                citations=tuple(citations),
                extra={"version": str(version)},
            )
        )
    return chunks


def embedding_text(chunk: Chunk) -> str:
    """What gets embedded: the guide's title, then the section text, so every chunk carries its topic."""
    return f"{chunk.title}\n{chunk.text}"
