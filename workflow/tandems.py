"""Tandems: a junior and a senior on real work, with tasks ranked by fit, an AI partner and a progress log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from retrieval.search import GuideHit
from store.records import PersonRecord, TandemEventRecord, TandemRecord, TaskRecord
from store.repositories.tandems import ThreadSummary
from store.uow import UnitOfWork
from tandem.experts import skill_strength
from tandem.partner import MIN_RELEVANCE, Answer, Passage
from tandem.skills import readable
from tandem.tasks import Pair, Task, TaskFit, rank_tasks
from workflow.access import governs, require_community, viewer_of
from workflow.errors import Conflict, Forbidden, InvalidInput, NotFound
from workflow.experts import ExpertHit, Expertise, evidence_communities, experts_in, resolve_skill
from workflow.services import Services

STALE_AFTER = timedelta(days=365)  # a published guide untouched this long is worth a second look
HELPERS = 3  # guides and past threads shown per suggested task
GUIDE_CHARS = 2000  # of a guide's sentences given to the AI partner
GOAL_GROWTH, LEARNING_GROWTH = 1.0, 0.6  # how much the junior wants a tandem goal vs. a skill they are learning


@dataclass(frozen=True)
class Progress:
    tasks_taken: int
    tasks_done: int
    questions_asked: int
    guides_produced: int


@dataclass(frozen=True)
class TandemView:
    row: TandemRecord
    junior: str  # handles
    senior: str
    progress: Progress


# -- creating and reading ------------------------------------------------------------------------------------


def create_tandem(
    services: Services,
    kit: Expertise,
    *,
    person_id: str,
    community_id: str,
    junior: str,
    senior: str,
    goals: Sequence[str],
) -> TandemView:
    """A steward of the community, or one of the pair, pairs a junior with a senior on some goals."""
    with services.uow() as uow:
        viewer = viewer_of(uow, person_id)
        require_community(uow, community_id)
        junior_id, senior_id = _member(uow, community_id, junior), _member(uow, community_id, senior)
        if person_id not in (junior_id, senior_id) and not governs(uow, viewer, community_id):
            raise Forbidden("only a steward of the community, or one of the pair, can create a tandem")
        if junior_id == senior_id:
            raise InvalidInput("a tandem needs two different people")
        if uow.tandems.active_pair(community_id, junior_id, senior_id):
            raise Conflict(f"{junior} and {senior} already have an active tandem in {community_id}")
        names = list(dict.fromkeys(resolve_skill(uow, kit, g)[0].name for g in goals))
        row = uow.tandems.add_tandem(
            community_id=community_id, junior_id=junior_id, senior_id=senior_id, goals=names, created_by=person_id
        )
        uow.tandems.log(row.id, "created", person_id, {"goals": names})
        return _view(uow, row)


def _member(uow: UnitOfWork, community_id: str, handle: str) -> str:
    person = uow.people.by_handle(handle)
    if person is None or uow.communities.role_of(community_id, person.id) is None:
        raise InvalidInput(f"{handle!r} is not a member of {community_id!r}")
    return person.id


def _tandem(uow: UnitOfWork, person_id: str, tandem_id: str, *, partners_only: bool = False) -> TandemRecord:
    """The tandem, if the person is one of the pair (or, unless partners_only, governs its community); else 404."""
    row = uow.tandems.get_tandem(tandem_id)
    if row is None:
        raise NotFound(f"tandem {tandem_id!r} does not exist")
    viewer = viewer_of(uow, person_id)
    partner = person_id in (row.junior_id, row.senior_id)
    if partner and viewer.is_member(row.community_id):
        return row
    governor = governs(uow, viewer, row.community_id)
    if governor and not partners_only:
        return row
    if partner:  # removed from the community: the tandem's content is closed to them
        raise Forbidden(f"you are no longer a member of {row.community_id!r}")
    if governor:
        raise Forbidden("only the junior and the senior of a tandem can do this")
    raise NotFound(f"tandem {tandem_id!r} does not exist")


def _active(row: TandemRecord) -> TandemRecord:
    if row.status != "active":
        raise Conflict("this tandem has ended")
    return row


def _view(uow: UnitOfWork, row: TandemRecord) -> TandemView:
    handles = {pid: _handle(uow.people.get(pid)) for pid in (row.junior_id, row.senior_id)}
    counts = uow.tandems.event_counts(row.id)
    guides = uow.tandems.guides_since(row.community_id, [row.junior_id, row.senior_id], row.created_at)
    progress = Progress(
        counts.get("task_taken", 0), counts.get("task_done", 0), counts.get("question_asked", 0), len(guides)
    )
    return TandemView(row, handles[row.junior_id], handles[row.senior_id], progress)


def get_tandem(services: Services, *, person_id: str, tandem_id: str) -> TandemView:
    with services.uow() as uow:
        return _view(uow, _tandem(uow, person_id, tandem_id))


def my_tandems(services: Services, *, person_id: str) -> list[TandemView]:
    with services.uow() as uow:
        viewer = viewer_of(uow, person_id)
        return [_view(uow, t) for t in uow.tandems.tandems(person_id=person_id) if viewer.is_member(t.community_id)]


def community_tandems(services: Services, *, person_id: str, community_id: str) -> list[TandemView]:
    """The steward's summary: every tandem of the community with its progress."""
    with services.uow() as uow:
        require_community(uow, community_id)
        if not governs(uow, viewer_of(uow, person_id), community_id):
            raise Forbidden(f"only a steward of {community_id!r} (or an admin) can do this")
        return [_view(uow, t) for t in uow.tandems.tandems(community_id=community_id)]


