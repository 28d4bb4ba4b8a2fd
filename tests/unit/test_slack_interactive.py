"""Block Kit builders within Slack's limits, hostile text kept as text, payload parsing; Teams and Discourse links."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from connectors.discourse.client import DiscourseClient
from connectors.errors import InvalidPayload
from connectors.model import GuideNote, NudgeNote, ReviewNote
from connectors.slack import interactive as ui
from connectors.slack import payloads
from connectors.teams.client import TeamsClient

HOSTILE = "<!channel> <javascript:alert(1)|click me> & <@U123> \x00\x07"


def huge_guide(sections: int = 6, sentences: int = 60, chars: int = 400) -> dict:
    keys = ["summary", "applies_when", "steps", "rationale", "alternatives", "pitfalls"][:sections]
    sources = [{"id": f"m{n}", "author": "marta", "text": f"source {n} " * 20} for n in range(5)]
    return {
        "title": HOSTILE + " title",
        "sections": {
            key: [{"text": f"{key} sentence {n} " + "x" * chars, "citations": [f"m{n % 5}"]} for n in range(sentences)]
            for key in keys
        },
        "sources": sources,
    }


def note(content: dict) -> ReviewNote:
    return ReviewNote("g1", 3, content["title"], "Marta", "https://tacit.test/guides/g1/review", content)


def test_a_long_guide_is_split_into_messages_within_block_kit_limits() -> None:
    messages = ui.review_messages(ui.guide_view(note(huge_guide())))
    assert len(messages) >= 2
    for message in messages:
        assert len(message["blocks"]) <= ui.MAX_MESSAGE_BLOCKS
        for block in message["blocks"]:
            text = (block.get("text") or {}).get("text", "")
            assert len(text) <= ui.MAX_SECTION_CHARS
            for element in block.get("elements", []):
                assert len(element.get("text", "") if isinstance(element.get("text"), str) else "") <= 3000
                assert len(element.get("value", "")) <= ui.MAX_VALUE_CHARS
    everything = json.dumps(messages)
    for key in ("summary", "pitfalls"):
        assert all(f"{key} sentence {n} " in everything for n in range(60)), "no sentence is lost in the split"
    last = json.dumps(messages[-1])
    assert "tacit_guide_approve" in last and "g1:3" in last and "https://tacit.test/guides/g1/review" in last


def shown(tree: object) -> str:
    """Every text Slack renders (values are opaque data, sent back on a click, never shown)."""
    if isinstance(tree, dict):
        return " ".join(shown(v) for k, v in tree.items() if k != "value")
    if isinstance(tree, list):
        return " ".join(shown(v) for v in tree)
    return json.dumps(tree) if isinstance(tree, str) else ""


def test_hostile_text_stays_text() -> None:
    messages = ui.review_messages(ui.guide_view(note(huge_guide(1, 2, 10))))
    hit = ui.HitView("g1", HOSTILE, "Why", HOSTILE, HOSTILE, "https://tacit.test/guides/g1")
    search = ui.search_message(HOSTILE, [hit], answer=HOSTILE, note=HOSTILE)
    for rendered in (shown([m["blocks"] for m in messages]), shown(search)):
        assert "<!channel>" not in rendered and "<javascript:" not in rendered and "<@U123>" not in rendered
        assert "\\u0000" not in rendered and "&lt;!channel&gt;" in rendered


def test_edit_modal_fits_a_view_and_keeps_citations_beside_each_sentence() -> None:
    view = ui.guide_view(note(huge_guide(1, 150, 4000)))
    modal = ui.edit_modal(view, view.sections[0])
    assert len(modal["blocks"]) <= ui.MAX_VIEW_BLOCKS and len(modal["title"]["text"]) <= 24
    inputs = [b for b in modal["blocks"] if b["type"] == "input"]
    assert all(len(b["element"]["initial_value"]) <= ui.MAX_INPUT_CHARS for b in inputs)
    assert "cites [1]" in inputs[0]["label"]["text"] and modal["private_metadata"] == "g1:3:summary"
    typed = {"s0/text": " New first. ", "s1/text": ""}
    assert ui.edited_sentences(typed, 150)[:3] == ["New first.", "", None], "cleared removes; past the view keeps"


def test_app_home_fits_a_view() -> None:
    items = [ui.HomeItem(f"question {n}", f"https://t/inbox/{n}", ui.ANSWER, str(n), "Answer") for n in range(40)]
    view = ui.home_view(items, items, items, "")
    assert view["type"] == "home" and len(view["blocks"]) <= ui.MAX_VIEW_BLOCKS


def test_payload_parsing_refuses_what_slack_does_not_send() -> None:
    with pytest.raises(InvalidPayload):
        payloads.interaction({"payload": "not json"})
    with pytest.raises(InvalidPayload):
        payloads.interaction({"payload": json.dumps({"type": "block_actions", "user": {"id": "U1"}, "actions": []})})
    with pytest.raises(InvalidPayload, match="hooks.slack.com"):
        payloads.slash_command(
            {"team_id": "T1", "user_id": "U1", "command": "/tacit", "response_url": "http://hooks.slack.com/x"}
        )
    command = payloads.slash_command(
        {
            "team_id": "T1",
            "user_id": "U1",
            "command": "/tacit",
            "text": " a\x00b ",
            "response_url": "https://hooks.slack.com/c/1",
        }
    )
    assert command.text == "ab"
    assert payloads.form(b"a=1&b=&payload=%7B%7D") == {"a": "1", "b": "", "payload": "{}"}


NUDGE = NudgeNote("Why partial?", "Slow listing", "Use a partial index", "ABC123", "Marta", "n1", "https://t/inbox/n1")


@respx.mock
def test_teams_cards_link_the_nudge_the_review_page_and_the_guide() -> None:
    route = respx.post("https://teams.test/hook").mock(return_value=httpx.Response(200))
    client = TeamsClient(httpx.Client(), "https://teams.test/hook")
    client.send_nudge("tenant", "user", NUDGE)
    client.send_review("tenant", "user", note(huge_guide(1, 1, 10)))
    client.announce(None, GuideNote("Partial indexes", "Use them.", "https://t/guides/g1"))  # type: ignore[arg-type]
    client.announce(None, GuideNote("Bad", "x", "javascript:alert(1)"))  # type: ignore[arg-type]
    cards = [json.loads(c.request.content)["attachments"][0]["content"] for c in route.calls]
    urls = [[a["url"] for a in card.get("actions", [])] for card in cards]
    assert urls == [["https://t/inbox/n1"], ["https://tacit.test/guides/g1/review"], ["https://t/guides/g1"], []]
    assert "source 0" not in json.dumps(cards[1]), "a channel card carries no draft text"


@respx.mock
def test_slack_escapes_the_text_it_posts() -> None:
    from urllib.parse import parse_qs

    from connectors.model import Where
    from connectors.slack.client import SlackClient

    route = respx.post("https://slack.test/api/chat.postMessage").mock(
        return_value=httpx.Response(200, json={"ok": True, "channel": "C1", "ts": "1.2"})
    )
    client = SlackClient(httpx.Client(), "xoxb", "https://slack.test/api")
    client.announce(Where("slack", "T1", "C1"), GuideNote(HOSTILE, "x", "https://t/guides/g1"))
    text = parse_qs(route.calls[0].request.content.decode())["text"][0]
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text and "https://t/guides/g1" in text


@respx.mock
def test_discourse_pms_link_the_nudge_and_the_review_page() -> None:
    route = respx.post("https://forum.test/posts.json").mock(
        return_value=httpx.Response(200, json={"id": 7, "topic_id": 9})
    )
    client = DiscourseClient(httpx.Client(), "https://forum.test", "key", "tacit")
    client.send_nudge("https://forum.test", "marta", NUDGE)
    sent = client.send_review("https://forum.test", "marta", note(huge_guide(1, 1, 10)))
    bodies = [json.loads(c.request.content) for c in route.calls]
    assert "https://t/inbox/n1" in bodies[0]["raw"] and "https://tacit.test/guides/g1/review" in bodies[1]["raw"]
    assert bodies[1]["archetype"] == "private_message" and bodies[1]["target_recipients"] == "marta"
    assert (sent.conversation, sent.message_ref) == ("9", "7")


def test_the_manifest_names_what_the_code_answers_to() -> None:
    from pathlib import Path

    import yaml

    manifest = yaml.safe_load((Path(ui.__file__).parent / "manifest.yaml").read_text())
    features, settings = manifest["features"], manifest["settings"]
    assert "commands" in manifest["oauth_config"]["scopes"]["bot"]
    assert features["shortcuts"][0]["callback_id"] == ui.CAPTURE and features["app_home"]["home_tab_enabled"]
    assert features["slash_commands"][0]["url"].endswith("/v1/webhooks/slack/commands")
    assert settings["interactivity"]["request_url"].endswith("/v1/webhooks/slack/interactivity")
    assert settings["event_subscriptions"]["request_url"].endswith("/v1/webhooks/slack")
    assert "app_home_opened" in settings["event_subscriptions"]["bot_events"]


def test_decline_reasons_are_the_workflows() -> None:
    from workflow.nudges import DECLINE_REASONS

    assert ui.DECLINE_REASONS == DECLINE_REASONS
