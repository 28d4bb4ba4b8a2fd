"""Expertise location and tandems: skills, endorsements, "who knows X?", tandems, tasks, the AI partner."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from api.auth import PersonDep, ServicesDep
from store.records import TandemEventRecord, TaskRecord
from tandem.skills import Resolved
from workflow import experts, tandems
from workflow.experts import ExpertHit, Expertise, Profile, expertise_for

router = APIRouter(prefix="/v1", tags=["tandems"])

SkillName = Field(min_length=1, max_length=60, description="A skill in your words; synonyms merge into one skill.")


def expertise_of(request: Request) -> Expertise:
    """Built once per app from the running Tacit's embedder and LLM (if any)."""
    state = request.app.state
    if getattr(state, "expertise", None) is None:
        tacit = state.tacit
        state.expertise = expertise_for(tacit.embedder, tacit.llm)
    return state.expertise


KitDep = Annotated[Expertise, Depends(expertise_of)]


# -- schemas ---------------------------------------------------------------------------------------------------


class SkillIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = SkillName
    kind: Literal["has", "learning"] = "has"


class SkillOut(BaseModel):
    name: str = Field(description="The skill's name in the organisation's vocabulary.")
    new: bool = Field(description="True when this added a skill to the vocabulary.")
    merged_from: str | None = Field(default=None, description="What you typed, when it merged into an existing skill.")


class VocabularyOut(BaseModel):
    name: str
    label: str
    aliases: list[str]


class MySkillOut(BaseModel):
    name: str
    kind: str
    endorsements: int


class ExpertiseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hidden: bool | None = Field(
        default=None, description="True: never listed in 'who knows X?' nor suggested as a senior."
    )
    mentoring_capacity: int | None = Field(
        default=None, ge=0, le=10, description="Tandems you mentor at once; 0: none."
    )


class ExpertiseOut(BaseModel):
    hidden: bool
    mentoring_capacity: int
    skills: list[MySkillOut]
    endorsed: dict[str, int] = Field(description="skill -> how many colleagues endorsed you for it")


class EndorsementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    skill: str = SkillName


class EndorsementOut(BaseModel):
    person: str
    skill: str


class ReasonOut(BaseModel):
    kind: str = Field(description="endorsement | guide | accepted_answer | answer | nudge_answered | declared_skill")
    count: int
    points: float
    examples: list[str]


class ExpertOut(BaseModel):
    handle: str
    display_name: str
    score: float
    explanation: str
    reasons: list[ReasonOut]


class ExpertsOut(BaseModel):
    query: str
    experts: list[ExpertOut]


class TandemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    community: str = Field(min_length=1, max_length=64)
    junior: str = Field(min_length=1, max_length=100, description="Handle of the person growing.")
    senior: str = Field(min_length=1, max_length=100, description="Handle of the person mentoring.")
    goals: list[str] = Field(default_factory=list, max_length=10, description="Skills the junior wants to grow in.")


class ProgressOut(BaseModel):
    tasks_taken: int
    tasks_done: int
    questions_asked: int
    guides_produced: int


class TandemOut(BaseModel):
    id: str
    community_id: str
    junior: str
    senior: str
    goals: list[str]
    status: str
    created_at: datetime
    progress: ProgressOut


class TaskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=5000)
    skills: list[str] = Field(default_factory=list, max_length=10)


class TaskOut(BaseModel):
    id: str
    community_id: str
    title: str
    description: str
    skills: list[str]
    source: str
    ref: str | None
    tandem_id: str | None
    status: str


class TakeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    suggestion_id: str = Field(min_length=3, max_length=80, description="task:<id>, question:<thread id> or guide:<id>")


class HelperOut(BaseModel):
    kind: str
    id: str
    title: str
    url: str | None = None


class SuggestionOut(BaseModel):
    suggestion_id: str
    title: str
    source: str
    fit: float
    mentoring: float
    stretch: float
    explanation: str
    helpful: list[HelperOut]


class AskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1, max_length=2000)


class CitationOut(BaseModel):
    n: int
    id: str
    kind: str
    title: str
    community_id: str
    author: str
    url: str | None
    excerpt: str


