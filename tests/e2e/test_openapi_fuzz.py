"""Property-based run of the OpenAPI schema (schemathesis strategies, driven by hypothesis): no input makes a 500.

Run longer with: TACIT_FUZZ_EXAMPLES=200 pytest tests/e2e/test_openapi_fuzz.py -q -s
"""

from __future__ import annotations

import os
from collections import Counter

import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.e2e.conftest import COMMUNITY, Loop
from tests.e2e.test_loop_offline import REPLY, thread_messages

EXAMPLES = int(os.environ.get("TACIT_FUZZ_EXAMPLES", "12"))


def seeded_loop(make_loop) -> Loop:  # type: ignore[no-untyped-def]
    loop = make_loop(rate_limit_writes="1000000/minute")
    c = loop.client
    c.post(f"/v1/communities/{COMMUNITY}/messages", json={"messages": thread_messages()}, headers=loop.as_("priya"))
    loop.settle()
    nudge = c.get("/v1/me/nudges", headers=loop.as_("marta")).json()[0]
    c.post(f"/v1/nudges/{nudge['id']}/reply", json={"text": REPLY}, headers=loop.as_("marta"))
    loop.settle()
    return loop


def is_envelope(response) -> bool:  # type: ignore[no-untyped-def]
    """The one error shape: {"detail": [{"msg": str, "loc": list}, ...]}."""
    try:
        detail = response.json()["detail"]
    except (ValueError, KeyError, TypeError):
        return False
    return (
        isinstance(detail, list)
        and bool(detail)
        and all(isinstance(d.get("msg"), str) and d["msg"] and isinstance(d.get("loc"), list) for d in detail)
    )


def probe(operation, headers: dict[str, str], statuses: Counter[int], failures: list[str]):  # type: ignore[no-untyped-def]
    """A hypothesis test that calls one operation with generated input and records what came back."""

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case: schemathesis.Case) -> None:
        response = case.call(headers={**(case.headers or {}), **headers})
        statuses[response.status_code] += 1
        if response.status_code >= 500:
            failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:200]}")
        elif response.status_code >= 400 and not is_envelope(response):
            failures.append(f"{case.method} {case.formatted_path} -> {response.status_code} not the error envelope")

    return run


def test_no_input_makes_a_server_error(make_loop) -> None:
    loop = seeded_loop(make_loop)
    schema = schemathesis.openapi.from_asgi("/openapi.json", loop.client.app)
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        who = "ada" if operation.path in ("/v1/audit", "/v1/communities") else "priya"
        probe(operation, loop.as_(who), statuses, failures)()
    loop.settle()
    print(f"\nfuzz: {len(operations)} operations, {sum(statuses.values())} requests, statuses {dict(statuses)}")
    assert len(operations) >= 20
    assert not failures, "\n".join(failures[:10])