def end_tandem(services: Services, *, person_id: str, tandem_id: str) -> TandemView:
    with services.uow() as uow:
        row = _active(_tandem(uow, person_id, tandem_id))
        row = uow.tandems.end_tandem(row.id)
        uow.tandems.log(row.id, "ended", person_id)
        return _view(uow, row)


def log_of(services: Services, *, person_id: str, tandem_id: str) -> list[TandemEventRecord]:
    with services.uow() as uow:
        return uow.tandems.events(_tandem(uow, person_id, tandem_id).id)


# -- tasks ----------------------------------------------------------------------------------------------------


def add_task(
    services: Services,
    kit: Expertise,
    *,
    person_id: str,
    community_id: str,
    title: str,
    description: str,
    skills: Sequence[str],
) -> TaskRecord:
    """Add a task to the community's backlog (any member may)."""
    with services.uow() as uow:
        require_community(uow, community_id)
        viewer = viewer_of(uow, person_id)
        if not viewer.is_member(community_id) and not governs(uow, viewer, community_id):
            raise Forbidden(f"only members of {community_id!r} can add tasks to its backlog")
        names = list(dict.fromkeys(resolve_skill(uow, kit, s)[0].name for s in skills))
        return uow.tandems.add_task(
            community_id=community_id,
            title=title,
            description=description,
            skills=names,
            source="backlog",
            created_by=person_id,
        )


def list_tasks(services: Services, *, person_id: str, community_id: str, status: str | None) -> list[TaskRecord]:
    with services.uow() as uow:
        require_community(uow, community_id)
        viewer = viewer_of(uow, person_id)
        if not viewer.is_member(community_id) and not governs(uow, viewer, community_id):
            raise Forbidden(f"only members of {community_id!r} can see its backlog")
        return uow.tandems.tasks(community_id, status=status)


def take_task(services: Services, *, person_id: str, tandem_id: str, suggestion_id: str) -> TaskRecord:
    """The pair takes a suggested task: a backlog task, an open question or a stale guide."""
    with services.uow() as uow:
        row = _active(_tandem(uow, person_id, tandem_id, partners_only=True))
        task = _task_for(uow, row, suggestion_id, person_id)
        task = uow.tandems.take_task(task.id, row.id)
        uow.tandems.log(
            row.id, "task_taken", person_id, {"task_id": task.id, "title": task.title, "source": task.source}
        )
        return task


def _task_for(uow: UnitOfWork, tandem: TandemRecord, suggestion_id: str, person_id: str) -> TaskRecord:
    kind, _, ref = suggestion_id.partition(":")
    if kind == "task":
        task = uow.tandems.get_task(ref)
        if task is None or task.community_id != tandem.community_id:
            raise NotFound(f"task {ref!r} does not exist")
        if task.status != "open":
            raise Conflict("this task is already taken")
        return task
    if ref in uow.tandems.taken_refs(tandem.community_id):
        raise Conflict("another tandem already took this")
    title = _derived_title(uow, tandem.community_id, kind, ref)
    return uow.tandems.add_task(
        community_id=tandem.community_id,
        title=title,
        description="",
        skills=[],
        source="question" if kind == "question" else "stale_guide",
        ref=ref,
        created_by=person_id,
    )


