"""Guides: synthesize drafts, let the expert review them, index what is published, and search it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from pydantic import ValidationError

from retrieval.search import GuideHit, ReindexProgress
from store.records import CommunityRecord, GuideRecord
from store.uow import UnitOfWork
from synthesizer.errors import InvalidGuide, SynthesisError
from synthesizer.model import GuideDraft, Source, mask_mentions, without_identities
from synthesizer.validate import check_citations
from workflow.access import (
    Viewer,
    acting_communities,
    can_read,
    may_act_in,
    readable_communities,
    require_community,
    sees_identities,
    stranger,
    viewer_of,
)
from workflow.errors import Conflict, Forbidden, InvalidInput, NotFound
from workflow.job_types import AnnounceGuide, CompactIndex, IndexGuide, NotifyReview, RecalibrateDetector, defer
from workflow.privacy import screen_guide
from workflow.services import Services

log = logging.getLogger("tacit.guides")


MAX_SYNTHESIS_ATTEMPTS = 3


def synthesize_guide(services: Services, *, thread_id: str, reviewer_id: str) -> GuideRecord | None:
    """Job: write a new draft version of the thread's guide from the thread and the expert's replies.

    Writing can take a while (an LLM call): if a source is deleted or edited meanwhile, the draft is written
    again from what is there now, so no deleted or superseded text reaches a guide.
    """
    for _ in range(MAX_SYNTHESIS_ATTEMPTS):
        started = datetime.now(UTC)
        with services.uow() as uow:
            try:
                thread = uow.messages.load_thread(thread_id)
            except KeyError:
                return None  # the thread is gone
            replies = uow.nudges.replies_for_thread(thread_id)
        try:
            draft = screen_guide(services, services.guides.write(thread, replies))
            check_citations(draft)
        except SynthesisError as exc:
            _withdraw(services, thread_id, reason=str(exc))
            return None
        with services.uow() as uow:
            if not uow.messages.sources_unchanged([s.id for s in draft.sources], since=started):
                continue
            if not may_act_in(viewer_of(uow, reviewer_id), thread.community_id):
                log.info("guide not drafted thread=%s: its reviewer is no longer a member", thread_id)
                return None
            record = _save_draft(services, uow, thread.community_id, thread_id, reviewer_id, draft)
            if record is None:
                continue  # an edit or another draft took the version meanwhile: write again from what is there
        log.info("guide drafted guide=%s thread=%s version=%d", record.id, thread_id, record.version)
        defer(services.runner, NotifyReview(record.id, str(record.version)))
        if replies:  # a reply the guide cites is an outcome label for its answer
            defer(services.runner, RecalibrateDetector(record.community_id))
        return record
    raise SynthesisError(f"the sources of thread {thread_id} kept changing while the guide was written")


def _save_draft(
    services: Services, uow: UnitOfWork, community_id: str, thread_id: str, reviewer_id: str, draft: GuideDraft
) -> GuideRecord | None:
    """The new draft version, or None when the guide's version moved meanwhile (the caller writes again)."""
    existing = uow.guides.for_thread(thread_id)
    if existing is not None:
        was_live = existing.status in ("published", "stale")
        # New or changed sources: the expert reviews again before it is republished.
        statuses = ("draft", "stale", "published", "rejected")
        status = "draft" if was_live else existing.status
        if uow.guides.claim(existing.id, existing.version, statuses, status=status) is None:
            return None
        if was_live:
            services.search.remove_guide(existing.id)
    return uow.guides.save_version(
        community_id=community_id,
        thread_id=thread_id,
        reviewer_id=reviewer_id,
        content=draft.model_dump(mode="json"),
        engine=draft.engine or services.engine_name,  # an LLM engine's fallback writes offline guides
    )


def _withdraw(services: Services, thread_id: str, reason: str) -> None:
    """Nothing usable is left to write a guide from: the guide (if any) is withdrawn."""
    with services.uow() as uow:
        guide = uow.guides.for_thread(thread_id)
        if guide is not None:
            services.search.remove_guide(guide.id)
            uow.guides.delete(guide.id)
    log.info("guide withdrawn thread=%s reason=%s", thread_id, reason)


