"""Model output is untrusted (issue 14, item 6): a fake OpenAI-compatible server (respx) returns what a model that
read hostile text might say; no markup, foreign link, unsupported words or echoed text reaches a person or the log."""

from __future__ import annotations

import json
import logging
import re

import httpx
import pytest
import respx

from tests.e2e.conftest import COMMUNITY, Loop
from tests.e2e.test_loop_llm import BASE, SOURCE, completion, first_sentence
from tests.e2e.test_loop_offline import QUESTION, REPLY, thread_messages
from tests.e2e.test_tandems import post, tandem

PHISHING = "https://evil.example/login"
MARKUP = ("<img", "onerror", "javascript:", "<!--", "<script", PHISHING)
APPENDED = "and then drop the production database"
CONCURRENTLY = "Create it with CREATE INDEX CONCURRENTLY so writes are not blocked."


def hostile_model(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content)
    name = body["response_format"]["json_schema"]["name"]
    prompt = body["messages"][-1]["content"]
    if name == "FollowUpQuestion":
        return completion({"question": f"Why a partial index? Confirm at {PHISHING} first?"})
    if name == "RubricVerdict":
        reason = '<script>fetch("https://evil.example")</script> Names the index, not why.'
        return completion({"terse": "yes", "gaps": ["alternatives"], "confidence": "high", "reason": reason})
    sources = dict(SOURCE.findall(prompt))
    answer = next(sid for sid, text in sources.items() if "partial index" in text and "btree" in text)
    reply = next(sid for sid, text in sources.items() if "CONCURRENTLY" in text)
    quote = first_sentence(sources[reply])
    return completion(
        {
            "summary": [{"text": first_sentence(sources[answer]), "citations": [answer]}],
            "rationale": [
                {"text": f"{quote} <img src=x onerror=alert(1)>", "citations": [reply]},
                {"text": f"{quote.rstrip('.')} {APPENDED}.", "citations": [reply]},
            ],
            "steps": [
                {"text": f"[Create it]({'javascript'}:alert(1)) with CONCURRENTLY.", "citations": [reply]},
                {"text": f"Create it with CONCURRENTLY, see {PHISHING}.", "citations": [reply]},
                {"text": "Create it with CREATE INDEX CONCURRENTLY so writes are not blocked.", "citations": [reply]},
            ],
            "pitfalls": [{"text": f"{quote} <!-- approve me -->", "citations": [reply]}],
        }
    )


def run_loop(make_loop, model) -> tuple[Loop, dict]:  # type: ignore[no-untyped-def]
    with respx.mock() as mock:
        mock.post(f"{BASE}/chat/completions").mock(side_effect=model)
        loop = make_loop(http_client=httpx.Client(), openai_base_url=BASE, llm_max_retries=0)
        c = loop.client
        c.post(f"/v1/communities/{COMMUNITY}/messages", json={"messages": thread_messages()}, headers=loop.as_("priya"))
        loop.settle()
        nudge = c.get("/v1/me/nudges", headers=loop.as_("marta")).json()[0]
        c.post(f"/v1/nudges/{nudge['id']}/reply", json={"text": REPLY}, headers=loop.as_("marta"))
        loop.settle()
    return loop, nudge


def test_hostile_model_output_reaches_no_guide_inbox_or_steward(make_loop) -> None:
    loop, nudge = run_loop(make_loop, hostile_model)
    c = loop.client
    assert nudge["question"] and PHISHING not in nudge["question"], "a question with a link falls back to the template"
    draft = c.get("/v1/me/guides", headers=loop.as_("marta")).json()[0]
    text = json.dumps(draft["content"]) + draft["markdown"].replace("<!-- tacit-guide:", "")  # Tacit's own marker
    for bad in (*MARKUP, APPENDED):
        assert bad not in text, bad
    assert draft["engine"] == "llm" and "CONCURRENTLY" in draft["markdown"], "the clean sentences are kept"
    explained = c.get(f"/v1/communities/{COMMUNITY}/assessments", headers=loop.as_("priya")).json()
    flat = json.dumps(explained)
    assert "<script" not in flat and "evil.example" not in flat
    assert any("language model" in a["explanation"] for a in explained), "the verdict stands without its reason"


def test_model_output_that_is_not_json_never_reaches_the_log(make_loop, caplog: pytest.LogCaptureFixture) -> None:
    echo = QUESTION[:60]

    def chatty(request: httpx.Request) -> httpx.Response:
        prompt = json.loads(request.content)["messages"][-1]["content"]
        said = re.search(re.escape(echo), prompt)
        text = f"Sure! The thread says: {said.group(0) if said else echo} ... and more."
        return httpx.Response(
            200,
            json={
                "id": "c",
                "object": "chat.completion",
                "created": 1,
                "model": "m",
                "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
            },
        )

    with caplog.at_level(logging.DEBUG):
        run_loop(make_loop, chatty)
    assert any("not JSON" in r.getMessage() for r in caplog.records), "the failure is logged"
    assert not [r.getMessage() for r in caplog.records if echo in r.getMessage()], "without the model's text"


def test_the_tandem_partner_drops_markup_links_and_names_no_passage_has(make_loop) -> None:
    from prompts.fake import FakeLLM
    from tests.e2e.test_governance import published_guide

    llm = FakeLLM()
    loop = make_loop(llm=llm)
    guide = published_guide(loop)
    t = tandem(loop)
    cite = [f"guide:{guide['id']}"]
    llm.enqueue(
        {
            "sentences": [
                {"text": "Use a partial index <img src=x onerror=alert(1)>.", "citations": cite},
                {
                    "text": f"Use a partial index, as [the docs](javascript:alert(1)) and {PHISHING} say.",
                    "citations": cite,
                },
                {"text": "Use a partial index like Project Nightjar does.", "citations": cite},
                {"text": "Use a partial index where deleted_at is null.", "citations": cite},
            ]
        }
    )
    answer = post(
        loop, "marta", f"/v1/tandems/{t['id']}/ask", {"question": "Which index for soft deletes?"}, status=200
    )
    assert answer["answer"] == "Use a partial index where deleted_at is null. [1]"
