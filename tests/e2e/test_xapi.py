"""xAPI out: the loop's events as statements, valid by ralph's models, sent once through retries (respx LRS)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest
import respx
from ralph.models.xapi.base.statements import BaseXapiStatement

from analytics.xapi import VERBS, Event, Vocabulary, statement, statement_id, voiding
from connectors.xapi.client import LrsClient
from tests.e2e.conftest import COMMUNITY
from tests.e2e.test_analytics_api import run_the_loop
from workflow.xapi import send_statements

LRS = "http://lrs.test/xAPI"
WORDS = Vocabulary("https://tacit.example.org")
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


@pytest.mark.parametrize("kind", sorted(VERBS))
@pytest.mark.parametrize("named", [True, False])
def test_every_statement_is_valid_xapi(kind: str, named: bool) -> None:
    event = Event(
        kind,
        "m1",
        "p1",
        "Marta <b>",
        "platform",
        AT,
        "thread",
        "t1",
        "Slow listing",
        {"accepted": True},
        success=True if kind == "rated" else None,
    )
    body = statement(event, WORDS, named)
    BaseXapiStatement.model_validate(body)
    assert body["id"] == statement_id(kind, "m1") == statement(event, WORDS, named)["id"]  # stable
    assert ("name" in body["actor"]) is named
    assert body["actor"]["account"]["name"] == ("p1" if named else body["actor"]["account"]["name"])
    if not named:
        assert "p1" not in json.dumps(body) and "Marta" not in json.dumps(body)


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