def get_guide(services: Services, *, person_id: str, guide_id: str) -> GuideRecord:
    """A guide the person may read: published where they may read, or a draft they review."""
    with services.uow() as uow:
        record = uow.guides.get(guide_id)
        if record is None:
            raise NotFound(f"guide {guide_id!r} does not exist")
        viewer = viewer_of(uow, person_id)
        if record.reviewer_id == person_id and may_act_in(viewer, record.community_id):
            return record
        if record.status == "published" and can_read(uow, viewer, record.community_id):
            return _as_seen_by(uow, viewer, record)
    raise NotFound(f"guide {guide_id!r} does not exist")  # not "forbidden": its existence is not disclosed


def _as_seen_by(uow: UnitOfWork, viewer: Viewer, record: GuideRecord) -> GuideRecord:
    """Chatham House communities show outsiders what was said, never who said it."""
    return _as_seen_in(uow.communities.get(record.community_id), viewer, record)


def _as_seen_in(community: CommunityRecord | None, viewer: Viewer, record: GuideRecord) -> GuideRecord:
    if community is None or sees_identities(viewer, community):
        return record
    draft = without_identities(GuideDraft.model_validate(record.content), f"a member of {community.name}")
    return replace(record, content=draft.model_dump(mode="json"))


def guides_to_review(services: Services, *, person_id: str) -> list[GuideRecord]:
    """Drafts waiting for this expert, in the communities they are still a member of."""
    with services.uow() as uow:
        communities = acting_communities(viewer_of(uow, person_id))
        return uow.guides.find(community_ids=communities, reviewer_id=person_id, status="draft")


def list_published(services: Services, *, person_id: str, community_id: str | None) -> list[GuideRecord]:
    with services.uow() as uow:
        viewer = viewer_of(uow, person_id)
        communities = _readable_communities(uow, viewer, community_id)
        return [_as_seen_by(uow, viewer, g) for g in uow.guides.find(community_ids=communities, status="published")]


def _reviewable(uow: UnitOfWork, person_id: str, guide_id: str) -> GuideRecord:
    """The guide, if the person reviews it and is still a member of its community (checked at the act)."""
    guide = uow.guides.get(guide_id)
    if guide is None:
        raise NotFound(f"guide {guide_id!r} does not exist")
    viewer = viewer_of(uow, person_id)
    if guide.reviewer_id != person_id or not may_act_in(viewer, guide.community_id):
        readable = guide.status == "published" and can_read(uow, viewer, guide.community_id)
        if not readable:
            raise NotFound(f"guide {guide_id!r} does not exist")  # a draft or a foreign guide is not disclosed
        raise Forbidden("only the expert whose knowledge this guide holds can review it")
    return guide


def approve(services: Services, *, person_id: str, guide_id: str) -> GuideRecord:
    """Publish the current version and queue its indexing."""
    with services.uow() as uow:
        guide = _reviewable(uow, person_id, guide_id)
        if guide.status == "rejected":
            raise Conflict("this guide was rejected; edit it to make a new draft before approving")
        if guide.status != "published":  # approving twice is the same as once
            claimed = uow.guides.claim(
                guide_id, guide.version, ("draft", "stale"), status="published", published_at=datetime.now(UTC)
            )
            guide = claimed if claimed is not None else _changed_meanwhile(uow, guide_id, accept="published")
        record = guide
    defer(services.runner, IndexGuide(guide_id))
    defer(services.runner, AnnounceGuide(guide_id))  # in linked channels
    return record


def reject(services: Services, *, person_id: str, guide_id: str) -> GuideRecord:
    with services.uow() as uow:
        guide = _reviewable(uow, person_id, guide_id)
        if guide.status != "rejected":
            statuses = ("draft", "stale", "published")
            claimed = uow.guides.claim(guide_id, guide.version, statuses, status="rejected")
            guide = claimed if claimed is not None else _changed_meanwhile(uow, guide_id, accept="rejected")
        record = guide
    services.search.remove_guide(guide_id)
    return record


