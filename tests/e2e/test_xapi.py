"""xAPI out: the loop's events as statements, valid by ralph's models, sent once through retries (respx LRS)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest
import respx
from ralph.models.xapi.base.statements import BaseXapiStatement

from analytics.xapi import (
    ACTIVITIES,
    SHARED_KINDS,
    VERBS,
    Event,
    Vocabulary,
    sendable,
    statement,
    statement_id,
    voiding,
)
from connectors.xapi.client import LrsClient
from tests.e2e.conftest import COMMUNITY
from tests.e2e.test_analytics_api import run_the_loop
from workflow.xapi import send_statements

LRS = "http://lrs.test/xAPI"
WORDS = Vocabulary("https://tacit.example.org", b"the test LRS pseudonym key, not secret")
AT = datetime(2026, 11, 20, 10, 30, tzinfo=UTC)


class FakeLrs:
    """Stores statements by id like an LRS; fails the first `failures` calls with 503."""

    def __init__(self, failures: int = 0) -> None:
        self.failures, self.calls = failures, 0
        self.stored: dict[str, dict] = {}
        self.headers: list[httpx.Headers] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        self.headers.append(request.headers)
        if self.failures:
            self.failures -= 1
            return httpx.Response(503)
        for s in json.loads(request.content):
            self.stored.setdefault(s["id"], s)
        return httpx.Response(200, json=[s["id"] for s in json.loads(request.content)])


# One event per builder in store/repositories/xapi.py: its object type, its object's name and its extensions.
EXAMPLES = {
    "asked": ("thread", "Slow listing for Marta's team", {"message": "m1", "accepted": False}),
    "answered": ("thread", "Slow listing for Marta's team", {"message": "m2", "accepted": True}),
    "replied": ("question", "Slow listing for Marta's team", {"message": "m3", "accepted": False}),
    "elaborated": ("thread", "Slow listing for Marta's team", {"gap": "why"}),
    "guide_approved": ("guide", "Ask @marta: a partial index", {}),
    "guide_read": ("guide", "Ask @marta: a partial index", {}),
    "rated": ("guide", "Ask @marta: a partial index", {}),
    "searched": ("search", "Tacit search", {"results": 3}),
    "endorsed": ("skill", "PostgreSQL", {"endorsed_person": "p2"}),
    "tandem_session": ("tandem", "Tandem session", {"activity": "task_taken"}),
    "task_completed": ("task", "Pair with Marta on the index", {"tandem": "td1"}),
}
WRITTEN = ("Marta", "marta")  # in every title people wrote above, never in a vocabulary word


def example(kind: str) -> Event:
    object_type, name, extensions = EXAMPLES[kind]
    success = True if kind == "rated" else None
    return Event(kind, "m1", "p1", "Lena <b>", "platform", AT, object_type, "o1", name, extensions, success=success)


def test_every_kind_of_event_has_an_example() -> None:
    assert set(EXAMPLES) == set(VERBS)


@pytest.mark.parametrize("kind", sorted(VERBS))
def test_every_named_statement_is_valid_xapi_and_stable(kind: str) -> None:
    event = example(kind)
    body = statement(event, WORDS, named=True)
    BaseXapiStatement.model_validate(body)
    assert body["id"] == statement_id(kind, "m1") == statement(event, WORDS, named=True)["id"]
    assert body["actor"]["name"] == "Lena <b>" and body["actor"]["account"]["name"] == "p1"
    assert body["object"]["definition"]["name"] == {"en-US": EXAMPLES[kind][1]}  # named: the title goes along


@pytest.mark.parametrize("kind", sorted(set(VERBS) - SHARED_KINDS))
def test_a_chatham_house_statement_carries_no_name_no_id_and_no_text_people_wrote(kind: str) -> None:
    event = example(kind)
    body = statement(event, WORDS, named=False)
    BaseXapiStatement.model_validate(body)
    sent = json.dumps(body)
    for secret in ("p1", "p2", "Lena", *WRITTEN):
        assert secret not in sent
    assert "name" not in body["actor"] and body["actor"]["account"]["homePage"].endswith("/pseudonyms")
    written = ACTIVITIES[EXAMPLES[kind][0]].written
    assert ("name" in body["object"]["definition"]) is not written  # vocabulary words stay, titles do not
    assert body["id"] == statement(event, WORDS, named=True)["id"]  # the same event, the same id


def test_a_chatham_house_statement_gives_only_the_day_it_happened() -> None:
    """The exact second of a post, matched against the platform's record, would tell who is behind a pseudonym."""
    event = replace(example("answered"), at=datetime(2026, 3, 4, 15, 16, 17, 181920, tzinfo=UTC))
    assert statement(event, WORDS, named=True)["timestamp"] == "2026-03-04T15:16:17.181920+00:00"
    assert statement(event, WORDS, named=False)["timestamp"] == "2026-03-04T00:00:00+00:00"