class AskOut(BaseModel):
    answer: str
    nothing_known: bool
    engine: str
    citations: list[CitationOut]
    ask: list[ExpertOut] = Field(description="Who may know, when nothing relevant is written down.")


class EventOut(BaseModel):
    at: datetime
    kind: str
    actor_id: str | None
    details: dict[str, Any]


class PairOut(BaseModel):
    handle: str
    display_name: str
    score: float
    covers: list[str]
    explanation: str


class PairsOut(BaseModel):
    junior: str
    goals: list[str]
    seniors: list[PairOut]


# -- converters ------------------------------------------------------------------------------------------------


def skill_out(r: Resolved) -> SkillOut:
    return SkillOut(name=r.skill.name, new=r.new, merged_from=r.merged_from)


def expertise_out(p: Profile) -> ExpertiseOut:
    return ExpertiseOut(
        hidden=p.hidden,
        mentoring_capacity=p.mentoring_capacity,
        endorsed=p.endorsed,
        skills=[MySkillOut(name=n, kind=k, endorsements=e) for n, k, e in p.skills],
    )


def expert_out(hit: ExpertHit) -> ExpertOut:
    s = hit.scored
    return ExpertOut(
        handle=hit.handle,
        display_name=hit.display_name,
        score=round(s.score, 4),
        explanation=s.explanation(),
        reasons=[
            ReasonOut(kind=str(r.kind), count=r.count, points=round(r.points, 4), examples=list(r.examples))
            for r in s.reasons
        ],
    )


def tandem_out(v: tandems.TandemView) -> TandemOut:
    r, p = v.row, v.progress
    return TandemOut(
        id=r.id,
        community_id=r.community_id,
        junior=v.junior,
        senior=v.senior,
        goals=list(r.goals),
        status=r.status,
        created_at=r.created_at,
        progress=ProgressOut(
            tasks_taken=p.tasks_taken,
            tasks_done=p.tasks_done,
            questions_asked=p.questions_asked,
            guides_produced=p.guides_produced,
        ),
    )


def task_out(t: TaskRecord) -> TaskOut:
    return TaskOut(
        id=t.id,
        community_id=t.community_id,
        title=t.title,
        description=t.description,
        skills=list(t.skills),
        source=t.source,
        ref=t.ref,
        tandem_id=t.tandem_id,
        status=t.status,
    )


def suggestion_out(s: tandems.Suggestion) -> SuggestionOut:
    f = s.fit
    helpful = [HelperOut(kind="guide", id=g.guide_id, title=g.title) for g in s.guides] + [
        HelperOut(kind="thread", id=t.id, title=t.title, url=t.url) for t in s.threads
    ]
    return SuggestionOut(
        suggestion_id=f.task.id,
        title=f.task.title,
        source=f.task.source,
        fit=round(f.fit, 4),
        mentoring=round(f.mentoring, 4),
        stretch=round(f.stretch, 4),
        explanation=f.explanation,
        helpful=helpful,
    )


def event_out(e: TandemEventRecord) -> EventOut:
    return EventOut(at=e.at, kind=e.kind, actor_id=e.actor_id, details=e.details)


# -- skills, endorsements, experts ------------------------------------------------------------------------------


@router.get("/skills", response_model=list[VocabularyOut])
def vocabulary(services: ServicesDep, person: PersonDep) -> list[VocabularyOut]:
    """The organisation's skill vocabulary, with the synonyms merged into each skill."""
    return [VocabularyOut(name=n, label=label, aliases=list(a)) for n, label, a in experts.vocabulary(services)]


@router.get("/me/expertise", response_model=ExpertiseOut)
def my_expertise(services: ServicesDep, person: PersonDep) -> ExpertiseOut:
    """Your skills, the endorsements you received, and your listing and mentoring choices."""
    return expertise_out(experts.profile(services, person_id=person.id))


@router.patch("/me/expertise", response_model=ExpertiseOut)
def update_expertise(body: ExpertiseIn, services: ServicesDep, person: PersonDep) -> ExpertiseOut:
    """Opt out of being listed as an expert (hidden), or set how many tandems you mentor at once."""
    return expertise_out(
        experts.update_profile(
            services, person_id=person.id, hidden=body.hidden, mentoring_capacity=body.mentoring_capacity
        )
    )


