"""Which task suits a tandem: one that needs the senior's strengths where the junior wants to grow."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tandem.relatedness import Relatedness
from tandem.skills import readable

MIN_NEED = 0.2  # a skill a task relates to less than this is not what the task needs


@dataclass(frozen=True)
class Task:
    id: str  # "task:<id>" from the backlog, "question:<thread id>", "guide:<guide id>"
    title: str
    text: str  # title, description, tags: what the task is about
    skills: tuple[str, ...] = ()  # skill names the task says it needs
    source: str = "backlog"  # backlog | question | stale_guide


@dataclass(frozen=True)
class Pair:
    """The two partners as task fit sees them: strength per skill in [0, 1] and growth wanted per skill in [0, 1]."""

    senior: str
    junior: str
    senior_strength: Mapping[str, float]
    junior_growth: Mapping[str, float]


@dataclass(frozen=True)
class TaskFit:
    task: Task
    fit: float  # mentoring x stretch: high only when both hold
    mentoring: float
    stretch: float
    mentor_skill: str | None
    stretch_skill: str | None
    explanation: str


def needs(task: Task, skills: Sequence[str], relatedness: Relatedness) -> dict[str, float]:
    """How much the task needs each skill: 1 for the skills it names, else how related its text is to the skill."""
    scores = relatedness.related(task.text, [readable(s) for s in skills])
    need = {s: r for s, r in zip(skills, scores, strict=True) if r >= MIN_NEED}
    need.update({s: 1.0 for s in task.skills if s in skills})
    return need


def rank_tasks(tasks: Sequence[Task], pair: Pair, relatedness: Relatedness) -> list[TaskFit]:
    """Tasks best first by fit, then by what they offer either partner."""
    skills = sorted(set(pair.senior_strength) | set(pair.junior_growth))
    fits = [_fit(task, pair, needs(task, skills, relatedness)) for task in tasks]
    return sorted(fits, key=lambda f: (-f.fit, -(f.mentoring + f.stretch), f.task.id))


def _fit(task: Task, pair: Pair, need: Mapping[str, float]) -> TaskFit:
    mentoring, mentor_skill = _best(need, pair.senior_strength)
    stretch, stretch_skill = _best(need, pair.junior_growth)
    return TaskFit(
        task,
        mentoring * stretch,
        mentoring,
        stretch,
        mentor_skill,
        stretch_skill,
        _explain(pair, mentor_skill, stretch_skill, mentoring, stretch),
    )


def _best(need: Mapping[str, float], weights: Mapping[str, float]) -> tuple[float, str | None]:
    scored = [(need[s] * weights.get(s, 0.0), s) for s in need]
    best = max(scored, default=(0.0, None), key=lambda x: (x[0], x[1] or ""))
    return best if best[0] > 0 else (0.0, None)


def _explain(pair: Pair, mentor: str | None, stretch: str | None, mentoring: float, grow: float) -> str:
    if mentor and stretch and mentor == stretch:
        return f"needs {readable(mentor)}: {pair.senior} is strong there ({mentoring:.2f}) and {pair.junior} wants to grow in it"
    parts = []
    if mentor:
        parts.append(f"uses {pair.senior}'s strength in {readable(mentor)} ({mentoring:.2f})")
    if stretch:
        parts.append(f"stretches {pair.junior} in {readable(stretch)} ({grow:.2f})")
    return "; ".join(parts) or "touches neither the senior's strengths nor the junior's goals"
