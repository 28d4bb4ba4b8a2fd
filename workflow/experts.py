"""Skills, endorsements and "who knows X?": expertise located from peers' word and from the knowledge itself."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from prompts.llm import LLM
from retrieval.ports import Embedder
from store.records import PersonRecord, SkillRecord
from store.repositories.tandems import DEFAULT_CAPACITY
from store.uow import UnitOfWork
from tandem.evidence import Evidence
from tandem.experts import ExpertScore, rank_experts, skill_strength
from tandem.pairs import Candidate, PairSuggestion, suggest_seniors
from tandem.partner import LLMPartner, OfflinePartner, Partner
from tandem.relatedness import Relatedness
from tandem.skills import InvalidSkill, Resolved, Vocabulary, canonical, readable
from workflow.access import Viewer, governs, readable_communities, require_community, sees_identities, viewer_of
from workflow.errors import Conflict, Forbidden, InvalidInput, NotFound
from workflow.services import Services

SKILL_KINDS = ("has", "learning")


@dataclass(frozen=True)
class Expertise:
    """What expertise location and tandems need besides Services: relatedness by meaning and the AI partner."""

    relatedness: Relatedness
    partner: Partner


def expertise_for(embedder: Embedder | None, llm: LLM | None) -> Expertise:
    """Relatedness by the embedder's meaning (shared words without one); the LLM partner when an LLM is set."""
    offline = OfflinePartner()
    return Expertise(Relatedness(embedder), LLMPartner(llm, offline) if llm is not None else offline)


# -- vocabulary and a person's own skills -------------------------------------------------------------------


def resolve_skill(uow: UnitOfWork, kit: Expertise, label: str) -> tuple[SkillRecord, Resolved]:
    """The vocabulary's skill for a typed label: synonyms merge into the existing skill, new ones are added."""
    try:
        resolved = Vocabulary(uow.tandems.vocabulary(), kit.relatedness).resolve(label)
    except InvalidSkill as exc:
        raise InvalidInput(str(exc)) from exc
    return uow.tandems.ensure_skill(resolved.skill, alias=resolved.merged_from), resolved


def vocabulary(services: Services) -> list[tuple[str, str, tuple[str, ...]]]:
    """(name, label, aliases) of every skill the organisation knows."""
    with services.uow() as uow:
        return [(s.name, s.label, s.aliases) for s in uow.tandems.vocabulary()]


def add_skill(services: Services, kit: Expertise, *, person_id: str, label: str, kind: str) -> Resolved:
    """Tag yourself with a skill you have, or one you are learning."""
    if kind not in SKILL_KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(SKILL_KINDS)}")
    with services.uow() as uow:
        skill, resolved = resolve_skill(uow, kit, label)
        uow.tandems.set_person_skill(person_id, skill.id, kind)
    return resolved


def remove_skill(services: Services, *, person_id: str, name: str) -> None:
    with services.uow() as uow:
        skill = uow.tandems.skill(_canonical(name))
        if skill is None or not uow.tandems.remove_person_skill(person_id, skill.id):
            raise NotFound(f"you have no skill {name!r}")


def _canonical(label: str) -> str:
    try:
        return canonical(label)
    except InvalidSkill as exc:
        raise InvalidInput(str(exc)) from exc


@dataclass(frozen=True)
class Profile:
    hidden: bool
    mentoring_capacity: int
    skills: list[tuple[str, str, int]]  # name, has|learning, endorsements
    endorsed: dict[str, int]  # every skill others endorsed you for


def profile(services: Services, *, person_id: str) -> Profile:
    with services.uow() as uow:
        row = uow.tandems.profile(person_id)
        return Profile(
            row.hidden, row.mentoring_capacity, uow.tandems.skills_of(person_id), uow.tandems.endorsed_skills(person_id)
        )


def update_profile(
    services: Services, *, person_id: str, hidden: bool | None, mentoring_capacity: int | None
) -> Profile:
    """Your own choices: hidden from "who knows X?" and from pair suggestions; how many tandems you mentor."""
    with services.uow() as uow:
        uow.tandems.update_profile(person_id, hidden=hidden, mentoring_capacity=mentoring_capacity)
    return profile(services, person_id=person_id)


def endorse(services: Services, kit: Expertise, *, endorser_id: str, handle: str, label: str) -> str:
    """Vouch for a colleague's skill, once; never your own. Returns the skill's name."""
    with services.uow() as uow:
        person = _colleague(uow, viewer_of(uow, endorser_id), handle)
        if person.id == endorser_id:
            raise Forbidden("you cannot endorse yourself")
        skill, _ = resolve_skill(uow, kit, label)
        if uow.tandems.endorsement_exists(endorser_id, person.id, skill.id):
            raise Conflict(f"you already endorsed {handle} for {skill.name}")
        uow.tandems.add_endorsement(endorser_id, person.id, skill.id)
        return skill.name


