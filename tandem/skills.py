"""The organisation's skill vocabulary: labels people type are normalized, and synonyms merged by meaning."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from tandem.relatedness import Relatedness

# Abbreviations no embedding model reliably maps to their long form.
ALIASES = {
    "py": "python",
    "python3": "python",
    "k8s": "kubernetes",
    "js": "javascript",
    "ts": "typescript",
    "postgres": "postgresql",
    "pg": "postgresql",
    "psql": "postgresql",
    "golang": "go",
    "tf": "terraform",
    "ml": "machine-learning",
    "ci": "continuous-integration",
    "gh-actions": "github-actions",
}
MAX_LABEL = 60
MERGE_SIMILARITY = 0.85  # cosine (or trigram Dice) at which two labels name the same skill
_JUNK = re.compile(r"[^a-z0-9+#.]+")
_WORDS = re.compile(r"[a-z0-9+#-]+")


class InvalidSkill(ValueError):
    """The label cannot name a skill (empty, or too long)."""


@dataclass(frozen=True)
class Skill:
    name: str  # canonical: lower-case words joined by "-"
    label: str  # as first typed
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Resolved:
    """Which skill a typed label names; `new` when the vocabulary has no such skill yet."""

    skill: Skill
    new: bool
    merged_from: str | None = None  # the label typed, when merged into an existing skill by meaning
    similarity: float = 1.0


def canonical(label: str) -> str:
    """Lower-case, punctuation folded into "-", known abbreviations expanded: "Postgres " -> "postgresql"."""
    name = _JUNK.sub("-", label.strip().lower()).strip("-.")
    if not name:
        raise InvalidSkill("a skill needs a name, e.g. 'python' or 'postgresql'")
    if len(name) > MAX_LABEL:
        raise InvalidSkill(f"a skill name has at most {MAX_LABEL} characters")
    return ALIASES.get(name, name)


def expand(text: str) -> str:
    """The text with the long form of every abbreviation in it added: "pg index" -> "pg index postgresql"."""
    extra = [readable(ALIASES[w]) for w in _WORDS.findall(text.lower()) if w in ALIASES]
    return " ".join([text, *dict.fromkeys(extra)])


def readable(name: str) -> str:
    """The words of a canonical name, for matching text: "machine-learning" -> "machine learning"."""
    return name.replace("-", " ")


class Vocabulary:
    """The known skills; `resolve` maps a typed label to one of them or to a new one."""

    def __init__(self, skills: Sequence[Skill], relatedness: Relatedness, merge_at: float = MERGE_SIMILARITY) -> None:
        self.skills = list(skills)
        self._relatedness = relatedness
        self._merge_at = merge_at

    def resolve(self, label: str) -> Resolved:
        """The skill this label names: exact name or alias first, else the closest in meaning above the bar."""
        name = canonical(label)
        for skill in self.skills:
            if name == skill.name or name in skill.aliases:
                return Resolved(skill, new=False)
        if self.skills:
            scores = self._relatedness.similarity(readable(name), [readable(s.name) for s in self.skills])
            best = max(range(len(scores)), key=scores.__getitem__)
            if scores[best] >= self._merge_at:
                return Resolved(self.skills[best], new=False, merged_from=name, similarity=scores[best])
        return Resolved(Skill(name, label.strip()[:MAX_LABEL]), new=True)
