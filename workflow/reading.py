"""What readers see around a guide: where it lives, who approved it and when, whether a source changed since,
its versions; "was this helpful?" that reaches the guide's reviewer; searches that found nothing, for stewards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from store.records import FeedbackRecord, GuideFacts, GuideRecord, MissedSearchRecord, VersionRecord
from store.uow import UnitOfWork
from workflow.access import Viewer, readable_communities, require_steward, sees_identities, viewer_of
from workflow.errors import InvalidInput, NotFound
from workflow.guides import SearchResult, get_guide, search
from workflow.services import Services

FEEDBACK_REASONS = {"outdated": "Outdated", "wrong": "Wrong", "not_what_i_asked": "Not what I asked"}


@dataclass(frozen=True)
class SearchPage:
    query: str
    results: tuple[tuple[SearchResult, GuideFacts], ...]
    communities: tuple[tuple[str, str], ...] = ()  # (id, name) the person may search, for the filter


def search_with_facts(
    services: Services, *, person_id: str, query: str, community_id: str | None, limit: int = 10
) -> SearchPage:
    """`guides.search` (the same permission filter) with each result's facts for the results page."""
    results = search(services, person_id=person_id, query=query, community_id=community_id, limit=limit)
    choices: list[tuple[str, str]] = []
    facts = guide_facts(services, person_id=person_id, guides=[r.guide for r in results], choices=choices)
    return SearchPage(query, tuple((r, facts[r.guide.id]) for r in results), tuple(choices))


def guide_facts(
    services: Services, *, person_id: str, guides: list[GuideRecord], choices: list[tuple[str, str]] | None = None
) -> dict[str, GuideFacts]:
    """Facts about guides the person was already allowed to read (records from `get_guide` or `search`).

    A guide is stale when a source it cites was edited or deleted after it was approved (or it is marked so).
    """
    out = {}
    with services.uow() as uow:
        viewer = viewer_of(uow, person_id)
        cited = {record.id: [s["id"] for s in record.content.get("sources", [])] for record in guides}
        edits = uow.web.source_edits({sid for ids in cited.values() for sid in ids})  # one query for every result
        for record in guides:
            current = uow.guides.get(record.id)
            if current is None:
                continue
            community = uow.communities.get(current.community_id)
            reviewer = uow.web.reviewer_name(current.id)
            named = community is None or sees_identities(viewer, community)
            community_name = community.name if community else record.community_id
            reviewer_name = reviewer if reviewer and named else f"a member of {community_name}"
            since = current.published_at
            changed = any(sid not in edits or (since and (e := edits[sid]) and e > since) for sid in cited[record.id])
            stale = current.status == "stale" or (since is not None and bool(changed))
            out[record.id] = GuideFacts(record.id, community_name, reviewer_name, since, stale)
        if choices is not None:  # the community filter's choices, in the same unit of work
            choices.extend(_choices(uow, viewer))
    return out


def guide_versions(services: Services, *, person_id: str, guide_id: str) -> list[VersionRecord]:
    """The guide's versions (number, how it was made, when, by whom), for whoever may read the guide."""
    record = get_guide(services, person_id=person_id, guide_id=guide_id)
    with services.uow() as uow:
        community = uow.communities.get(record.community_id)
        named = community is None or sees_identities(viewer_of(uow, person_id), community)
        versions = uow.web.versions(guide_id)
    if named:
        return versions
    return [VersionRecord(v.version, v.engine, v.created_at, None) for v in versions]


def give_feedback(
    services: Services, *, person_id: str, guide_id: str, helpful: bool, reason: str | None = None
) -> FeedbackRecord:
    """A reader's "was this helpful?"; "not helpful" needs a reason, and the guide's reviewer sees both."""
    if not helpful and reason not in FEEDBACK_REASONS:
        raise InvalidInput("say why it was not helpful: " + ", ".join(FEEDBACK_REASONS))
    record = get_guide(services, person_id=person_id, guide_id=guide_id)  # NotFound for what they may not read
    if record.status != "published":
        raise NotFound(f"guide {guide_id!r} does not exist")
    with services.uow() as uow:
        uow.web.save_feedback(guide_id, person_id, helpful, None if helpful else reason, record.version)
        saved = uow.web.feedback_of(guide_id, person_id)
    assert saved is not None
    return saved


@dataclass(frozen=True)
class FeedbackForReviewer:
    guide_id: str
    guide_title: str
    helpful: bool
    reason: str | None
    version: int
    created_at: datetime


def feedback_on_my_guides(services: Services, *, person_id: str) -> list[FeedbackForReviewer]:
    """What readers said about the guides this person reviews (readers stay anonymous)."""
    with services.uow() as uow:
        out = []
        for f in uow.web.feedback_for_reviewer(person_id):
            guide = uow.guides.get(f.guide_id)
            title = guide.content.get("title", "") if guide else ""
            out.append(FeedbackForReviewer(f.guide_id, title, f.helpful, f.reason, f.version, f.created_at))
    return out


def missed_searches(
    services: Services, *, actor_id: str, community_id: str, limit: int = 200
) -> list[MissedSearchRecord]:
    """The searches that found nothing in a community, newest first; for those who govern it."""
    with services.uow() as uow:
        require_steward(uow, viewer_of(uow, actor_id), community_id)
        return uow.web.missed(community_id, min(max(limit, 1), 1000))


def searchable_communities(services: Services, *, person_id: str) -> list[tuple[str, str]]:
    """(id, name) of the communities whose guides the person may search, for the community filter."""
    with services.uow() as uow:
        return _choices(uow, viewer_of(uow, person_id))


def _choices(uow: UnitOfWork, viewer: Viewer) -> list[tuple[str, str]]:
    ids = readable_communities(uow, viewer)
    return [(c, community.name if (community := uow.communities.get(c)) else c) for c in ids]