def test_an_endorsement_is_never_sent_under_a_pseudonym() -> None:
    # The endorsement is one event in every community the two share: its pseudonymous twin would name them.
    endorsement = example("endorsed")
    assert sendable(endorsement, named=True) and not sendable(endorsement, named=False)
    with pytest.raises(ValueError, match="not sent"):
        statement(endorsement, WORDS, named=False)


def test_an_extension_must_say_what_it_carries() -> None:
    event = Event("asked", "m1", "p1", "Lena", "platform", AT, "thread", "t1", extensions={"author_email": "x@y"})
    with pytest.raises(ValueError, match="author_email"):
        statement(event, WORDS, named=True)


def test_pseudonyms_are_keyed_per_community() -> None:
    other_key = Vocabulary(WORDS.base, b"another deployment's key, 32 bytes")
    mine = WORDS.pseudonym("platform", "p1")
    assert mine == WORDS.pseudonym("platform", "p1")  # stable: the LRS can follow one person
    assert mine != WORDS.pseudonym("data", "p1")  # another community: unlinkable
    assert mine != other_key.pseudonym("platform", "p1")  # without the key it cannot be recomputed
    with pytest.raises(ValueError, match="16 bytes"):
        Vocabulary(WORDS.base, b"short")


def test_a_voiding_statement_is_valid_and_stable() -> None:
    body = voiding(statement_id("asked", "m1"), WORDS, AT)
    BaseXapiStatement.model_validate(body)
    assert body["object"] == {"objectType": "StatementRef", "id": statement_id("asked", "m1")}
    assert body == voiding(statement_id("asked", "m1"), WORDS, AT)


def lrs_client(http: httpx.Client) -> LrsClient:
    return LrsClient(http, LRS, "tacit", "secret", "1.0.3")


def test_the_loop_reaches_the_lrs_once_across_retries(make_loop) -> None:
    loop = make_loop()
    run_the_loop(loop)
    services = loop.tacit.services
    lrs = FakeLrs(failures=1)
    with respx.mock(assert_all_called=False) as mock, httpx.Client() as http:
        mock.post(f"{LRS}/statements").mock(side_effect=lrs)
        sink = lrs_client(http)
        with pytest.raises(Exception, match="503"):
            send_statements(services, sink=sink, words=WORDS, batch_size=2)  # the job fails; the runner retries
        first = send_statements(services, sink=sink, words=WORDS, batch_size=2)
        again = send_statements(services, sink=sink, words=WORDS, batch_size=2)
    verbs = sorted(s["verb"]["display"]["en-US"] for s in lrs.stored.values())
    # asked, answered (marta), replied (lena's thanks), responded (the nudge reply), approved, viewed, rated,
    # searched (lena's search in the community; otto's elsewhere is not this community's).
    assert verbs == ["answered", "approved", "asked", "rated", "replied", "responded", "searched", "viewed"]
    assert first.sent == len(lrs.stored) and again.sent == 0
    for s in lrs.stored.values():
        BaseXapiStatement.model_validate(s)
    assert "Slow tenant listing" in json.dumps(list(lrs.stored.values()))  # named: the thread's title goes along
    assert all(
        h["x-experience-api-version"] == "1.0.3" and h["authorization"].startswith("Basic ") for h in lrs.headers
    )