@router.post("/me/skills", response_model=SkillOut, status_code=201)
def add_skill(body: SkillIn, services: ServicesDep, person: PersonDep, kit: KitDep) -> SkillOut:
    """Tag yourself with a skill you have (kind=has) or are growing in (kind=learning)."""
    return skill_out(experts.add_skill(services, kit, person_id=person.id, label=body.name, kind=body.kind))


@router.delete("/me/skills/{name}", status_code=204)
def remove_skill(name: str, services: ServicesDep, person: PersonDep) -> Response:
    experts.remove_skill(services, person_id=person.id, name=name)
    return Response(status_code=204)


@router.post("/people/{handle}/endorsements", response_model=EndorsementOut, status_code=201)
def endorse(handle: str, body: EndorsementIn, services: ServicesDep, person: PersonDep, kit: KitDep) -> EndorsementOut:
    """Endorse a colleague's skill: once per skill, never your own."""
    skill = experts.endorse(services, kit, endorser_id=person.id, handle=handle, label=body.skill)
    return EndorsementOut(person=handle, skill=skill)


@router.get("/experts", response_model=ExpertsOut)
def find_experts(
    services: ServicesDep,
    person: PersonDep,
    kit: KitDep,
    q: str = Query(min_length=1, max_length=500, description="What you need someone to know, e.g. python scripting."),
    community: str | None = Query(default=None, description="Only evidence from this community."),
    limit: int = Query(default=10, ge=1, le=50),
) -> ExpertsOut:
    """Who knows X? People ranked by endorsements and by evidence (guides, answers, nudges answered) that you may
    read, with the reasons; people who opted out are never listed."""
    hits = experts.find_experts(services, kit, person_id=person.id, query=q, community_id=community, limit=limit)
    return ExpertsOut(query=q, experts=[expert_out(h) for h in hits])


# -- tandems --------------------------------------------------------------------------------------------------


@router.post("/tandems", response_model=TandemOut, status_code=201)
def create_tandem(body: TandemIn, services: ServicesDep, person: PersonDep, kit: KitDep) -> TandemOut:
    """Pair a junior with a senior on some goals (a steward of the community, or one of the pair)."""
    return tandem_out(
        tandems.create_tandem(
            services,
            kit,
            person_id=person.id,
            community_id=body.community,
            junior=body.junior,
            senior=body.senior,
            goals=body.goals,
        )
    )


@router.get("/me/tandems", response_model=list[TandemOut])
def my_tandems(services: ServicesDep, person: PersonDep) -> list[TandemOut]:
    return [tandem_out(v) for v in tandems.my_tandems(services, person_id=person.id)]


@router.get("/tandems/{tandem_id}", response_model=TandemOut)
def get_tandem(tandem_id: str, services: ServicesDep, person: PersonDep) -> TandemOut:
    """The tandem and its progress (the pair, and the community's stewards)."""
    return tandem_out(tandems.get_tandem(services, person_id=person.id, tandem_id=tandem_id))


@router.post("/tandems/{tandem_id}/end", response_model=TandemOut)
def end_tandem(tandem_id: str, services: ServicesDep, person: PersonDep) -> TandemOut:
    return tandem_out(tandems.end_tandem(services, person_id=person.id, tandem_id=tandem_id))


@router.get("/tandems/{tandem_id}/suggestions", response_model=list[SuggestionOut])
def suggestions(
    tandem_id: str, services: ServicesDep, person: PersonDep, kit: KitDep, limit: int = Query(default=5, ge=1, le=20)
) -> list[SuggestionOut]:
    """Tasks ranked by fit: the senior strong where the junior wants to grow; with helpful guides and threads."""
    found = tandems.suggestions(services, kit, person_id=person.id, tandem_id=tandem_id, limit=limit)
    return [suggestion_out(s) for s in found]


