"""The expert's review of a draft, one change at a time: edit, remove or move a sentence, add one citing a source.

Each change is a new version through `guides.edit` (the same rules as the API's PUT: sentences cite the guide's
own sources; what the expert writes is screened like a reply). `version` is the version the expert was looking
at: a change made on an older one is refused, so two tabs or two clicks never undo each other.
"""

from __future__ import annotations

from store.records import GuideRecord
from synthesizer.model import CitedSentence, GuideDraft, Section
from workflow.errors import Conflict, InvalidInput, NotFound
from workflow.guides import edit, get_guide
from workflow.services import Services

MAX_SENTENCE_CHARS = 2000


def _current(services: Services, person_id: str, guide_id: str, version: int) -> GuideDraft:
    record = get_guide(services, person_id=person_id, guide_id=guide_id)
    if record.reviewer_id != person_id:
        raise NotFound(f"guide {guide_id!r} does not exist")
    if record.version != version:
        raise Conflict(f"the draft changed meanwhile (now version {record.version}, you edited {version})")
    return GuideDraft.model_validate(record.content)


def _section(name: str) -> Section:
    try:
        return Section(name)
    except ValueError as exc:
        raise InvalidInput(f"unknown section {name!r}") from exc


def _save(services: Services, person_id: str, guide_id: str, draft: GuideDraft) -> GuideRecord:
    content = draft.model_dump(mode="json", include={"title", "sections"})
    return edit(services, person_id=person_id, guide_id=guide_id, content=content)


def _text(text: str) -> str:
    cleaned = text.replace("\x00", "").strip()
    if not cleaned:
        raise InvalidInput("the sentence is empty; remove it instead")
    if len(cleaned) > MAX_SENTENCE_CHARS:
        raise InvalidInput(f"a sentence has at most {MAX_SENTENCE_CHARS} characters")
    return cleaned


def _sentences(draft: GuideDraft, section: Section, index: int) -> list:
    sentences = list(draft.sections.get(section, []))
    if not 0 <= index < len(sentences):
        raise NotFound("that sentence is no longer in the draft; reload the page")
    return sentences


def edit_sentence(
    services: Services, *, person_id: str, guide_id: str, version: int, section: str, index: int, text: str
) -> GuideRecord:
    draft = _current(services, person_id, guide_id, version)
    where = _section(section)
    sentences = _sentences(draft, where, index)
    sentences[index] = sentences[index].model_copy(update={"text": _text(text)})
    return _save(
        services, person_id, guide_id, draft.model_copy(update={"sections": {**draft.sections, where: sentences}})
    )


def remove_sentence(
    services: Services, *, person_id: str, guide_id: str, version: int, section: str, index: int
) -> GuideRecord:
    draft = _current(services, person_id, guide_id, version)
    where = _section(section)
    sentences = _sentences(draft, where, index)
    del sentences[index]
    return _save(
        services, person_id, guide_id, draft.model_copy(update={"sections": {**draft.sections, where: sentences}})
    )


def move_sentence(
    services: Services, *, person_id: str, guide_id: str, version: int, section: str, index: int, to: str
) -> GuideRecord:
    draft = _current(services, person_id, guide_id, version)
    where, target = _section(section), _section(to)
    sentences = _sentences(draft, where, index)
    moved = sentences.pop(index)
    sections = {**draft.sections, where: sentences}
    sections[target] = [*sections.get(target, []), moved]
    return _save(services, person_id, guide_id, draft.model_copy(update={"sections": sections}))


def add_sentence(
    services: Services, *, person_id: str, guide_id: str, version: int, section: str, text: str, source_id: str
) -> GuideRecord:
    draft = _current(services, person_id, guide_id, version)
    where = _section(section)
    if source_id not in {s.id for s in draft.sources}:
        raise InvalidInput("a new sentence must cite one of this thread's sources")
    sentence = CitedSentence(text=_text(text), citations=[source_id])
    sections = {**draft.sections, where: [*draft.sections.get(where, []), sentence]}
    return _save(services, person_id, guide_id, draft.model_copy(update={"sections": sections}))


def review_draft(services: Services, *, person_id: str, guide_id: str) -> GuideRecord:
    """The guide as its reviewer sees it; for anyone else it does not exist."""
    record = get_guide(services, person_id=person_id, guide_id=guide_id)
    if record.reviewer_id != person_id:
        raise NotFound(f"guide {guide_id!r} does not exist")
    return record
