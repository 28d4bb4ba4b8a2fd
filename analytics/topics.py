"""Topics in the words of the skills vocabulary, so a thread tagged "Postgres" and a tandem on "postgresql" meet."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from analytics.model import Records
from tandem.skills import InvalidSkill, Skill, canonical


def skill_names(skills: Sequence[Skill]) -> dict[str, str]:
    """Every name and merged synonym of the vocabulary -> the skill's name."""
    names = {}
    for skill in skills:
        names[skill.name] = skill.name
        for alias in skill.aliases:
            names.setdefault(canonical_or_same(alias), skill.name)
    return names


def canonical_or_same(tag: str) -> str:
    """A tag folded like a skill name ("Postgres" -> "postgresql"); one that cannot name a skill stays as it is."""
    try:
        return canonical(tag)
    except InvalidSkill:
        return tag.strip().lower()


def in_skill_terms(records: Records, skills: Sequence[Skill]) -> Records:
    """The records with each thread's and guide's topics named as the vocabulary names them."""
    known = skill_names(skills)
    cache: dict[str, str] = {}

    def named(tags: Iterable[str]) -> tuple[str, ...]:
        out = []
        for tag in tags:
            if tag not in cache:
                folded = canonical_or_same(tag)
                cache[tag] = known.get(folded, folded)
            out.append(cache[tag])
        return tuple(dict.fromkeys(out))  # two tags naming one skill count once

    posts = tuple(p if (t := named(p.topics)) == p.topics else replace(p, topics=t) for p in records.posts)
    guides = tuple(g if (t := named(g.topics)) == g.topics else replace(g, topics=t) for g in records.guides)
    return replace(records, posts=posts, guides=guides)
