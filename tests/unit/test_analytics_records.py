"""Health, knowledge at risk, periphery to core and the scorecard on small hand-made records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from analytics.derive import exchanges
from analytics.growth import core_classes, growth
from analytics.health import health
from analytics.model import (
    Detection,
    Exchange,
    Guide,
    Kind,
    Nudge,
    Person,
    Post,
    Read,
    Records,
    Search,
    Tandem,
    ValueSettings,
)
from analytics.report import analyse
from analytics.risk import bus_factor, topic_risks
from analytics.scorecard import scorecard

START = datetime(2026, 11, 1, tzinfo=UTC)
END = datetime(2026, 12, 1, tzinfo=UTC)
NOW = END
H = timedelta(hours=1)
D = timedelta(days=1)


def records(**parts: object) -> Records:
    return Records(community="c", start=START, end=END, now=NOW, **parts)  # type: ignore[arg-type]


def thread(
    tid: str, asker: str, at: datetime, *replies: tuple[str, timedelta, bool], topic: str = "kafka"
) -> list[Post]:
    """A question and its replies: (author, delay after the question, accepted)."""
    posts = [Post(f"{tid}-q", tid, asker, at, topics=(topic,))]
    for n, (author, delay, accepted) in enumerate(replies):
        posts.append(Post(f"{tid}-r{n}", tid, author, at + delay, f"{tid}-q", accepted, topics=(topic,)))
    return posts


def test_time_to_first_answer_skips_the_asker_bots_and_deleted() -> None:
    t = START + D
    posts = [
        *thread("t1", "ann", t, ("ann", 1 * H, False), ("bot", 2 * H, False), ("bob", 5 * H, False)),
        *thread("t2", "ann", t, ("bob", 1 * H, False)),
        *thread("t3", "ann", t, ("bob", 10 * H, False)),
        *thread("t4", "ann", t, ("bob", 50 * H, False)),
        *thread("t5", "ann", t),
        Post("t6-q", "t6", "ann", t, topics=("kafka",)),
        Post("t6-r0", "t6", "bob", t + H, "t6-q", deleted=True),
    ]
    result = health(records(people=(Person("bot", "Bot", is_bot=True),), posts=tuple(posts)), ValueSettings())
    # First answers: t1 5 h (ann's own reply and the bot's skipped), t2 1 h, t3 10 h, t4 50 h; t5 and t6 none.
    assert (result.questions, result.answered) == (6, 4)
    assert result.first_answer_median_hours == pytest.approx((5 + 10) / 2)
    # p90 by nearest rank of 4 values: the ceil(3.6) = 4th -> 50 h.
    assert result.first_answer_p90_hours == pytest.approx(50)
    # All six are older than 48 h; t4 (50 h), t5 and t6 (none) waited past it.
    assert (result.old_enough, result.unanswered_past_target) == (6, 3)
    assert {w.id for w in result.waiting if w.kind == "question"} == {"t5", "t6"}


def test_the_nudge_funnel_and_the_loop() -> None:
    at = START + D
    nudges = (
        Nudge("n1", "bob", "t1", "m1", "answered", at),
        Nudge("n2", "bob", "t2", "m2", "answered", at),
        Nudge("n3", "bob", "t3", "m3", "open", at),  # open for 29 days: past the 7-day target
    )
    guides = (
        Guide("g1", "t1", "published", at, at + D, at + 2 * D, "bob", ("bob",), ("kafka",)),
        Guide("g2", "t2", "draft", at, at),
    )
    reads = (Read("g1", "ann", at + 3 * D, True), Read("g1", "cat", at + 3 * D, False), Read("g1", "dan", at + 3 * D))
    searches = (Search("ann", at, 0), Search("ann", at, 3), Search("cat", at, 1), Search("dan", at, 2))
    # The detector flagged m1, m2 and m4; m3 was nudged too (its detection is in no period here): 4 detected.
    detections = (Detection("m1", at), Detection("m2", at), Detection("m4", at), Detection("m0", START - D))
    result = health(
        records(nudges=nudges, detections=detections, guides=guides, reads=reads, searches=searches), ValueSettings()
    )
    assert [(s.step, s.count) for s in result.funnel] == [
        ("detected", 4),
        ("nudged", 3),
        ("answered", 2),
        ("draft", 2),
        ("approved", 1),
        ("read", 1),
    ]
    assert result.funnel[1].share_of_previous == pytest.approx(3 / 4)
    assert (result.searches, result.searches_without_result) == (4, 1)
    assert (result.feedback, result.helpful_rate) == (2, 0.5)
    # g1 was updated 28 days before now: fresh (under 180 days).
    assert result.fresh_share == 1.0 and result.median_guide_age_days == pytest.approx(28)
    assert [w.id for w in result.waiting] == ["n3"]


def test_bus_factor_is_the_fewest_people_giving_more_than_half() -> None:
    from collections import Counter

    assert bus_factor(Counter({"alice": 3, "bob": 1})) == (1, ("alice",))
    assert bus_factor(Counter({"alice": 1, "bob": 1})) == (2, ("alice", "bob"))  # one alone gives only half
    assert bus_factor(Counter({"a": 4, "b": 3, "c": 2, "d": 1})) == (2, ("a", "b"))  # 7 of 10
    assert bus_factor(Counter()) == (0, ())


def test_a_topic_one_person_holds_is_at_risk_with_next_steps() -> None:
    at = END - 10 * D
    posts = [
        *thread("t1", "jun", at, ("alice", H, True)),  # accepted: counts as an answer and an accepted answer
        *thread("t2", "kim", at + D, ("alice", H, False)),
        *thread("t3", "kim", at + 2 * D, ("bob", H, False)),
        *thread("t4", "lee", at, ("alice", H, False), ("bob", 2 * H, False), topic="k8s"),
        *thread("t5", "lee", at, ("bob", H, False), ("alice", 2 * H, False), topic="k8s"),
    ]
    guides = (Guide("g4", "t4", "published", at, at, at + D, "alice", ("alice", "bob"), ("k8s",)),)
    risks = {r.topic: r for r in topic_risks(records(posts=tuple(posts), guides=guides), ValueSettings())}
    kafka = risks["kafka"]
    # alice 2 + 1 = 3 of 4 contributions; demand 3 questions; no guide covers any of the 3 answered threads.
    assert (kafka.bus_factor, kafka.holders, kafka.contributions, kafka.demand) == (1, ("alice",), 4, 3)
    assert kafka.covered_share == 0 and kafka.at_risk
    nudge, tandem = kafka.next_steps
    assert (nudge.action, nudge.person, nudge.count) == ("nudge", "alice", 2)
    assert (tandem.action, tandem.other) == ("tandem", "kim")  # the most recent asker
    k8s = risks["k8s"]
    # alice 2 answers + 1 guide, bob the same: 3 of 6 is not more than half -> two holders; half the threads guided.
    assert (k8s.bus_factor, k8s.covered_share, k8s.at_risk) == (2, 0.5, False)


def tie(u: str, v: str, at: datetime) -> Exchange:
    return Exchange(u, v, Kind.ADVICE, "c", at)


def test_k_core_classes_and_quarterly_transitions() -> None:
    jan, apr = datetime(2026, 1, 10, tzinfo=UTC), datetime(2026, 4, 10, tzinfo=UTC)
    # January: triangle a-b-c (2-core) and d hanging on a (1-core). April: d tied to all three (K4, 3-core).
    january = [tie("a", "b", jan), tie("b", "c", jan), tie("c", "a", jan), tie("a", "d", jan)]
    april = [
        tie("a", "b", apr),
        tie("b", "c", apr),
        tie("c", "a", apr),
        tie("d", "a", apr),
        tie("d", "b", apr),
        tie("d", "c", apr),
    ]
    assert core_classes(january) == {"a": "core", "b": "core", "c": "core", "d": "periphery"}
    first_posts = tuple(Post(f"p{p}", f"t{p}", p, jan - 5 * D) for p in "abcd")
    history = Records("c", START, END, NOW, posts=first_posts)
    result = growth(history, january + april, ValueSettings())
    assert result.months == ("2026-01", "2026-04")
    (q1_q2,) = result.transitions
    assert (q1_q2.from_quarter, q1_q2.to_quarter) == ("2026-Q1", "2026-Q2")
    assert q1_q2.counts["periphery"]["core"] == 1 and q1_q2.counts["core"]["core"] == 3
    assert (q1_q2.moved_up, q1_q2.moved_down) == (1, 0)
    # d's first message on 5 January, core from 1 April: 86 days.
    assert result.days_to_core["d"] == pytest.approx(86)
    assert result.days_to_core["a"] == 0


def test_tandem_juniors_against_other_newcomers() -> None:
    day0 = END - 60 * D
    posts = [
        Post("j", "tj", "jun", day0),
        *thread("a1", "sen", day0 + 9 * D, ("jun", D, True)),  # first accepted answer 10 days in
        Post("n", "tn", "new", day0),
        *thread("a2", "sen", day0 + 29 * D, ("new", D, True)),  # 30 days in
        Post("m", "tm", "mia", day0),  # never
    ]
    tandems = (Tandem("td", "jun", "sen", day0),)
    result = growth(records(posts=tuple(posts), tandems=tandems), [], ValueSettings(cost_per_day=200))
    juniors, others = result.cohorts
    assert (juniors.people, juniors.proficient, juniors.median_days_to_proficiency) == (1, 1, 10)
    assert juniors.cost_of_ignorance == 2000
    assert (others.people, others.proficient, others.median_days_to_proficiency) == (3, 1, 30)  # sen, new, mia
    assert others.cost_of_ignorance == 6000


def test_scorecard_targets_and_trend() -> None:
    measures = {
        m.key: m
        for m in scorecard(
            {"first_answer_median_hours": 5.0, "nudge_yield": 0.4},
            {"first_answer_median_hours": 10.0, "nudge_yield": 0.5},
            {"first_answer_median_hours": 8.0, "nudge_yield": 0.6},
        )
    }
    answer = measures["first_answer_median_hours"]
    assert (answer.trend, answer.better, answer.met) == ("down", True, True)  # lower is better
    yield_ = measures["nudge_yield"]
    assert (yield_.trend, yield_.better, yield_.met) == ("down", False, False)
    assert {m.dimension for m in measures.values()} == {"financial", "customer", "internal", "learning"}
    assert measures["helpful_rate"].trend == "none"


def test_the_report_puts_it_together() -> None:
    at = START + D
    posts = [*thread("t1", "ann", at, ("bob", H, True)), *thread("t2", "cat", at, ("bob", 2 * H, False))]
    report = analyse(records(posts=tuple(posts)), ValueSettings())
    assert {(e.giver, e.receiver) for e in report.flow.edges} == {("bob", "ann"), ("bob", "cat")}
    assert report.flow.minutes == 30 + 10
    values = {m.key: m.value for m in report.scorecard}
    assert values["exchange_value"] == pytest.approx(40.0)
    assert values["first_answer_median_hours"] == pytest.approx(1.5)
    assert len(exchanges(records(posts=tuple(posts)))) == 2


def test_the_funnel_compares_every_step_with_the_period_before() -> None:
    # October: m0 and m1 detected, m1 nudged and answered. November: m2, m3 and m4 detected, m2 and m3 nudged.
    october = START - 30 * D
    detections = tuple(Detection(m, october) for m in ("m0", "m1")) + tuple(
        Detection(m, START + D) for m in ("m2", "m3", "m4")
    )
    nudges = (
        Nudge("n1", "bob", "t1", "m1", "answered", october + D),
        Nudge("n2", "bob", "t2", "m2", "open", START + 2 * D),
        Nudge("n3", "bob", "t3", "m3", "answered", START + 2 * D),
    )
    report = analyse(records(detections=detections, nudges=nudges), ValueSettings(), START - 30 * D)
    steps = {s.step: (s.count, s.previous_period) for s in report.health.funnel}
    assert steps["detected"] == (3, 2)  # the earlier period's detections are kept for it, not dropped
    assert steps["nudged"] == (2, 1) and steps["answered"] == (1, 1)
    alone = analyse(records(detections=detections, nudges=nudges), ValueSettings())  # no period to compare with
    assert {s.previous_period for s in alone.health.funnel} == {None}


def test_topics_are_named_as_the_skills_vocabulary_names_them() -> None:
    from analytics.topics import in_skill_terms
    from tandem.skills import Skill

    at = START + D
    posts = [
        *thread("t1", "ann", at, ("bob", H, True), topic="Postgres"),  # an abbreviation folded: postgresql
        *thread("t2", "cat", at, ("bob", H, False), topic="pgsql"),  # a synonym merged into the skill
        *thread("t3", "dan", at, ("eve", H, False), topic="kafka"),  # not in the vocabulary: kept
    ]
    guides = (Guide("g1", "t1", "published", at, at, at, "bob", ("bob",), ("postgres", "PostgreSQL")),)
    skills = [Skill("postgresql", "PostgreSQL", ("pgsql",))]
    named = in_skill_terms(records(posts=tuple(posts), guides=guides), skills)
    assert {p.thread_id: p.topics for p in named.posts} == {
        "t1": ("postgresql",),
        "t2": ("postgresql",),
        "t3": ("kafka",),
    }
    assert named.guides[0].topics == ("postgresql",)  # two tags naming one skill count once
    risks = {r.topic: r for r in topic_risks(named, ValueSettings())}
    # bob answered both postgresql threads (an accepted answer 2, an answer 1) and wrote the guide (1): he holds it.
    assert (risks["postgresql"].contributions, risks["postgresql"].bus_factor) == (4, 1)