def _changed_meanwhile(uow: UnitOfWork, guide_id: str, accept: str) -> GuideRecord:
    """After a lost race: the guide as it is now when it reached `accept` anyway, else a 409."""
    guide = uow.guides.fresh(guide_id)
    if guide is not None and guide.status == accept:
        return guide
    raise Conflict("the guide changed meanwhile (a new version or another review); reload it")


def edit(services: Services, *, person_id: str, guide_id: str, content: dict) -> GuideRecord:
    """Save the expert's edit as a new draft version; its sentences may only cite the guide's sources."""
    with services.uow() as uow:
        guide = _reviewable(uow, person_id, guide_id)
        # What the expert writes is screened like every reply (personal data, secrets).
        draft = screen_guide(services, _edited_draft(GuideDraft.model_validate(guide.content), content))
        was_published = guide.status == "published"
        # Held until commit: two edits of one version cannot both become the next one.
        statuses = ("draft", "stale", "published", "rejected")
        if uow.guides.claim(guide_id, guide.version, statuses, status="draft") is None:
            raise Conflict("the guide changed while you edited it (another edit or a rewrite); reload and edit again")
        record = uow.guides.save_version(
            community_id=guide.community_id,
            thread_id=guide.thread_id,
            reviewer_id=guide.reviewer_id,
            content=draft.model_dump(mode="json"),
            engine="edit",
            created_by=person_id,
            status="draft",
        )
    if was_published:
        services.search.remove_guide(guide_id)
    return record


def _edited_draft(current: GuideDraft, content: dict) -> GuideDraft:
    # Sources are the record of what was said: an edit may change the wording, never the sources.
    try:
        draft = GuideDraft.model_validate({**content, "sources": [s.model_dump() for s in current.sources]})
        check_citations(draft)
    except ValidationError as exc:
        raise InvalidInput(
            f"the edited guide is not valid: {exc.errors()[0]['msg']} at {exc.errors()[0]['loc']}"
        ) from exc
    except InvalidGuide as exc:
        raise InvalidInput(str(exc)) from exc
    if not draft.sentences():
        raise InvalidInput("the edited guide has no sentences; reject it instead of emptying it")
    return draft


def index_guide(services: Services, *, guide_id: str) -> int:
    """Job: (re)index a published guide's current version; a guide no longer published leaves the index."""
    with services.uow() as uow:
        record = uow.guides.get(guide_id)
    if record is None or record.status != "published":
        services.search.remove_guide(guide_id)
        return 0
    draft = GuideDraft.model_validate(record.content)
    indexed = services.search.index_guide(record.id, record.community_id, record.version, draft)
    with services.uow() as uow:
        now = uow.guides.get(guide_id)
    if now != record:
        # Changed while it was indexed (an erasure purged or withdrew it, an edit): the chunks just written may quote
        # words that must be gone. Forget them (their bytes too) and index what is there now.
        forget_guide_words(services, guide_id)
        defer(services.runner, IndexGuide(guide_id))
        return 0
    return indexed


def forget_guide_words(services: Services, guide_id: str) -> None:
    """Take a guide out of search and queue the compaction that removes its words from the index's files."""
    services.search.remove_guide(guide_id, forget=True)
    defer(services.runner, CompactIndex())


def forget_guide(services: Services, uow: UnitOfWork, guide_id: str) -> None:
    """Erasure: the guide leaves search at once, and again once the erasure is committed, so an index job that read
    the guide before the commit and wrote it back meanwhile is undone (`index_guide` re-checks after writing)."""
    services.search.remove_guide(guide_id, forget=True)
    uow.after_commit(lambda: forget_guide_words(services, guide_id))


def compact_index(services: Services) -> int:
    """Job: when an erasure forgot guides, rewrite the vector index without their bytes; returns the points kept.

    Runs where index work runs (the serving process with the embedded index: one writer). Searches go on meanwhile;
    a big index logs its progress every tenth."""
    if not services.search.compaction_due():
        return 0  # done by an earlier run, or an index whose files are not Tacit's (a Qdrant server)
    logged = [0]

    def progress(done: int, total: int) -> None:
        tenth = done * 10 // max(total, 1)
        if tenth > logged[0]:
            logged[0] = tenth
            log.info("vector index compaction points=%d/%d", done, total)

    kept = services.search.compact(progress)
    log.info("vector index compacted points=%d (deleted points' bytes removed)", kept)
    return kept


