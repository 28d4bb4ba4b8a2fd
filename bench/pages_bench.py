"""The pages against the JSON API in the same run: search page p95 server time at 10,000 chunks, and the
first-load weight (HTML + CSS + JS) of each page.

    python -m bench.pages_bench                  # 10,000 chunks, 200 queries, hashing embedder (fast to build)
    python -m bench.pages_bench --real           # the real MiniLM embedder (slower to index; same comparison)

Both paths run in this process through the ASGI app (TestClient), on the same data and the same queries, so the
ratio is the price of the page itself: the facts per result, the template, the session. Targets: p95 ratio
<= 1.5, every page < 100 KB.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from fastapi.testclient import TestClient  # noqa: E402

from api.app import create_app  # noqa: E402
from api.bootstrap import Tacit, build  # noqa: E402
from api.settings import Settings  # noqa: E402
from bench.search_bench import make_guides, make_queries  # noqa: E402
from elicitor.model import Role  # noqa: E402
from retrieval.fakes import HashingEmbedder, InMemoryIndex  # noqa: E402
from store.records import IncomingMessage, NewNudge  # noqa: E402
from synthesizer.model import GuideDraft, Source  # noqa: E402
from workflow.people import add_person, create_community, create_token  # noqa: E402
from workflow.sessions import create_sign_in_link  # noqa: E402

TARGET_RATIO, TARGET_KB = 1.5, 100.0
COMMUNITIES = ("bench-a", "bench-b")


def load(tacit: Tacit, chunks: int, rng: random.Random) -> tuple[str, list[str]]:
    """Published guides over `chunks` chunks, each on its own one-message thread; returns the reader and guide ids."""
    services = tacit.services
    for community in COMMUNITIES:
        create_community(services, community_id=community, name=community.title())
    reader = add_person(services, handle="reader", community_id=COMMUNITIES[0], role=Role.EXPERT)
    add_person(services, handle="reader", community_id=COMMUNITIES[1], role=Role.EXPERT)
    guides = make_guides(chunks, len(COMMUNITIES), rng, [])
    now = datetime.now(UTC)
    ids: list[str] = []
    records = []
    with services.uow() as uow:
        for n, (_, community, _, draft) in enumerate(guides):
            community_id = COMMUNITIES[int(community.rsplit("-", 1)[1])]
            message = IncomingMessage(f"m{n}", f"t{n}", "reader", draft.title, now, thread_title=draft.title)
            message_id = uow.messages.ingest(community_id, [message]).new_message_ids[0]
            stored = uow.messages.get(message_id)
            assert stored is not None
            cited = GuideDraft(
                title=draft.title,
                sections={
                    s: [x.model_copy(update={"citations": [message_id]}) for x in v] for s, v in draft.sections.items()
                },
                sources=[Source(id=message_id, author="reader", text=draft.title, kind="answer")],
            )
            guide = uow.guides.save_version(
                community_id=community_id, thread_id=stored.thread_id, reviewer_id=reader.id,
                content=cited.model_dump(mode="json"), engine="offline",
            )  # fmt: skip
            record = uow.guides.set_status(guide.id, "published", published_at=now)
            ids.append(record.id)
            records.append((record.id, record.community_id, 1, GuideDraft.model_validate(record.content)))
    indexed = services.search.reindex(records)
    print(f"indexed {indexed} chunks of {len(records)} guides", flush=True)
    return reader.id, ids


def signed_in_client(tacit: Tacit, app) -> TestClient:  # noqa: ANN001
    client = TestClient(app)
    link = create_sign_in_link(tacit.services, handle="reader", minutes=5)
    page = client.get(f"/signin/link/{link}")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf, "no sign-in form"
    assert client.post(f"/signin/link/{link}", data={"csrf_token": csrf.group(1)}).status_code == 200
    return client


def p95(values: Sequence[float]) -> float:
    return statistics.quantiles(values, n=100)[94]


def time_search(page: TestClient, api: TestClient, token: str, queries: list[str]) -> tuple[list[float], list[float]]:
    page_ms, api_ms = [], []
    for n, q in enumerate(queries):  # alternate which goes first, so neither always meets a warm cache
        order = [("page", q), ("api", q)] if n % 2 else [("api", q), ("page", q)]
        for kind, query in order:
            started = time.perf_counter()
            if kind == "page":
                response = page.get("/", params={"q": query})
            else:
                response = api.get("/v1/search", params={"q": query}, headers={"Authorization": f"Bearer {token}"})
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, (kind, response.status_code)
            (page_ms if kind == "page" else api_ms).append(elapsed)
    return page_ms, api_ms


def first_load_kb(client: TestClient, path: str) -> float:
    """HTML plus every stylesheet and script it links, as a first visit downloads them."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    total = len(response.content)
    for asset in re.findall(r'(?:href|src)="(/static/[^"]+)"', response.text):
        total += len(client.get(asset).content)
    return total / 1024


