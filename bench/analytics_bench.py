"""How long the analytics of a community with 100,000 messages take (every figure, this period and the one before).

The anchor, measured in the same run, is deriving the exchanges and building the knowledge-flow graph: the least
any analytics must do. The figures on top of it are the critical people (betweenness, constraint, efficiency
loss), bottlenecks, knowledge at risk, monthly k-cores, health and the scorecard. Target: under 10 s.
Run: python -m bench.analytics_bench [--messages 100000] [--people 2000] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from analytics.derive import exchanges
from analytics.flow import knowledge_graph
from analytics.model import (
    Detection,
    Guide,
    Nudge,
    Person,
    Post,
    Read,
    Records,
    Search,
    Tandem,
    TandemSession,
    ValueSettings,
)
from analytics.report import analyse

END = datetime(2026, 12, 1, tzinfo=UTC)
DAY = timedelta(days=1)


def synthetic(messages: int, people: int, seed: int) -> Records:
    """A year of a large community: threads of one question and a few replies, guides, reads, searches, tandems."""
    rng = random.Random(seed)
    groups = [f"team-{g}" for g in range(12)]
    persons = tuple(Person(f"p{i}", f"Person {i}", (groups[i % len(groups)],)) for i in range(people))
    experts = [p.id for p in persons[: people // 10]]  # a tenth answer most questions
    topics = [f"topic-{t}" for t in range(60)]
    posts: list[Post] = []
    threads: list[tuple[str, str, datetime, str]] = []
    while len(posts) < messages:
        t = len(threads)
        asker, topic = rng.choice(persons).id, rng.choice(topics)
        at = END - timedelta(seconds=rng.randrange(365 * 86400))
        threads.append((f"t{t}", asker, at, topic))
        posts.append(Post(f"t{t}-q", f"t{t}", asker, at, topics=(topic,)))
        for r in range(rng.randint(1, 5)):
            author = rng.choice(experts) if rng.random() < 0.7 else rng.choice(persons).id
            parent = f"t{t}-q" if r == 0 or rng.random() < 0.6 else f"t{t}-r{r - 1}"
            posts.append(
                Post(
                    f"t{t}-r{r}",
                    f"t{t}",
                    author,
                    at + timedelta(hours=rng.expovariate(1 / 6)),
                    parent,
                    accepted=r == 0 and rng.random() < 0.4,
                    score=rng.choice((0, 0, 1, 3)),
                    topics=(topic,),
                )
            )
    posts = posts[:messages]
    guides = tuple(
        Guide(
            f"g{i}",
            tid,
            "published",
            at + DAY,
            at + 2 * DAY,
            at + 2 * DAY,
            rng.choice(experts),
            (rng.choice(experts),),
            (topic,),
        )
        for i, (tid, _, at, topic) in enumerate(rng.sample(threads, len(threads) // 12))
    )
    reads = tuple(
        Read(
            rng.choice(guides).id,
            rng.choice(persons).id,
            END - rng.randrange(300) * DAY,
            rng.choice((None, True, False)),
        )
        for _ in range(messages // 10)
    )
    nudges = tuple(
        Nudge(f"n{i}", rng.choice(experts), tid, f"{tid}-r0", rng.choice(("open", "answered", "declined")), at + DAY)
        for i, (tid, _, at, _) in enumerate(rng.sample(threads, len(threads) // 8))
    )
    searches = tuple(
        Search(rng.choice(persons).id, END - rng.randrange(365) * DAY, rng.choice((0, 1, 3)))
        for _ in range(messages // 10)
    )
    tandems = tuple(
        Tandem(f"td{i}", persons[-1 - i].id, experts[i % len(experts)], END - 200 * DAY, (topics[i % 60],))
        for i in range(100)
    )
    sessions = tuple(TandemSession(f"td{rng.randrange(100)}", END - rng.randrange(200) * DAY) for _ in range(1000))
    # The detector flags the first answer of a quarter of the threads; nudges went to others too.
    detections = tuple(Detection(f"{tid}-r0", at) for tid, _, at, _ in rng.sample(threads, len(threads) // 4))
    start = END - 90 * DAY
    common = dict(
        people=persons,
        posts=tuple(posts),
        nudges=nudges,
        detections=detections,
        guides=guides,
        reads=reads,
        tandems=tandems,
        sessions=sessions,
        searches=searches,
    )
    return Records("bench", start, END, END, **common)  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    current = synthetic(args.messages, args.people, args.seed)
    settings = ValueSettings()

    started = time.perf_counter()
    anchor_records = replace(current)  # a copy: what it works out about the posts is not left for the figures
    period = [e for e in exchanges(anchor_records) if current.in_period(e.at)]
    graph = knowledge_graph(period, settings)
    anchor = time.perf_counter() - started

    started = time.perf_counter()
    report = analyse(current, settings, current.start - 90 * DAY)
    full = time.perf_counter() - started

    print(
        f"analytics of {len(current.posts):,} messages, {args.people:,} people "
        f"({graph.number_of_nodes():,} active in the period, {graph.number_of_edges():,} ties)"
    )
    print(f"  anchor: exchanges + knowledge graph   {anchor:6.2f} s")
    print(f"  every figure, two periods             {full:6.2f} s  ({full / anchor:.1f}x the anchor; target < 10 s)")
    print(
        f"  critical people {len(report.critical)}, bottlenecks {len(report.bottlenecks)}, "
        f"topics at risk {sum(r.at_risk for r in report.risks)}, months {len(report.growth.months)}"
    )


if __name__ == "__main__":
    main()
