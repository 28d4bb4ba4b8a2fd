"""Randomized cross-community reads (issue 14): 2,400 seeded requests by six people over every read endpoint, with
ids from both communities; no response shows a community's words to someone who may not read it, none is a 500."""

from __future__ import annotations

import random

from tests.e2e.conftest import COMMUNITY, Loop, now_iso
from tests.e2e.test_governance import published_guide
from workflow.people import add_person, create_token

REQUESTS = 2400
SEED = 14
SECRET = "secret-rnd"
SECRET_WORD = "Nightjarphotonic"  # only in the confidential community
PLATFORM_WORD = "CONCURRENTLY"  # only in the platform community (its guide's reply)
SECRET_REPLY = (
    f"Because the {SECRET_WORD} interconnect saturates first, shard by wafer lot. Create the shards before the "
    "run starts. If the lot is small, one shard is fine. Watch out: resharding mid-run loses the calibration."
)


def secret_guide(loop: Loop) -> dict:
    c, otto = loop.client, loop.as_("otto")
    messages = [
        {
            "external_id": "s1",
            "thread": "st1",
            "thread_title": f"{SECRET_WORD} throughput",
            "author": "sam",
            "text": f"Our {SECRET_WORD} benchmark stalls at 40%. How do we get past it?",
            "created_at": now_iso(30),
        },
        {
            "external_id": "s2",
            "thread": "st1",
            "parent": "s1",
            "author": "otto",
            "text": f"Shard by wafer lot. A single {SECRET_WORD} queue won't scale.",
            "created_at": now_iso(20),
            "score": 5,
            "accepted": True,
        },
    ]
    assert c.post(f"/v1/communities/{SECRET}/messages", json={"messages": messages}, headers=otto).status_code == 202
    loop.settle()
    nudge = c.get("/v1/me/nudges", headers=otto).json()[0]
    c.post(f"/v1/nudges/{nudge['id']}/reply", json={"text": SECRET_REPLY}, headers=otto)
    loop.settle()
    guide = c.get("/v1/me/guides", headers=otto).json()[0]
    assert c.post(f"/v1/guides/{guide['id']}/approve", headers=otto).status_code == 200
    loop.settle()
    return guide


def read_paths(guides: list[str], tandems: list[str], rng: random.Random) -> str:
    community = rng.choice([COMMUNITY, SECRET])
    guide, tandem = rng.choice(guides), rng.choice(tandems)
    # Queries never name the words looked for: responses echo the query.
    q = rng.choice(["shard by wafer lot", "partial index soft deleted", "benchmark stalls", "index without locks"])
    return rng.choice(
        [
            f"/v1/search?q={q}",
            f"/v1/search?q={q}&community={community}",
            f"/v1/guides?community={community}",
            "/v1/guides",
            f"/v1/guides/{guide}",
            f"/v1/guides/{guide}/markdown",
            "/v1/me/guides",
            "/v1/me/nudges?include_closed=true",
            "/v1/me",
            f"/v1/experts?q={q}",
            f"/v1/experts?q={q}&community={community}",
            "/v1/skills",
            "/v1/me/expertise",
            f"/v1/communities/{community}/assessments",
            f"/v1/communities/{community}/held",
            f"/v1/communities/{community}/tasks",
            f"/v1/communities/{community}/tandems",
            f"/v1/communities/{community}/pair-suggestions?junior=lena",
            f"/v1/audit?community={community}",
            "/v1/audit",
            "/v1/me/tandems",
            f"/v1/tandems/{tandem}",
            f"/v1/tandems/{tandem}/log",
            f"/v1/tandems/{tandem}/suggestions",
        ]
    )


def test_randomized_reads_never_cross_a_community(make_loop) -> None:
    loop = make_loop()
    c = loop.client
    # main's detector scores the secret answer 0.48: a lower threshold keeps it a candidate (setup only).
    settings = {"visibility": "confidential", "terse_threshold": 0.4}
    assert c.patch(f"/v1/communities/{SECRET}", json=settings, headers=loop.as_("otto")).is_success
    add_person(loop.tacit.services, handle="sam", community_id=SECRET)
    add_person(loop.tacit.services, handle="eve", community_id=SECRET)
    c.delete(f"/v1/communities/{SECRET}/members/eve", headers=loop.as_("otto"))  # eve: no community at all
    loop.tokens["eve"] = create_token(loop.tacit.services, handle="eve")
    platform, secret = published_guide(loop), secret_guide(loop)
    c.post("/v1/me/skills", json={"name": f"{SECRET_WORD} tuning"}, headers=loop.as_("otto"))
    body = {"community": COMMUNITY, "junior": "lena", "senior": "marta", "goals": ["postgres"]}
    tandem = c.post("/v1/tandems", json=body, headers=loop.as_("priya")).json()["id"]
    may_read = {
        "priya": {PLATFORM_WORD},
        "marta": {PLATFORM_WORD},
        "lena": {PLATFORM_WORD},
        "ada": {PLATFORM_WORD},  # an admin reads restricted communities, never confidential ones
        "otto": {SECRET_WORD},
        "eve": set(),
    }
    rng = random.Random(SEED)
    leaks, errors, statuses = [], [], {}
    for _ in range(REQUESTS):
        who = rng.choice(sorted(may_read))
        path = read_paths([platform["id"], secret["id"], "nope"], [tandem, "nope"], rng)
        r = c.get(path, headers=loop.as_(who))
        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
        if r.status_code >= 500:
            errors.append(f"{who} GET {path} -> {r.status_code}")
        for word in {PLATFORM_WORD, SECRET_WORD} - may_read[who]:
            if word.lower() in r.text.lower():
                leaks.append(f"{who} GET {path} shows {word!r}")
    assert not errors, errors[:5]
    assert not leaks, leaks[:10]
    assert statuses.get(200, 0) > REQUESTS // 3, statuses  # most reads answer: the test reads real content
    assert SECRET_WORD in c.get(f"/v1/guides/{secret['id']}/markdown", headers=loop.as_("otto")).text