def _derived_title(uow: UnitOfWork, community_id: str, kind: str, ref: str) -> str:
    if kind == "question":
        thread = next((t for t in uow.tandems.open_questions([community_id], limit=10_000) if t.id == ref), None)
        if thread is None:
            raise NotFound(f"no open question {ref!r} in {community_id!r}")
        return f"Answer: {thread.title}"[:300]
    if kind == "guide":
        before = datetime.now(UTC) - STALE_AFTER
        stale = next((t for gid, t in uow.tandems.stale_guides([community_id], before) if gid == ref), None)
        if stale is None:
            raise NotFound(f"no stale guide {ref!r} in {community_id!r}")
        return f"Refresh the guide: {stale.title}"[:300]
    raise InvalidInput("a suggestion id looks like task:<id>, question:<thread id> or guide:<guide id>")


def finish_task(services: Services, *, person_id: str, tandem_id: str, task_id: str) -> TaskRecord:
    with services.uow() as uow:
        row = _tandem(uow, person_id, tandem_id, partners_only=True)
        task = uow.tandems.get_task(task_id)
        if task is None or task.tandem_id != row.id:
            raise NotFound(f"this tandem has no task {task_id!r}")
        if task.status == "done":
            raise Conflict("this task is already done")
        task = uow.tandems.finish_task(task.id)
        uow.tandems.log(row.id, "task_done", person_id, {"task_id": task.id, "title": task.title})
        return task


# -- suggestions -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    fit: TaskFit
    guides: list[GuideHit]
    threads: list[ThreadSummary]


def suggestions(
    services: Services, kit: Expertise, *, person_id: str, tandem_id: str, limit: int = 5
) -> list[Suggestion]:
    """Tasks ranked by fit for the pair, each with the guides and past threads that help with it.

    Only the pair: what helps them comes from communities both may read, which a steward may not.
    """
    with services.uow() as uow:
        row = _active(_tandem(uow, person_id, tandem_id, partners_only=True))
        shared = _shared(uow, row)
        tasks = _candidate_tasks(uow, row, services.clock())
        pair = _pair(uow, kit, row, shared, tasks, services.clock())
        answered = uow.tandems.answered_threads(_conversation_communities(uow, row, shared))
    ranked = rank_tasks(tasks, pair, kit.relatedness)[:limit]
    return [
        Suggestion(f, services.search.search(f.task.text, shared, HELPERS), _threads(kit, f.task.text, answered))
        for f in ranked
    ]


def _conversation_communities(uow: UnitOfWork, row: TandemRecord, shared: list[str]) -> list[str]:
    """Of the shared communities, those both partners belong to: published guides come from every community both
    may read, raw conversations only from these (an open community shows outsiders its guides, not its threads)."""
    partners = [viewer_of(uow, p) for p in (row.junior_id, row.senior_id)]
    return [c for c in shared if all(v.is_member(c) for v in partners)]


def _shared(uow: UnitOfWork, row: TandemRecord) -> list[str]:
    """What the tandem may draw on: communities both partners may read (and see contributors of)."""
    return evidence_communities(uow, [viewer_of(uow, row.junior_id), viewer_of(uow, row.senior_id)])


def _candidate_tasks(uow: UnitOfWork, row: TandemRecord, now: datetime) -> list[Task]:
    backlog = [
        Task(
            f"task:{t.id}",
            t.title,
            " ".join([t.title, t.description, *map(readable, t.skills)]),
            tuple(t.skills),
            "backlog",
        )
        for t in uow.tandems.tasks(row.community_id, status="open")
    ]
    taken = uow.tandems.taken_refs(row.community_id)
    questions = [
        Task(f"question:{t.id}", f"Answer: {t.title}", " ".join([t.title, *map(readable, t.tags)]), source="question")
        for t in uow.tandems.open_questions([row.community_id])
        if t.id not in taken
    ]
    stale = [
        Task(
            f"guide:{gid}",
            f"Refresh the guide: {t.title}",
            " ".join([t.title, *map(readable, t.tags or [])]),
            source="stale_guide",
        )
        for gid, t in uow.tandems.stale_guides([row.community_id], now - STALE_AFTER)
        if gid not in taken
    ]
    return backlog + questions + stale