def weights(tacit: Tacit, client: TestClient, reader_id: str, guide_ids: list[str], query: str) -> dict[str, float]:
    with tacit.services.uow() as uow:
        draft = uow.guides.set_status(guide_ids[1], "draft")
        source = uow.messages.get(draft.content["sources"][0]["id"])
        assert source is not None
        nudge = uow.nudges.add(
            NewNudge(
                community_id=draft.community_id,
                message_id=source.id,
                thread_id=source.thread_id,
                person_id=reader_id,
                round=1,
                gap="rationale",
                question="Why does this work?",
                deliver_at=datetime.now(UTC),
            )
        )
        nudge_id = nudge.id
    anonymous = TestClient(client.app)
    pages = {"/signin": first_load_kb(anonymous, "/signin")}
    for path in ("/", f"/?q={query}", f"/guides/{guide_ids[0]}", "/inbox", f"/inbox/{nudge_id}",
                 f"/guides/{guide_ids[1]}/review"):  # fmt: skip
        pages[path] = first_load_kb(client, path)
    return pages


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--real", action="store_true", help="the real MiniLM embedder instead of the hashing one")
    parser.add_argument("--memory", action="store_true", help="the in-memory test index instead of qdrant-edge")
    args = parser.parse_args(argv)
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, data_dir=Path(tmp), rate_limit_writes="100000/minute")  # type: ignore[call-arg]
        embedder = None if args.real else HashingEmbedder()
        # The default embedded index (qdrant-edge), as `make run` builds it.
        tacit = build(settings, embedder=embedder, index=InMemoryIndex() if args.memory else None, scanner=None)
        started = time.perf_counter()
        reader_id, guide_ids = load(tacit, args.chunks, rng)
        print(f"built in {time.perf_counter() - started:.1f}s ({'MiniLM' if args.real else 'hashing'} embedder)")
        app = create_app(tacit, manage_runner=False)
        page, api = signed_in_client(tacit, app), TestClient(app)
        token = create_token(tacit.services, handle="reader")
        queries = make_queries(args.queries, rng)
        time_search(page, api, token, queries[:10])  # warm up both paths
        page_ms, api_ms = time_search(page, api, token, queries)
        ratio = p95(page_ms) / p95(api_ms)
        print(f"search, {args.chunks} chunks, {len(queries)} queries (ms)   p50     p95")
        print(f"  JSON  GET /v1/search (anchor)          {statistics.median(api_ms):7.1f} {p95(api_ms):7.1f}")
        print(f"  page  GET /?q=                         {statistics.median(page_ms):7.1f} {p95(page_ms):7.1f}")
        print(f"  page p95 / JSON p95 = {ratio:.2f} (target <= {TARGET_RATIO})")
        print("first-load weight, HTML + CSS + JS (KB; target < 100)")
        sizes = weights(tacit, page, reader_id, guide_ids, queries[0])
        for path, kb in sizes.items():
            print(f"  {path[:60]:<60} {kb:6.1f}")
        heaviest = max(sizes.values())
        print(f"  heaviest {heaviest:.1f} KB ({'within' if heaviest < TARGET_KB else 'OVER'} the target)")
        tacit.stop()
    return 0 if ratio <= TARGET_RATIO and heaviest < TARGET_KB else 1


if __name__ == "__main__":
    raise SystemExit(main())
