"""Skills, endorsements and "who knows X?": expertise located from peers' word and from the knowledge itself."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from prompts.llm import LLM
from retrieval.ports import Embedder
from store.tables import PersonRow, SkillRow
from store.tandem_repository import DEFAULT_CAPACITY, TandemRepository
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


def resolve_skill(repo: TandemRepository, kit: Expertise, label: str) -> tuple[SkillRow, Resolved]:
    """The vocabulary's skill for a typed label: synonyms merge into the existing skill, new ones are added."""
    try:
        resolved = Vocabulary(repo.vocabulary(), kit.relatedness).resolve(label)
    except InvalidSkill as exc:
        raise InvalidInput(str(exc)) from exc
    return repo.ensure_skill(resolved.skill, alias=resolved.merged_from), resolved


def vocabulary(services: Services, *, person_id: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """(name, label, aliases) of the skills with evidence the person may read: a skill named only inside a
    restricted or confidential community stays there."""
    with services.db.session() as session:
        repo = TandemRepository(session)
        communities = readable_communities(repo, viewer_of(repo, person_id))
        visible = repo.skill_names_in_use(communities, person_id)
        return [(s.name, s.label, s.aliases) for s in repo.vocabulary() if s.name in visible]


def add_skill(services: Services, kit: Expertise, *, person_id: str, label: str, kind: str) -> Resolved:
    """Tag yourself with a skill you have, or one you are learning."""
    if kind not in SKILL_KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(SKILL_KINDS)}")
    with services.db.session() as session:
        repo = TandemRepository(session)
        row, resolved = resolve_skill(repo, kit, label)
        repo.set_person_skill(person_id, row.id, kind)
    return resolved


def remove_skill(services: Services, *, person_id: str, name: str) -> None:
    with services.db.session() as session:
        repo = TandemRepository(session)
        row = repo.skill_row(_canonical(name))
        if row is None or not repo.remove_person_skill(person_id, row.id):
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
    with services.db.session() as session:
        repo = TandemRepository(session)
        row = repo.profile(person_id)
        return Profile(row.hidden, row.mentoring_capacity, repo.skills_of(person_id), repo.endorsed_skills(person_id))


def update_profile(
    services: Services, *, person_id: str, hidden: bool | None, mentoring_capacity: int | None
) -> Profile:
    """Your own choices: hidden from "who knows X?" and from pair suggestions; how many tandems you mentor."""
    with services.db.session() as session:
        row = TandemRepository(session).profile(person_id, create=True)
        if hidden is not None:
            row.hidden = hidden
        if mentoring_capacity is not None:
            row.mentoring_capacity = mentoring_capacity
    return profile(services, person_id=person_id)


def endorse(services: Services, kit: Expertise, *, endorser_id: str, handle: str, label: str) -> str:
    """Vouch for a colleague's skill, once; never your own. Returns the skill's name."""
    with services.db.session() as session:
        repo = TandemRepository(session)
        person = _colleague(repo, viewer_of(repo, endorser_id), handle)
        if person.id == endorser_id:
            raise Forbidden("you cannot endorse yourself")
        row, _ = resolve_skill(repo, kit, label)
        if repo.endorsement_exists(endorser_id, person.id, row.id):
            raise Conflict(f"you already endorsed {handle} for {row.name}")
        repo.add_endorsement(endorser_id, person.id, row.id)
        return row.name


def _colleague(repo: TandemRepository, viewer: Viewer, handle: str) -> PersonRow:
    """Someone who shares a community with the viewer (else 404: who belongs where is not disclosed)."""
    person = repo.person_by_handle(handle)
    if person is None or not (set(repo.communities_of(person.id)) & set(viewer.roles) or person.id == viewer.person_id):
        raise NotFound(f"no colleague with handle {handle!r}")
    return person


# -- who knows X? -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpertHit:
    person_id: str
    handle: str
    display_name: str
    scored: ExpertScore


def evidence_communities(repo: TandemRepository, viewers: Sequence[Viewer]) -> list[str]:
    """Communities every viewer may read, without Chatham House ones where any viewer would learn who said what."""
    shared = set.intersection(*(set(readable_communities(repo, v)) for v in viewers))
    out = []
    for community_id in sorted(shared):
        community = require_community(repo, community_id)
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
    with services.db.session() as session:
        repo = TandemRepository(session)
        viewer = viewer_of(repo, person_id)
        communities = evidence_communities(repo, [viewer])
        if community_id is not None:
            require_community(repo, community_id)
            if community_id not in readable_communities(repo, viewer):
                raise Forbidden(f"community {community_id!r} is members-only and you are not a member")
            communities = [c for c in communities if c == community_id]
        return experts_in(repo, kit, query, communities, exclude={person_id}, limit=limit, now=services.clock())


def experts_in(
    repo: TandemRepository,
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
    members = repo.members_of(communities)
    listed = set(members) - repo.hidden_people() - exclude
    evidence = repo.evidence(communities, people=sorted(listed))
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
    with services.db.session() as session:
        repo = TandemRepository(session)
        viewer = viewer_of(repo, person_id)
        require_community(repo, community_id)
        person = repo.person_by_handle(junior)
        if person is None or not repo.role_of(community_id, person.id):
            raise NotFound(f"{junior!r} is not a member of {community_id!r}")
        if person.id != person_id and not governs(repo, viewer, community_id):
            raise Forbidden("only the junior or a steward of the community can ask for pair suggestions")
        names = [resolve_skill(repo, kit, g)[0].name for g in goals] or [
            name for name, kind, _ in repo.skills_of(person.id) if kind == "learning"
        ]
        if not names:
            raise InvalidInput(f"{junior} has no learning goals: give goals, or add skills with kind 'learning'")
        return names, _pairs(repo, kit, community_id, person.id, names, limit, services.clock())


def _pairs(
    repo: TandemRepository,
    kit: Expertise,
    community_id: str,
    junior_id: str,
    goals: list[str],
    limit: int,
    now: datetime,
) -> list[PairHit]:
    members = repo.members_of([community_id])
    by_person: dict[str, list[Evidence]] = defaultdict(list)
    for item in repo.evidence([community_id], people=list(members)):
        by_person[item.person_id].append(item)
    hidden, load, capacity = repo.hidden_people(), repo.active_as_senior(), repo.capacities()

    def strength(pid: str, goal: str) -> float:
        return skill_strength(pid, readable(goal), by_person[pid], kit.relatedness, now)

    lack = {g: 1.0 - 0.8 * strength(junior_id, g) for g in goals}
    candidates = [
        Candidate(pid, {g: strength(pid, g) for g in goals}, load.get(pid, 0), capacity.get(pid, DEFAULT_CAPACITY))
        for pid in members
        if pid not in hidden and pid != junior_id
    ]
    ranked = suggest_seniors(
        lack, candidates, junior_id=junior_id, past_seniors=repo.seniors_of(junior_id), limit=limit
    )
    return [PairHit(members[s.person_id].handle, members[s.person_id].display_name, s) for s in ranked]
