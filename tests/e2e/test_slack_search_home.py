"""Slack's /tacit command (within permissions, shared, not helpful, with an LLM), "Capture this thread" and the
App Home, through the command, interactivity and events endpoints; Web API and response_url mocked with respx."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator

import pytest
import respx
from sqlalchemy import func, select

from elicitor.model import Role
from store.records import IncomingMessage
from store.tables import CommunityRow, GuideFeedbackRow, ProcessedEventRow, ThreadRow
from tests.e2e.conftest import COMMUNITY
from tests.e2e.slack_payloads import (
    PUBLIC,
    REVIEW_TS,
    answer_by_modal,
    calls,
    click,
    command,
    guide_row,
    loop_with_nudge,
    review_value,
    shortcut,
    slack_web_mock,
)
from tests.e2e.test_loop_offline import QUESTION, REPLY
from tests.e2e.test_webhooks_slack import (
    ANSWER,
    CHANNEL,
    DM,
    ROOT,
    TEAM,
    envelope,
    message,
    post,
    slack_loop,
)
from workflow import guides
from workflow.connectors import link_identity
from workflow.ingest import ingest_messages
from workflow.people import add_person, create_community


@pytest.fixture
def slack_web() -> Iterator[respx.MockRouter]:
    with slack_web_mock() as mock:
        yield mock


# -- /tacit, Share in channel, Not helpful ----------------------------------------------------------------------


def test_slash_command_answers_with_guides_shares_and_records_feedback(make_loop, slack_web) -> None:
    loop, nudge_id = loop_with_nudge(make_loop, slack_web)
    answer_by_modal(loop, slack_web, nudge_id)
    click(loop, "UMARTA", "tacit_guide_approve", review_value(slack_web), ts=REVIEW_TS)
    loop.settle()
    row = guide_row(loop)

    ack = command(loop, "ULENA", "listing is slow, most rows are soft deleted")
    assert ack.status_code == 200 and ack.json()["response_type"] == "ephemeral"
    loop.settle()
    answer = calls(slack_web, "response_url")[-1]
    flat = json.dumps(answer)
    assert answer["response_type"] == "ephemeral" and f"{PUBLIC}/guides/{row.id}" in flat
    assert "Approved by" in flat and "tacit_share" in flat

    share = next(
        e["value"] for b in answer["blocks"] for e in b.get("elements", []) if e.get("action_id") == "tacit_share"
    )
    click(loop, "ULENA", "tacit_share", share, channel=CHANNEL, ts="1700001100.1")
    loop.settle()
    public = calls(slack_web, "response_url")[-1]
    assert public["response_type"] == "in_channel" and f"/guides/{row.id}" in json.dumps(public)

    select_ = next(
        e for b in answer["blocks"] for e in b.get("elements", []) if e.get("action_id") == "tacit_not_helpful"
    )
    outdated = next(o["value"] for o in select_["options"] if o["value"].endswith(":outdated"))
    click(loop, "ULENA", "tacit_not_helpful", outdated, channel=CHANNEL, ts="1700001100.1", select_=True)
    loop.settle()
    with loop.tacit.services.db.session() as s:
        verdicts = s.execute(
            select(
                GuideFeedbackRow.guide_id, GuideFeedbackRow.helpful, GuideFeedbackRow.person_id, GuideFeedbackRow.reason
            )
        ).all()
    assert verdicts == [(row.id, False, loop.ids["lena"], "outdated")], "the pages' feedback, with its reason"


def test_an_empty_command_gets_help_and_queues_nothing(make_loop, slack_web) -> None:
    loop = slack_loop(make_loop)
    r = command(loop, "ULENA", "   ")
    assert r.status_code == 200 and "/tacit" in r.json()["text"] and loop.tacit.runner.pending() == 0


def _publish_in(loop, community: str, expert: str) -> str:
    """A published guide about partial indexes in the community, reviewed by its expert."""
    services = loop.tacit.services
    now = services.clock()
    batch = [
        IncomingMessage(f"{community}-q", f"{community}-t", f"asker-{community}", QUESTION, now, "Slow tenant listing"),
        IncomingMessage(f"{community}-a", f"{community}-t", expert, REPLY, now, parent=f"{community}-q"),
    ]
    ingest_messages(services, community_id=community, batch=batch)
    loop.settle()
    with services.db.session() as s:
        thread_id = s.scalars(select(ThreadRow.id).where(ThreadRow.community_id == community)).one()
    with services.uow() as uow:
        person = uow.people.by_handle(expert)
        assert person is not None
        expert_id = person.id
    draft = guides.synthesize_guide(services, thread_id=thread_id, reviewer_id=expert_id)
    assert draft is not None
    guides.approve(services, person_id=expert_id, guide_id=draft.id)
    loop.settle()
    return draft.id


def test_slash_command_never_shows_a_guide_of_a_community_the_user_may_not_read(make_loop, slack_web) -> None:
    """Randomized over communities like the demo's (open, restricted, confidential) and random memberships."""
    loop = slack_loop(make_loop)
    services = loop.tacit.services
    rng = random.Random(20261201)
    visibility = {
        "guild-open": "open",
        "guild-infra": "restricted",
        "guild-data": "restricted",
        "rnd-secret": "confidential",
    }
    guide_of = {}
    for community, vis in visibility.items():
        create_community(services, community_id=community, name=community.title())
        add_person(services, handle=f"expert-{community}", community_id=community, role=Role.EXPERT)
        with services.db.session() as s:
            s.get(CommunityRow, community).visibility = vis
        guide_of[community] = _publish_in(loop, community, f"expert-{community}")
    people: dict[str, set[str]] = {}
    for n in range(8):
        handle, member_of = f"reader{n}", {c for c in visibility if rng.random() < 0.4}
        for community in sorted(member_of) or ["guild-open"]:
            add_person(services, handle=handle, community_id=community, role=Role.MEMBER)
        people[handle] = member_of or {"guild-open"}
        link_identity(services, handle=handle, platform="slack", workspace=TEAM, user_id=f"UREADER{n}")
    users = {f"UREADER{n}": people[f"reader{n}"] for n in range(8)} | {"UNOBODY1": set(), "UNOBODY2": set()}
    queries = ["partial index soft deleted", "listing tenants slow", "CREATE INDEX CONCURRENTLY", "btree dead rows"]
    for user, member_of in rng.sample(sorted(users.items()), len(users)):
        allowed = {guide_of[c] for c in member_of | {"guild-open"} if c in guide_of}
        denied = set(guide_of.values()) - allowed
        command(loop, user, rng.choice(queries))
        loop.settle()
        shown = json.dumps(calls(slack_web, "response_url")[-1])
        assert not any(f"/guides/{g}" in shown for g in denied), f"{user} saw a guide of a community they may not read"
        assert any(f"/guides/{g}" in shown for g in allowed), f"{user} should see at least the open guide"
        if user.startswith("UNOBODY"):
            assert "not linked" in shown