def _colleague(uow: UnitOfWork, viewer: Viewer, handle: str) -> PersonRecord:
    """Someone who shares a community with the viewer (else 404: who belongs where is not disclosed)."""
    person = uow.people.by_handle(handle)
    shared = person is not None and set(uow.communities.communities_of(person.id)) & set(viewer.roles)
    if person is None or not (shared or person.id == viewer.person_id):
        raise NotFound(f"no colleague with handle {handle!r}")
    return person


# -- who knows X? -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpertHit:
    person_id: str
    handle: str
    display_name: str
    scored: ExpertScore


def evidence_communities(uow: UnitOfWork, viewers: Sequence[Viewer]) -> list[str]:
    """Communities every viewer may read, without Chatham House ones where any viewer would learn who said what."""
    shared = set.intersection(*(set(readable_communities(uow, v)) for v in viewers))
    out = []
    for community_id in sorted(shared):
        community = require_community(uow, community_id)
        if all(sees_identities(v, community) for v in viewers):
            out.append(community_id)
    return out


def find_experts(
    services: Services, kit: Expertise, *, person_id: str, query: str, community_id: str | None = None, limit: int = 10
) -> list[ExpertHit]:
    """People ranked by peer validation and evidence about the query, from what the asker may read; opted-out
    people and the asker are left out."""
    if not query.strip():
        raise InvalidInput("say what you need someone to know, e.g. ?q=python scripting")
    with services.uow() as uow:
        viewer = viewer_of(uow, person_id)
        communities = evidence_communities(uow, [viewer])
        if community_id is not None:
            require_community(uow, community_id)
            if community_id not in readable_communities(uow, viewer):
                raise Forbidden(f"community {community_id!r} is members-only and you are not a member")
            communities = [c for c in communities if c == community_id]
        return experts_in(uow, kit, query, communities, exclude={person_id}, limit=limit, now=services.clock())


def experts_in(
    uow: UnitOfWork,
    kit: Expertise,
    query: str,
    communities: list[str],
    *,
    exclude: set[str],
    limit: int,
    now: datetime,
) -> list[ExpertHit]:
    """Listed members of these communities ranked on the evidence from them."""
    if not communities:
        return []
    members = uow.communities.members_of(communities)
    listed = set(members) - uow.tandems.hidden_people() - exclude
    evidence = uow.tandems.evidence(communities, people=sorted(listed))
    ranked = rank_experts(query, evidence, kit.relatedness, now, limit=limit)
    return [ExpertHit(s.person_id, members[s.person_id].handle, members[s.person_id].display_name, s) for s in ranked]


# -- pairs ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PairHit:
    handle: str
    display_name: str
    suggestion: PairSuggestion


def suggest_pairs(
    services: Services,
    kit: Expertise,
    *,
    person_id: str,
    community_id: str,
    junior: str,
    goals: Sequence[str] = (),
    limit: int = 5,
) -> tuple[list[str], list[PairHit]]:
    """Seniors for a junior in a community: strong in the junior's goals (their learning skills by default),
    with room for a tandem, and not a senior they already had. Returns the goals used and the suggestions."""
    with services.uow() as uow:
        viewer = viewer_of(uow, person_id)
        require_community(uow, community_id)
        person = uow.people.by_handle(junior)
        if person is None or not uow.communities.role_of(community_id, person.id):
            raise NotFound(f"{junior!r} is not a member of {community_id!r}")
        if person.id != person_id and not governs(uow, viewer, community_id):
            raise Forbidden("only the junior or a steward of the community can ask for pair suggestions")
        names = [resolve_skill(uow, kit, g)[0].name for g in goals] or [
            name for name, kind, _ in uow.tandems.skills_of(person.id) if kind == "learning"
        ]
        if not names:
            raise InvalidInput(f"{junior} has no learning goals: give goals, or add skills with kind 'learning'")
        return names, _pairs(uow, kit, community_id, person.id, names, limit, services.clock())


def _pairs(
    uow: UnitOfWork,
    kit: Expertise,
    community_id: str,
    junior_id: str,
    goals: list[str],
    limit: int,
    now: datetime,
) -> list[PairHit]:
    members = uow.communities.members_of([community_id])
    by_person: dict[str, list[Evidence]] = defaultdict(list)
    for item in uow.tandems.evidence([community_id], people=list(members)):
        by_person[item.person_id].append(item)
    hidden, load, capacity = uow.tandems.hidden_people(), uow.tandems.active_as_senior(), uow.tandems.capacities()

    def strength(pid: str, goal: str) -> float:
        return skill_strength(pid, readable(goal), by_person[pid], kit.relatedness, now)

    lack = {g: 1.0 - 0.8 * strength(junior_id, g) for g in goals}
    candidates = [
        Candidate(pid, {g: strength(pid, g) for g in goals}, load.get(pid, 0), capacity.get(pid, DEFAULT_CAPACITY))
        for pid in members
        if pid not in hidden and pid != junior_id
    ]
    ranked = suggest_seniors(
        lack, candidates, junior_id=junior_id, past_seniors=uow.tandems.seniors_of(junior_id), limit=limit
    )
    return [PairHit(members[s.person_id].handle, members[s.person_id].display_name, s) for s in ranked]
