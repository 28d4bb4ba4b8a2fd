"""Task fit and pair suggestion on small hand-made cases whose right answers are known."""

from __future__ import annotations

from tandem.pairs import Candidate, suggest_seniors
from tandem.relatedness import Relatedness
from tandem.tasks import Pair, Task, rank_tasks

PAIR = Pair(
    senior="marta",
    junior="lena",
    senior_strength={"postgresql": 0.8, "python": 0.9, "css": 0.05},
    junior_growth={"postgresql": 1.0, "css": 0.6},
)


def test_the_task_needing_the_seniors_strength_and_the_juniors_goal_ranks_first() -> None:
    tasks = [
        Task("task:py", "Write the deploy script", "Write the deploy script", ("python",)),
        Task("task:css", "Restyle the login page", "Restyle the login page", ("css",)),
        Task("task:pg", "Partial index for the audit table", "Partial index for the audit table", ("postgresql",)),
        Task(
            "question:t1",
            "Answer: postgresql vacuum never finishes",
            "postgresql vacuum never finishes",
            source="question",
        ),
    ]
    ranked = rank_tasks(tasks, PAIR, Relatedness())
    assert [f.task.id for f in ranked][:2] == ["task:pg", "question:t1"]
    first = ranked[0]
    assert first.mentor_skill == first.stretch_skill == "postgresql" and first.fit == 0.8
    assert "marta is strong" in first.explanation and "lena wants to grow" in first.explanation
    by_id = {f.task.id: f for f in ranked}
    assert by_id["task:py"].fit == 0.0 and by_id["task:py"].mentoring == 0.9  # uses the senior, stretches nobody
    assert by_id["task:css"].fit < 0.05  # the junior's goal, but the senior cannot help


def test_a_task_using_one_partners_strength_and_the_others_goal_explains_both() -> None:
    task = Task("task:mix", "Port the report to python and postgresql", "x", ("python", "css"))
    [fit] = rank_tasks([task], PAIR, Relatedness())
    assert fit.mentor_skill == "python" and fit.stretch_skill == "css"
    assert "uses marta's strength in python" in fit.explanation and "stretches lena in css" in fit.explanation


def test_pairs_cover_the_juniors_goals_with_free_seniors_never_the_same_twice() -> None:
    goals = {"postgresql": 1.0, "kubernetes": 0.5}
    candidates = [
        Candidate("marta", {"postgresql": 0.9, "kubernetes": 0.1}, active_tandems=0, capacity=2),
        Candidate("kai", {"postgresql": 0.9, "kubernetes": 0.1}, active_tandems=1, capacity=2),  # as strong, less free
        Candidate("omar", {"kubernetes": 0.9}, active_tandems=0, capacity=2),
        Candidate("full", {"postgresql": 1.0}, active_tandems=1, capacity=1),
        Candidate("none", {"postgresql": 1.0}, active_tandems=0, capacity=0),
        Candidate("lena", {"postgresql": 1.0}, active_tandems=0, capacity=2),  # the junior herself
        Candidate("css", {}, active_tandems=0, capacity=2),
    ]
    ranked = suggest_seniors(goals, candidates, junior_id="lena", past_seniors=set())
    assert [s.person_id for s in ranked] == ["marta", "kai", "omar"]
    assert ranked[0].covers == ("postgresql",) and "0 of 2 tandem places taken" in ranked[0].explanation
    again = suggest_seniors(goals, candidates, junior_id="lena", past_seniors={"marta"})
    assert [s.person_id for s in again] == ["kai", "omar"]