# -- Capture this thread, App Home ------------------------------------------------------------------------------


def test_capture_this_thread_drafts_a_guide_for_the_answering_expert(make_loop, slack_web) -> None:
    loop = slack_loop(make_loop)
    post(loop, envelope(message("ULENA", QUESTION, ROOT), "Ev0001"))
    post(loop, envelope(message("UMARTA", REPLY, ANSWER, thread_ts=ROOT), "Ev0002"))
    loop.settle()
    assert shortcut(loop, "ULENA", ANSWER, ROOT).status_code == 200
    loop.settle()
    row = guide_row(loop)
    assert row.status == "draft" and row.reviewer_id == loop.ids["marta"]
    assert "drafting a guide" in calls(slack_web, "response_url")[-1]["text"]
    assert review_value(slack_web).startswith(f"{row.id}:1"), "reviewed in Slack as any draft"
    shortcut(loop, "ULENA", ROOT, None)
    loop.settle()
    assert "already has a guide" in calls(slack_web, "response_url")[-1]["text"]


def test_app_home_lists_open_questions_and_drafts_with_buttons(make_loop, slack_web) -> None:
    loop, nudge_id = loop_with_nudge(make_loop, slack_web)
    opened = {"type": "app_home_opened", "user": "UMARTA", "channel": DM, "tab": "home", "event_ts": "1700001200.1"}
    assert post(loop, envelope(opened, "Ev0100")).json() == {"ok": True, "accepted": True}
    loop.settle()
    published = calls(slack_web, "views.publish")[-1]
    view = json.loads(published["view"])
    flat = json.dumps(view)
    assert published["user_id"] == "UMARTA" and view["type"] == "home" and len(view["blocks"]) <= 100
    assert f'"value": "{nudge_id}"' in flat and "tacit_nudge_answer" in flat and f"/inbox/{nudge_id}" in flat

    # Lena's tandem with marta shows as a next step, linked to the tandem's page.
    tandem = loop.client.post(
        "/v1/tandems",
        json={"community": COMMUNITY, "junior": "lena", "senior": "marta", "goals": ["postgres"]},
        headers=loop.as_("priya"),
    )
    assert tandem.status_code in (200, 201), tandem.text
    post(loop, envelope({**opened, "user": "ULENA"}, "Ev0102"))
    loop.settle()
    lena_home = json.dumps(json.loads(calls(slack_web, "views.publish")[-1]["view"]))
    assert f"/tandems/{tandem.json()['id']}" in lena_home and "with marta" in lena_home

    # An unlinked user is told how to link.
    post(loop, envelope({**opened, "user": "UNOBODY"}, "Ev0101"))
    loop.settle()
    assert "not linked" in json.dumps(json.loads(calls(slack_web, "views.publish")[-1]["view"]))
    with loop.tacit.services.db.session() as s:
        assert (
            s.scalar(
                select(func.count()).select_from(ProcessedEventRow).where(ProcessedEventRow.kind == "app_home_opened")
            )
            == 0
        )