def test_chatham_house_sends_no_names_and_erasure_voids(make_loop) -> None:
    loop = make_loop()
    run_the_loop(loop)
    c = loop.client
    c.patch(f"/v1/communities/{COMMUNITY}", json={"chatham_house": True}, headers=loop.as_("priya"))
    services = loop.tacit.services
    lrs = FakeLrs()
    with respx.mock(assert_all_called=False) as mock, httpx.Client() as http:
        mock.post(f"{LRS}/statements").mock(side_effect=lrs)
        send_statements(services, sink=lrs_client(http), words=WORDS)
        sent = json.dumps(list(lrs.stored.values()))
        for secret in ("marta", "lena", loop.ids["marta"], loop.ids["lena"]):
            assert secret not in sent
        lenas = {s["id"] for s in lrs.stored.values() if s["verb"]["display"]["en-US"] in ("viewed", "rated")}
        r = c.delete(f"/v1/people/{loop.ids['lena']}", params={"mode": "erase"}, headers=loop.as_("ada"))
        assert r.status_code == 200, r.text
        run = send_statements(services, sink=lrs_client(http), words=WORDS)
        again = send_statements(services, sink=lrs_client(http), words=WORDS)
    voided = {s["object"]["id"] for s in lrs.stored.values() if s["verb"]["display"]["en-US"] == "voided"}
    assert lenas <= voided and run.voided == len(voided) and again.voided == 0
    assert all(
        s["actor"]["account"]["name"] == "tacit"
        for s in lrs.stored.values()
        if s["object"]["id"] in voided and s["verb"]["display"]["en-US"] == "voided"
    )


def test_chatham_house_sends_no_titles_and_no_endorsements(database_url: str | None, make_loop) -> None:
    """Every builder's events in a Chatham House community: no title people wrote leaves, nor an endorsement."""
    loop = make_loop(database_url=database_url)
    guide_id = run_the_loop(loop)
    c = loop.client
    guide_title = c.get(f"/v1/guides/{guide_id}", headers=loop.as_("lena")).json()["title"]
    assert c.post("/v1/people/marta/endorsements", json={"skill": "postgresql"}, headers=loop.as_("lena")).is_success
    tandem = {"community": COMMUNITY, "junior": "lena", "senior": "marta", "goals": ["postgres"]}
    t = c.post("/v1/tandems", json=tandem, headers=loop.as_("priya")).json()
    task = {"title": "Pair with Marta Quintero on the index", "skills": ["postgres"]}
    assert c.post(f"/v1/communities/{COMMUNITY}/tasks", json=task, headers=loop.as_("priya")).is_success
    suggestion = c.get(f"/v1/tandems/{t['id']}/suggestions", headers=loop.as_("lena")).json()[0]["suggestion_id"]
    taken = c.post(f"/v1/tandems/{t['id']}/tasks", json={"suggestion_id": suggestion}, headers=loop.as_("lena"))
    assert c.post(f"/v1/tandems/{t['id']}/tasks/{taken.json()['id']}/done", headers=loop.as_("marta")).is_success
    c.patch(f"/v1/communities/{COMMUNITY}", json={"chatham_house": True}, headers=loop.as_("priya"))
    lrs = FakeLrs()
    with respx.mock(assert_all_called=False) as mock, httpx.Client() as http:
        mock.post(f"{LRS}/statements").mock(side_effect=lrs)
        send_statements(loop.tacit.services, sink=lrs_client(http), words=WORDS)
    sent = json.dumps(list(lrs.stored.values()))
    for secret in ("Slow tenant listing", guide_title, task["title"], "Marta", "marta", loop.ids["marta"]):
        assert secret not in sent
    verbs = {s["verb"]["display"]["en-US"] for s in lrs.stored.values()}
    assert {"attended", "completed", "approved"} <= verbs  # the tandem and the guide are there, untitled
    assert not any(s["object"]["definition"]["type"].endswith("/skill") for s in lrs.stored.values())
    for s in lrs.stored.values():
        BaseXapiStatement.model_validate(s)


def test_the_typed_xapi_send_job_sends_through_the_configured_lrs(make_loop) -> None:
    """The registry's xapi_send handler (a stored payload, as the runner hands it back) reaches services.xapi."""
    from workflow.job_types import Job, XapiSend, as_dict
    from workflow.registry import job_handlers
    from workflow.services import XapiOut

    loop = make_loop()
    run_the_loop(loop)
    services = loop.tacit.services
    handle = job_handlers(services)[Job.XAPI_SEND.value]
    handle(as_dict(XapiSend()))  # no LRS configured: nothing to do, nothing raised
    lrs = FakeLrs()
    with respx.mock(assert_all_called=False) as mock, httpx.Client() as http:
        mock.post(f"{LRS}/statements").mock(side_effect=lrs)
        services.xapi = XapiOut(lrs_client(http), WORDS, batch_size=3)
        try:
            handle({})  # the periodic run's payload: every community
        finally:
            services.xapi = None
    assert lrs.stored and all(s["id"] for s in lrs.stored.values())
