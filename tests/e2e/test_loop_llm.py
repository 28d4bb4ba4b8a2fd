"""The same loop with the LLM engines, over an OpenAI-compatible API mocked at the HTTP edge with respx."""

from __future__ import annotations

import json
import re

import httpx
import respx
from sqlalchemy import Engine

from prompts.llm import LLMUnavailable, T
from tests.e2e.conftest import COMMUNITY
from tests.e2e.test_loop_offline import REPLY, TERSE, thread_messages

BASE = "http://llm.test/v1"
QUESTION = "Why a partial index rather than a plain btree on tenant_id, and when would the plain one be right?"
SOURCE = re.compile(r'<source id="([^"]+)"[^>]*>(.*?)</source>', re.S)


def completion(content: dict) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1_760_000_000,
            "model": "test-model",
            "choices": [
                {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": json.dumps(content)}}
            ],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
        },
    )


def first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s+", text.strip())[0]


def fake_model(request: httpx.Request) -> httpx.Response:
    """Answers like a model would: a question for follow-ups, a guide citing the prompt's own source ids."""
    body = json.loads(request.content)
    schema = body["response_format"]["json_schema"]["name"]
    prompt = body["messages"][-1]["content"]
    if schema == "FollowUpQuestion":
        return completion({"question": QUESTION})
    if schema == "RubricVerdict":
        terse = "partial index" in prompt
        return completion(
            {
                "terse": "yes" if terse else "no",
                "gaps": ["alternatives"] if terse else [],
                "confidence": "high",
                "reason": "Names the index, not why or when.",
            }
        )
    sources = {sid: text for sid, text in SOURCE.findall(prompt)}
    answer = next(sid for sid, text in sources.items() if "partial index" in text and "btree" in text)
    reply = next(sid for sid, text in sources.items() if "CONCURRENTLY" in text)
    return completion(
        {
            "summary": [{"text": first_sentence(sources[answer]), "citations": [answer]}],
            "rationale": [{"text": first_sentence(sources[reply]), "citations": [reply]}],
            "steps": [
                {"text": "Create it with CREATE INDEX CONCURRENTLY so writes are not blocked.", "citations": [reply]}
            ],
            "pitfalls": [{"text": "The moon is made of cheese.", "citations": [reply]}],  # unsupported: dropped
            "alternatives": [{"text": "Use a hash index instead.", "citations": ["invented-id"]}],  # invalid: dropped
        }
    )


def test_loop_with_llm_engines(make_loop) -> None:
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(f"{BASE}/chat/completions").mock(side_effect=fake_model)
        loop = make_loop(http_client=httpx.Client(), openai_base_url=BASE, llm_model="test-model")
        c = loop.client
        assert c.get("/healthz").json()["engine"] == "llm"
        c.post(f"/v1/communities/{COMMUNITY}/messages", json={"messages": thread_messages()}, headers=loop.as_("priya"))
        loop.settle()
        nudge = c.get("/v1/me/nudges", headers=loop.as_("marta")).json()[0]
        assert nudge["question"] == QUESTION and nudge["your_answer"] == TERSE
        judged = c.get(
            f"/v1/communities/{COMMUNITY}/assessments", params={"candidates_only": True}, headers=loop.as_("priya")
        ).json()
        assert judged[0]["gaps"] == ["alternatives"] and "language model" in judged[0]["explanation"]

        c.post(f"/v1/nudges/{nudge['id']}/reply", json={"text": REPLY}, headers=loop.as_("marta"))
        loop.settle()
        draft = c.get("/v1/me/guides", headers=loop.as_("marta")).json()[0]
        assert draft["engine"] == "llm"
        sections = draft["content"]["sections"]
        assert set(sections) == {"summary", "rationale", "steps"}, "unsupported and invalid sentences are dropped"
        assert "moon" not in draft["markdown"] and "hash index" not in draft["markdown"]

        c.post(f"/v1/guides/{draft['id']}/approve", headers=loop.as_("marta"))
        loop.settle()
        hits = c.get(
            "/v1/search", params={"q": "listing slow because of soft-deleted rows"}, headers=loop.as_("lena")
        ).json()["results"]
        assert hits[0]["guide_id"] == draft["id"]

    sent = [json.loads(call.request.content) for call in route.calls]
    assert {b["model"] for b in sent} == {"test-model"}
    schemas = [b["response_format"]["json_schema"]["name"] for b in sent]
    assert schemas.count("RubricVerdict") >= 1, "the LLM judged the terse answer"
    assert all("<" in b["messages"][-1]["content"] for b in sent), "community text is fenced in tags"


def test_llm_outage_falls_back_to_offline_engines(make_loop) -> None:
    with respx.mock(assert_all_called=True) as mock:
        mock.post(f"{BASE}/chat/completions").mock(return_value=httpx.Response(503, json={"error": "down"}))
        loop = make_loop(http_client=httpx.Client(), openai_base_url=BASE, llm_max_retries=0)
        loop.client.post(
            f"/v1/communities/{COMMUNITY}/messages", json={"messages": thread_messages()}, headers=loop.as_("priya")
        )
        loop.settle()
        nudge = loop.client.get("/v1/me/nudges", headers=loop.as_("marta")).json()[0]
        assert "partial index" in nudge["question"].lower(), "the template writer asked instead"
        loop.client.post(f"/v1/nudges/{nudge['id']}/reply", json={"text": REPLY}, headers=loop.as_("marta"))
        loop.settle()
        draft = loop.client.get("/v1/me/guides", headers=loop.as_("marta")).json()[0]
        assert "CONCURRENTLY" in draft["markdown"]


class PoolProbeLLM:
    """Judges, asks and (refusing guides) falls back; records the open database connections at every call."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.calls: list[tuple[str, int]] = []

    def structured(self, prompt: str, schema: type[T]) -> T:
        assert self.engine is not None
        self.calls.append((schema.__name__, self.engine.pool.checkedout()))  # type: ignore[attr-defined]
        if schema.__name__ == "RubricVerdict":
            return schema.model_validate({"terse": "yes", "gaps": ["alternatives"], "confidence": "high"})
        if schema.__name__ == "FollowUpQuestion":
            return schema.model_validate({"question": QUESTION})
        raise LLMUnavailable("guides are left to the offline writer here")


def test_no_transaction_is_open_while_the_llm_thinks(make_loop) -> None:
    probe = PoolProbeLLM()
    loop = make_loop(llm=probe)
    probe.engine = loop.tacit.services.db.engine
    c = loop.client
    c.post(f"/v1/communities/{COMMUNITY}/messages", json={"messages": thread_messages()}, headers=loop.as_("priya"))
    loop.settle()
    nudge = c.get("/v1/me/nudges", headers=loop.as_("marta")).json()[0]
    c.post(f"/v1/nudges/{nudge['id']}/reply", json={"text": "It was simply faster for us."}, headers=loop.as_("marta"))
    loop.settle()
    second = c.get("/v1/me/nudges", headers=loop.as_("marta")).json()
    assert [n["question"].endswith(QUESTION) for n in second] == [True], "the key gap stayed open: asked once more"
    asked = [name for name, _ in probe.calls]
    assert asked.count("RubricVerdict") >= 1 and asked.count("FollowUpQuestion") == 2
    assert all(open_connections == 0 for _, open_connections in probe.calls), probe.calls
