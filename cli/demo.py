"""Load the demo community (demo/ in the repository) so a new user sees the whole loop on one machine."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from cli.threads_file import parse_time, read_threads, thread_messages
from elicitor.model import Role
from workflow.experts import add_skill, endorse, expertise_for
from workflow.guides import approve, guides_to_review
from workflow.ingest import ingest_messages
from workflow.nudges import inbox, reply
from workflow.people import (
    PreferencesUpdate,
    add_person,
    community_exists,
    create_community,
    create_token,
    people_by_handle,
    update_preferences,
)
from workflow.services import Services
from workflow.tandems import add_task, create_tandem

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"


def load_demo(
    services: Services, demo_dir: Path = DEMO_DIR, progress: Callable[[int], None] | None = None
) -> dict[str, str]:
    """Create the community, its people and tokens, and ingest its threads replayed as recent. Returns tokens."""
    meta = json.loads((demo_dir / "people.json").read_text())
    community = meta["community"]
    create_community(
        services, community_id=community["id"], name=community["name"], description=community.get("description", "")
    )
    tokens = {}
    for p in meta["people"]:
        person = add_person(
            services,
            handle=p["handle"],
            community_id=community["id"],
            role=Role(p["role"]),
            display_name=p["display_name"],
            email=p.get("email"),
            timezone=p.get("timezone"),
        )
        # The demo shows nudges at any hour; real experts keep the default quiet hours.
        update_preferences(services, person_id=person.id, update=PreferencesUpdate(quiet_hours=""))
        tokens[p["handle"]] = create_token(services, handle=p["handle"], name="demo")
    _load_expertise(services, community["id"], demo_dir / "expertise.json")
    threads = list(read_threads(demo_dir / "community.jsonl"))
    for thread, shift in zip(threads, _replay_shifts(services, threads), strict=True):
        ingest_messages(services, community_id=community["id"], batch=thread_messages(thread, shift))
        if progress:
            progress(1)
    return tokens


def _load_expertise(services: Services, community_id: str, path: Path) -> None:
    """Skills people declared, endorsements between them, a task backlog and one tandem (lena with marta)."""
    if not path.exists():
        return
    data = json.loads(path.read_text())
    kit = expertise_for(None, None)  # word-based relatedness is enough for the demo's vocabulary
    ids = _ids(services)
    for handle, skills in data["skills"].items():
        for kind in ("has", "learning"):
            for label in skills[kind]:
                add_skill(services, kit, person_id=ids[handle], label=label, kind=kind)
    for endorser, handle, label in data["endorsements"]:
        endorse(services, kit, endorser_id=ids[endorser], handle=handle, label=label)
    for task in data["tasks"]:
        add_task(
            services,
            kit,
            person_id=ids[task["by"]],
            community_id=community_id,
            title=task["title"],
            description=task["description"],
            skills=task["skills"],
        )
    for tandem in data["tandems"]:
        create_tandem(
            services,
            kit,
            person_id=ids["priya"],
            community_id=tandem["community"],
            junior=tandem["junior"],
            senior=tandem["senior"],
            goals=tandem["goals"],
        )


def complete_past_loops(services: Services, settle: Callable[[], None], demo_dir: Path = DEMO_DIR) -> int:
    """Play the loops demo/past_loops.json shows as done: the expert replies to the nudge and approves the guide,
    so search and the tandem partner have a published guide from the start. Returns how many were completed.

    `settle` waits for the background jobs (the reply drafts the guide; approval indexes it).
    """
    path = demo_dir / "past_loops.json"
    if not path.exists():
        return 0
    titles = {t["thread_id"]: t.get("title", "") for t in read_threads(demo_dir / "community.jsonl")}
    ids = _ids(services)
    done = 0
    for loop in json.loads(path.read_text())["loops"]:
        expert = ids[loop["expert"]]
        nudge = next(
            (n for n in inbox(services, person_id=expert) if n.thread_title == titles[loop["thread_id"]]), None
        )
        if nudge is None:
            continue  # not nudged (e.g. the detection threshold was changed): nothing to complete
        reply(services, person_id=expert, nudge_id=nudge.id, text=loop["reply"])
        settle()
        draft = next((g for g in guides_to_review(services, person_id=expert) if g.thread_id == nudge.thread_id), None)
        if draft is not None:
            approve(services, person_id=expert, guide_id=draft.id)
            settle()
            done += 1
    return done


def _ids(services: Services) -> dict[str, str]:
    return people_by_handle(services)


def _replay_shifts(services: Services, threads: list[dict], days: float = 14) -> list[timedelta]:
    """Replay the demo as the last two weeks (old answers are never nudged), keeping each thread's own pace."""
    starts = [parse_time(t["messages"][0].get("created_at")) for t in threads]
    first, last = min(starts), max(starts)
    span = (last - first) or timedelta(seconds=1)
    window_start = services.clock() - timedelta(days=days)
    shifts = []
    for thread, start in zip(threads, starts, strict=True):
        duration = max(parse_time(m.get("created_at")) for m in thread["messages"]) - start
        room = timedelta(days=days) - duration - timedelta(hours=1)
        shifts.append(window_start + room * ((start - first) / span) - start)
    return shifts


def demo_loaded(services: Services, community_id: str = "platform-guild") -> bool:
    return community_exists(services, community_id=community_id)
