"""From stored records to exchanges: who gave knowledge to whom, how, and when."""

from __future__ import annotations

from collections.abc import Iterable

from analytics.model import Exchange, Kind, Post, Records


def answer_kind(post: Post) -> Kind:
    if post.accepted:
        return Kind.ACCEPTED_ANSWER
    if post.score > 0:
        return Kind.VALIDATED_ANSWER
    return Kind.ADVICE


def exchanges(records: Records) -> list[Exchange]:
    """Every exchange recorded, whatever its time (callers filter on the period)."""
    return [*_answers(records), *_guide_reads(records), *_endorsements(records), *_sessions(records)]


def _answers(records: Records) -> Iterable[Exchange]:
    """A reply carries its author's knowledge to the parent's author; the asker's own replies in their thread
    (thanks, follow-up questions) carry none."""
    by_id, openers = records.visible_by_id, records.openers
    for post in records.visible_posts:
        parent = by_id.get(post.parent_id) if post.parent_id else None
        if parent is None or parent.author == post.author:
            continue
        opener = openers.get(post.thread_id)
        if opener is not None and opener.author == post.author:
            continue
        topic = (post.topics or parent.topics or (None,))[0]
        yield Exchange(post.author, parent.author, answer_kind(post), records.community, post.at, topic)


def _guide_reads(records: Records) -> Iterable[Exchange]:
    guides = {g.id: g for g in records.guides}
    for read in records.reads:
        guide = guides.get(read.guide_id)
        if guide is None:
            continue
        topic = guide.topics[0] if guide.topics else None
        for giver in guide.contributors:
            if giver != read.person:
                yield Exchange(giver, read.person, Kind.GUIDE, records.community, read.at, topic, read.helpful)


def _endorsements(records: Records) -> Iterable[Exchange]:
    for e in records.endorsements:
        if e.endorser != e.person:
            yield Exchange(e.person, e.endorser, Kind.ENDORSEMENT, records.community, e.at, e.skill)


def _sessions(records: Records) -> Iterable[Exchange]:
    tandems = {t.id: t for t in records.tandems}
    for session in records.sessions:
        tandem = tandems.get(session.tandem_id)
        if tandem is not None:
            topic = tandem.goals[0] if tandem.goals else None
            yield Exchange(tandem.senior, tandem.junior, Kind.TANDEM, records.community, session.at, topic)