@router.post("/tandems/{tandem_id}/tasks", response_model=TaskOut, status_code=201)
def take_task(tandem_id: str, body: TakeIn, services: ServicesDep, person: PersonDep) -> TaskOut:
    """Take a suggested task (its suggestion_id)."""
    return task_out(
        tandems.take_task(services, person_id=person.id, tandem_id=tandem_id, suggestion_id=body.suggestion_id)
    )


@router.post("/tandems/{tandem_id}/tasks/{task_id}/done", response_model=TaskOut)
def finish_task(tandem_id: str, task_id: str, services: ServicesDep, person: PersonDep) -> TaskOut:
    return task_out(tandems.finish_task(services, person_id=person.id, tandem_id=tandem_id, task_id=task_id))


@router.post("/tandems/{tandem_id}/ask", response_model=AskOut)
def ask(tandem_id: str, body: AskIn, services: ServicesDep, person: PersonDep, kit: KitDep) -> AskOut:
    """Ask the AI partner: an answer from guides and threads both partners may read, with citations; or plainly
    that nothing relevant is known, and who may know."""
    out = tandems.ask(services, kit, person_id=person.id, tandem_id=tandem_id, question=body.question)
    a = out.answer
    citations = [
        CitationOut(
            n=n,
            id=p.id,
            kind=p.kind,
            title=p.title,
            community_id=p.community_id,
            author=p.author,
            url=p.url,
            excerpt=p.text[:280],
        )
        for n, p in enumerate(a.citations, 1)
    ]
    return AskOut(
        answer=a.text,
        nothing_known=a.nothing_known,
        engine=a.engine,
        citations=citations,
        ask=[expert_out(h) for h in out.ask],
    )


@router.get("/tandems/{tandem_id}/log", response_model=list[EventOut])
def tandem_log(tandem_id: str, services: ServicesDep, person: PersonDep) -> list[EventOut]:
    """The tandem's progress log, newest first."""
    return [event_out(e) for e in tandems.log_of(services, person_id=person.id, tandem_id=tandem_id)]


# -- a community's backlog, tandems and pairs --------------------------------------------------------------------


@router.post("/communities/{community_id}/tasks", response_model=TaskOut, status_code=201)
def add_task(community_id: str, body: TaskIn, services: ServicesDep, person: PersonDep, kit: KitDep) -> TaskOut:
    """Add a task to the community's backlog (members)."""
    return task_out(
        tandems.add_task(
            services,
            kit,
            person_id=person.id,
            community_id=community_id,
            title=body.title,
            description=body.description,
            skills=body.skills,
        )
    )


@router.get("/communities/{community_id}/tasks", response_model=list[TaskOut])
def list_tasks(
    community_id: str,
    services: ServicesDep,
    person: PersonDep,
    status: Literal["open", "taken", "done"] | None = None,
) -> list[TaskOut]:
    return [
        task_out(t) for t in tandems.list_tasks(services, person_id=person.id, community_id=community_id, status=status)
    ]


@router.get("/communities/{community_id}/tandems", response_model=list[TandemOut])
def community_tandems(community_id: str, services: ServicesDep, person: PersonDep) -> list[TandemOut]:
    """Stewards: every tandem of the community with its progress."""
    return [tandem_out(v) for v in tandems.community_tandems(services, person_id=person.id, community_id=community_id)]


@router.get("/communities/{community_id}/pair-suggestions", response_model=PairsOut)
def pair_suggestions(
    community_id: str,
    services: ServicesDep,
    person: PersonDep,
    kit: KitDep,
    junior: str = Query(min_length=1, max_length=100),
    goals: list[str] = Query(default=[], max_length=10, description="Default: the junior's learning skills."),
    limit: int = Query(default=5, ge=1, le=20),
) -> PairsOut:
    """Seniors for a junior: strong in the junior's goals, with room for a tandem, never the same senior twice."""
    used, hits = experts.suggest_pairs(
        services, kit, person_id=person.id, community_id=community_id, junior=junior, goals=goals, limit=limit
    )
    return PairsOut(
        junior=junior,
        goals=used,
        seniors=[
            PairOut(
                handle=h.handle,
                display_name=h.display_name,
                score=round(h.suggestion.score, 4),
                covers=list(h.suggestion.covers),
                explanation=h.suggestion.explanation,
            )
            for h in hits
        ],
    )