def test_with_an_llm_a_short_cited_answer_comes_above_the_list(make_loop, slack_web) -> None:
    from prompts.fake import FakeLLM
    from tandem.partner import LLMPartner
    from workflow.slack_actions import answer_command

    loop, nudge_id = loop_with_nudge(make_loop, slack_web)
    answer_by_modal(loop, slack_web, nudge_id)
    click(loop, "UMARTA", "tacit_guide_approve", review_value(slack_web), ts=REVIEW_TS)
    loop.settle()
    question = "listing is slow, most rows are soft deleted"
    hit = loop.client.get("/v1/search", params={"q": question}, headers=loop.as_("lena")).json()["results"][0]
    supported = hit["text"].split(". ")[0].rstrip(".") + "."
    # A mention appended to a supported sentence makes it unsupported (issue 14's support check): dropped whole.
    llm = FakeLLM(
        {
            "sentences": [
                {"text": supported, "citations": [f"guide:{hit['guide_id']}"]},
                {"text": supported[:-1] + " <!channel>.", "citations": [f"guide:{hit['guide_id']}"]},
                {"text": "Drop the table and start over.", "citations": ["guide:invented"]},
            ]
        }
    )
    url = "https://hooks.slack.com/commands/T0001/1234/aBcDeF"
    answer_command(loop.tacit.services, LLMPartner(llm), team=TEAM, user="ULENA", text=question, response_url=url)
    blocks = calls(slack_web, "response_url")[-1]["blocks"]
    answer = blocks[1]["text"]["text"]
    assert "[1]" in answer and "guide 1" in answer and "Drop the table" not in answer
    assert "<!channel>" not in answer and "!channel" not in answer
    assert "<question>" in llm.prompts[0] and "<sources>" in llm.prompts[0], "question and guides fenced as data"
