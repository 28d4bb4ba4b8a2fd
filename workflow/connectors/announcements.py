"""Guides announced: a newly published guide is posted in the community's linked channels, once per version."""

from __future__ import annotations

import logging

from connectors.errors import PlatformError
from connectors.model import GuideNote, Where
from synthesizer.model import GuideDraft
from workflow.connectors.channels import channel_for
from workflow.services import Services

log = logging.getLogger("tacit.connectors")


def announce_guide(services: Services, *, guide_id: str) -> int:
    """Job: announce a newly published guide in the community's linked channels, once per version."""
    with services.uow() as uow:
        guide = uow.guides.get(guide_id)
        if guide is None or guide.status != "published":
            return 0
        sources = [s for s in uow.connectors.sources_of(guide.community_id) if s.announce]
    wheres = [(s.id, Where(s.platform, s.workspace, s.channel)) for s in sources]
    note = _guide_note(guide.content, f"{services.public_url}/guides/{guide_id}")
    return sum(
        _announce_once(services, f"announce:{guide_id}:v{guide.version}:{sid}", where, note) for sid, where in wheres
    )


def _guide_note(content: dict, url: str = "") -> GuideNote:
    draft = GuideDraft.model_validate(content)
    first = next((sentence.text for _, sentence in draft.sentences()), "")
    return GuideNote(title=draft.title, summary=first, url=url)


def _announce_once(services: Services, key: str, where: Where, note: GuideNote) -> int:
    channel = channel_for(services, where.platform)
    if channel is None:
        return 0
    with services.uow() as uow:
        if uow.connectors.accept_event("tacit", key, "announce", {}, status="done") is None:
            return 0
    try:
        channel.announce(where, note)
    except PlatformError as exc:
        log.warning("announcement failed platform=%s error=%s", where.platform, exc)
        with services.uow() as uow:
            uow.connectors.forget_event("tacit", key)  # so a later approval announces it again
        return 0
    return 1