@dataclass(frozen=True)
class ReindexPlan:
    """What `reindex` is about to do: resume after `resumed_chunks` chunks (0: from the start), `guides` to read."""

    resume: ReindexProgress | None
    guides: int

    @property
    def resumed_chunks(self) -> int:
        return self.resume.chunks if self.resume else 0


def plan_reindex(services: Services, *, fresh: bool = False) -> ReindexPlan:
    """Continue an interrupted rebuild where its last note says it stopped, unless `fresh` (or there is none)."""
    resume = None if fresh else services.search.interrupted_reindex()
    with services.uow() as uow:
        guides = uow.guides.published_count(resume.after if resume else None)
    return ReindexPlan(resume, guides)


def reindex(
    services: Services, progress: Callable[[int], None] | None = None, *, plan: ReindexPlan | None = None
) -> int:
    """Rebuild the whole vector index from the database, which stays the record; streamed in pages, resumable."""
    plan = plan or plan_reindex(services)
    after = plan.resume.after if plan.resume else None
    return services.search.reindex(_published_pages(services, after=after), progress, resume=plan.resume)


def _published_pages(
    services: Services, page: int = 500, after: str | None = None
) -> Iterator[tuple[str, str, int, GuideDraft]]:
    """Published guides (after `after`, in id order), read `page` at a time in short units of work (memory bounded
    by the page)."""
    while True:
        with services.uow() as uow:
            batch = uow.guides.published_page(after, page)
        for g in batch:
            yield g.id, g.community_id, g.version, GuideDraft.model_validate(g.content)
        if len(batch) < page:
            return
        after = batch[-1].id


@dataclass(frozen=True)
class SearchResult:
    hit: GuideHit
    guide: GuideRecord
    sources: tuple[Source, ...]


def search(
    services: Services, *, person_id: str | None, query: str, community_id: str | None, limit: int = 10
) -> list[SearchResult]:
    """Guides ranked by meaning, only within the communities the person may read (None: someone Tacit cannot
    name, e.g. an unlinked Slack user, who reads open communities only)."""
    if not query.strip():
        raise InvalidInput("the query is empty; say what you are looking for, e.g. ?q=slow tenant listing")
    with services.uow() as uow:
        viewer = viewer_of(uow, person_id) if person_id else stranger()
        communities = _readable_communities(uow, viewer, community_id)
    # The permission filter runs inside the vector search (a payload filter), never after it.
    hits = services.search.search(query, communities, limit)
    results = []
    with services.uow() as uow:  # one query for the guides, one for their communities
        found = uow.guides.by_ids((h.guide_id for h in hits), status="published")
        places = uow.communities.by_ids(g.community_id for g in found.values())
        for hit in hits:
            record = found.get(hit.guide_id)
            if record is None or record.community_id not in communities:
                continue  # the index lags the record for a moment: the record wins
            community = places.get(record.community_id)
            record = _as_seen_in(community, viewer, record)
            if community is not None and not sees_identities(viewer, community):
                hit = replace(hit, text=mask_mentions(hit.text), title=mask_mentions(hit.title))
            draft = GuideDraft.model_validate(record.content)
            cited = tuple(s for s in draft.sources if s.id in set(hit.citations))
            results.append(SearchResult(hit, record, cited))
        if not results and communities and person_id:  # strangers' searches are not kept
            uow.web.record_missed(communities, person_id, query.strip())  # the knowledge missing, for stewards
    return results


def _readable_communities(uow: UnitOfWork, viewer: Viewer, community_id: str | None) -> list[str]:
    readable = readable_communities(uow, viewer)
    if community_id is None:
        return readable
    require_community(uow, community_id)
    if community_id not in readable:
        raise NotFound(f"community {community_id!r} does not exist")  # members-only: its existence is not disclosed
    return [community_id]