def _pair(
    uow: UnitOfWork, kit: Expertise, row: TandemRecord, shared: list[str], tasks: list[Task], now: datetime
) -> Pair:
    evidence = uow.tandems.evidence(shared, people=[row.junior_id, row.senior_id])
    learning = [n for n, kind, _ in uow.tandems.skills_of(row.junior_id) if kind == "learning"]
    mine = [n for n, kind, _ in uow.tandems.skills_of(row.senior_id) if kind == "has"] + list(
        uow.tandems.endorsed_skills(row.senior_id)
    )
    skills = sorted({*row.goals, *learning, *mine, *(s for t in tasks for s in t.skills)})
    senior = {s: skill_strength(row.senior_id, readable(s), evidence, kit.relatedness, now) for s in skills}
    wants = {**{s: LEARNING_GROWTH for s in learning}, **{g: GOAL_GROWTH for g in row.goals}}
    growth = {
        s: w * (1 - 0.5 * skill_strength(row.junior_id, readable(s), evidence, kit.relatedness, now))
        for s, w in wants.items()
    }
    names = {pid: uow.people.get(pid) for pid in (row.junior_id, row.senior_id)}
    return Pair(_handle(names[row.senior_id]), _handle(names[row.junior_id]), senior, growth)


def _handle(person: PersonRecord | None) -> str:
    return person.handle if person is not None else "former member"


def _threads(kit: Expertise, text: str, answered: list[ThreadSummary]) -> list[ThreadSummary]:
    topics = [" ".join([t.title, *map(readable, t.tags)]) for t in answered]
    scores = kit.relatedness.related(text, topics)
    ranked = sorted(zip(scores, answered, strict=True), key=lambda x: -x[0])
    return [t for s, t in ranked[:HELPERS] if s >= MIN_RELEVANCE]


# -- the AI partner --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerAnswer:
    answer: Answer
    ask: list[ExpertHit]  # who to ask when nothing relevant is known


def ask(services: Services, kit: Expertise, *, person_id: str, tandem_id: str, question: str) -> PartnerAnswer:
    """An answer grounded in what both partners may read, with citations; or plainly nothing, and who to ask."""
    if not question.strip():
        raise InvalidInput("the question is empty")
    with services.uow() as uow:
        row = _active(_tandem(uow, person_id, tandem_id, partners_only=True))
        shared = _shared(uow, row)
        answered = uow.tandems.answered_threads(_conversation_communities(uow, row, shared))
    passages = _guide_passages(services, kit, question, shared) + _thread_passages(kit, question, answered)
    answer = kit.partner.answer(question, passages)
    with services.uow() as uow:
        who = (
            []
            if not answer.nothing_known
            else experts_in(
                uow, kit, question, shared, exclude={row.junior_id, row.senior_id}, limit=3, now=services.clock()
            )
        )
        uow.tandems.log(
            row.id,
            "question_asked",
            person_id,
            {
                "question": question[:1000],
                "nothing_known": answer.nothing_known,
                "citations": [p.id for p in answer.citations],
            },
        )
    return PartnerAnswer(answer, who)


def _guide_passages(services: Services, kit: Expertise, question: str, shared: list[str]) -> list[Passage]:
    hits = services.search.search(question, shared, 5)
    guides = _published_guides(services, [h.guide_id for h in hits])
    found = [(h, guides[h.guide_id]) for h in hits if h.guide_id in guides]
    # The index's score scale is its own (dense or hybrid): relatedness is judged here, on one scale for all passages.
    scores = kit.relatedness.related(question, [f"{h.title}. {text}" for h, (_, text) in found])
    return [
        Passage(f"guide:{h.guide_id}", "guide", h.title, text, community, s)
        for (h, (community, text)), s in zip(found, scores, strict=True)
    ]


def _published_guides(services: Services, guide_ids: list[str]) -> dict[str, tuple[str, str]]:
    """Community and full text of each guide still published (the index may lag the record)."""
    with services.uow() as uow:
        found = [uow.guides.get(g) for g in guide_ids]
        records = [r for r in found if r is not None and r.status == "published"]
    return {r.id: (r.community_id, _guide_text(r.content)) for r in records}


def _guide_text(content: dict) -> str:
    sentences = [s.get("text", "") for section in (content.get("sections") or {}).values() for s in section]
    return " ".join(sentences)[:GUIDE_CHARS]


def _thread_passages(kit: Expertise, question: str, answered: list[ThreadSummary]) -> list[Passage]:
    if not answered:
        return []
    by_topic = kit.relatedness.related(question, [" ".join([t.title, *map(readable, t.tags)]) for t in answered])
    top = [t for _, t in sorted(zip(by_topic, answered, strict=True), key=lambda x: -x[0])[:5]]
    by_text = kit.relatedness.related(question, [f"{t.title}. {t.answer_text}" for t in top])
    return [
        Passage(f"thread:{t.id}", "thread", t.title, t.answer_text, t.community_id, s, t.answer_author, t.url)
        for t, s in zip(top, by_text, strict=True)
    ]
