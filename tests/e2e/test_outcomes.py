"""Learning from outcomes (issue 13, items 2 and 3) through the running app: labels derived from what is stored,
the recalibrate job and the community's own model, cold start, a hostile stored model, two jobs at once."""

from __future__ import annotations

import logging
import threading
from dataclasses import replace

import pytest

from elicitor.community_model import REFIT_FROM, parse_stored
from elicitor.detect import TerseDetector
from elicitor.terse_model import TerseModel
from tests.e2e.conftest import COMMUNITY, Loop, now_iso
from tests.e2e.test_loop_offline import REPLY, thread_messages
from tests.e2e.test_pages_api import _csrf
from workflow import outcomes
from workflow.assess import assess_message

QUESTION = "Our nightly backup of the orders database takes six hours and blocks writes. How do we speed it up?"
SHORT = "Switch to pg_basebackup with WAL archiving instead of pg_dump."
MID = (
    "Switch to pg_basebackup with WAL archiving instead of pg_dump, because a physical copy does not take the "
    "locks that a logical dump takes. pg_dump will not scale to this size."
)
LONG = (
    "Switch to pg_basebackup with WAL archiving instead of pg_dump, because a physical copy does not hold the "
    "locks a logical dump takes, so writes keep flowing. First set archive_mode=on and archive_command to copy "
    "each WAL segment to the backup host, then run pg_basebackup -X stream nightly. If you need single-table "
    "restores, keep a weekly pg_dump of the small tables as well. Watch out: without a tested restore the backup "
    "is worth nothing, so restore last night's copy into a scratch server every week and compare row counts."
)


def ask(loop: Loop, n: int, answer: str, **extra: object) -> str:
    """One thread: a learner's question and marta's (an expert's) answer; returns the answer's message id."""
    messages = [
        {"external_id": f"q{n}", "thread": f"t{n}", "thread_title": f"Slow backups {n}", "author": "lena"}
        | {"text": QUESTION, "created_at": now_iso(30)},
        {"external_id": f"a{n}", "thread": f"t{n}", "parent": f"q{n}", "author": "marta", "text": answer}
        | {"created_at": now_iso(20)}
        | extra,
    ]
    r = loop.client.post(
        f"/v1/communities/{COMMUNITY}/messages", json={"messages": messages}, headers=loop.as_("priya")
    )
    assert r.status_code == 202, r.text
    return r.json()["message_ids"][1]


def labels(loop: Loop) -> dict[str, tuple[bool, str]]:
    with loop.tacit.services.uow() as uow:
        return {label.message_id: (label.terse, label.source) for label in uow.outcomes.labels(COMMUNITY)}


def mark(loop: Loop, message_id: str, should_nudge: bool) -> None:
    url = f"/v1/communities/{COMMUNITY}/assessments/{message_id}/mark"
    assert loop.client.put(url, json={"should_nudge": should_nudge}, headers=loop.as_("priya")).status_code == 204


def detector(loop: Loop, handle: str = "priya") -> dict:
    r = loop.client.get(f"/v1/communities/{COMMUNITY}/detector", headers=loop.as_(handle))
    assert r.status_code == 200, r.text
    return r.json()


def assessment(loop: Loop, message_id: str) -> dict:
    rows = loop.client.get(f"/v1/communities/{COMMUNITY}/assessments", headers=loop.as_("priya")).json()
    return next(r for r in rows if r["message_id"] == message_id)


def test_declines_marks_and_replies_in_a_guide_become_the_communitys_labels(make_loop) -> None:
    loop = make_loop()
    c = loop.client
    r = c.post(f"/v1/communities/{COMMUNITY}/messages", json={"messages": thread_messages()}, headers=loop.as_("priya"))
    answered = r.json()["message_ids"][1]
    declined, busy, marked = ask(loop, 1, SHORT), ask(loop, 2, SHORT + " It is faster."), ask(loop, 3, LONG)
    loop.settle()
    inbox = {n["message_id"]: n for n in c.get("/v1/me/nudges", headers=loop.as_("marta")).json()}
    assert {answered, declined, busy} <= set(inbox), "the fixtures' terse answers are nudged"
    assert detector(loop) == {"labels": 0, "labels_used": 0, "model": "shipped", "cold_start_gate": None}

    marta = loop.as_("marta")
    c.post(f"/v1/nudges/{inbox[declined]['id']}/decline", json={"reason": "complete"}, headers=marta)
    c.post(f"/v1/nudges/{inbox[busy]['id']}/decline", json={"reason": "no_time"}, headers=marta)  # not a label
    c.post(f"/v1/nudges/{inbox[answered]['id']}/reply", json={"text": REPLY}, headers=marta)
    mark(loop, marked, True)
    loop.settle()

    assert labels(loop) == {
        answered: (True, "reply_in_guide"),  # the draft guide cites the expert's reply
        declined: (False, "declined_complete"),
        marked: (True, "steward_mark"),
    }
    mark(loop, declined, True)  # the steward's word overrules the expert's "complete"
    loop.settle()
    assert labels(loop)[declined] == (True, "steward_mark")
    status = detector(loop)
    assert status["labels"] == 3 and status["model"] == "recalibrated" and status["labels_used"] == 3
    assert c.get(f"/v1/communities/{COMMUNITY}/detector", headers=loop.as_("marta")).status_code == 403
    c.post("/signin", data={"token": loop.tokens["priya"], "csrf_token": _csrf(c.get("/signin").text)})
    assert "3 outcome labels; terse model: recalibrated (from 3)" in c.get(f"/steward/{COMMUNITY}").text


def test_the_job_refits_and_the_next_assessment_uses_the_communitys_model(make_loop) -> None:
    loop = make_loop(cold_start_labels=REFIT_FROM)
    # This community calls the long, complete-looking answers terse and the short ones complete: the opposite of
    # what the shipped model learned, so the refitted model must score a new short answer lower.
    half = (REFIT_FROM + 1) // 2
    short = [ask(loop, n, f"{SHORT} Use compression level {n}.") for n in range(half)]
    long = [ask(loop, 100 + n, f"{LONG} Keep {n + 2} copies.") for n in range(half)]
    loop.settle()
    for message_id in short:
        mark(loop, message_id, False)
    for message_id in long:
        mark(loop, message_id, True)
    loop.settle()
    status = detector(loop)
    assert status["model"] == "refitted" and status["labels_used"] == 2 * half and status["cold_start_gate"] is None

    new = ask(loop, 999, f"{SHORT} Use compression level 99.")
    loop.settle()
    services = loop.tacit.services
    with services.uow() as uow:
        stored = uow.outcomes.model_of(COMMUNITY)
        thread = uow.messages.load_thread(uow.messages.get(new).thread_id)
        standing = uow.messages.standing(COMMUNITY, thread.by_id(new).author_id)
    assert stored is not None and stored.labels == 2 * half
    community, _ = parse_stored(stored.model, outcomes.shipped_model())
    assert community is not None
    by_community = TerseDetector(model=community).assess(thread, thread.by_id(new), standing).score
    by_shipped = TerseDetector(model=outcomes.shipped_model()).assess(thread, thread.by_id(new), standing).score
    assert assessment(loop, new)["score"] == by_community
    assert by_community < by_shipped


def _scores(loop: Loop, *message_ids: str) -> list[float]:
    return [assessment(loop, m)["score"] for m in message_ids]


def test_cold_start_blocks_a_mid_confidence_answer_and_lets_a_confident_one_through(
    make_loop, monkeypatch: pytest.MonkeyPatch
) -> None:
    loop = make_loop(cold_start_labels=50)
    shipped = outcomes.shipped_model()
    monkeypatch.setattr(outcomes, "shipped_model", lambda: replace(shipped, cold_start_cut=0.999))
    mid, high = ask(loop, 1, MID), ask(loop, 2, SHORT)
    loop.settle()
    s_mid, s_high = _scores(loop, mid, high)
    assert loop.tacit.services.terse_threshold <= s_mid < s_high < 0.999, "fixtures: both terse, one more surely"
    assert "only the most confident answers" in assessment(loop, high)["explanation"]
    assert loop.client.get("/v1/me/nudges", headers=loop.as_("marta")).json() == []

    # The development cut between the two (the community has too few answers for its own): one passes.
    cut = round((s_mid + s_high) / 2, 3)
    monkeypatch.setattr(outcomes, "shipped_model", lambda: replace(shipped, cold_start_cut=cut))
    for message_id in (mid, high):
        assess_message(loop.tacit.services, message_id=message_id)
    loop.settle()
    assert not assessment(loop, mid)["is_candidate"] and assessment(loop, high)["is_candidate"]
    assert [n["message_id"] for n in loop.client.get("/v1/me/nudges", headers=loop.as_("marta")).json()] == [high]
    assert detector(loop)["cold_start_gate"] == cut


@pytest.mark.parametrize(
    "stored",
    [
        '{"names": ["context"], "mean": [0], "scale": [1], "coef": [1e308], "intercept": 0, "offset": 0}',
        "<script>alert(1)</script>",
        "HOSTILE",  # a model of the right shape with a coefficient that would send every score to 1
    ],
)
def test_a_hostile_or_malformed_stored_model_falls_back_to_the_shipped_one(
    make_loop, caplog: pytest.LogCaptureFixture, stored: str
) -> None:
    loop = make_loop()
    shipped = outcomes.shipped_model()
    if stored == "HOSTILE":
        stored = replace(shipped, coef=(1e9,) * len(shipped.names)).to_json()
    with loop.tacit.services.uow() as uow:
        uow.outcomes.save_model(COMMUNITY, model=stored, method="refitted", labels=500, label_key="x" * 64)
    message_id = ask(loop, 1, MID)
    with caplog.at_level(logging.WARNING, logger="tacit.outcomes"):
        loop.settle()
    assert "stored model not used" in caplog.text
    with loop.tacit.services.uow() as uow:
        thread = uow.messages.load_thread(uow.messages.get(message_id).thread_id)
    expected = TerseDetector(model=shipped).assess(thread, thread.by_id(message_id), _expert()).score
    assert assessment(loop, message_id)["score"] == expected
    assert detector(loop)["model"] == "shipped"


def _expert():  # type: ignore[no-untyped-def]
    from elicitor.model import AuthorStanding, Role

    return AuthorStanding(role=Role.EXPERT)


def test_two_recalibrations_at_once_end_with_one_consistent_model(
    database_url: str | None, make_loop, monkeypatch: pytest.MonkeyPatch
) -> None:
    loop = make_loop(database_url=database_url, cold_start_labels=4)
    ids = [ask(loop, n, f"{SHORT} Use compression level {n}.") for n in range(2)]
    ids += [ask(loop, 10 + n, f"{LONG} Keep {n + 2} copies.") for n in range(2)]
    loop.settle()
    with loop.tacit.services.uow() as uow:
        for n, message_id in enumerate(ids):  # labels without queueing jobs: the two below are the only ones
            uow.console.set_mark(COMMUNITY, message_id, n >= 2, loop.ids["priya"])
    real_adapt = outcomes.adapt
    both_fitted = threading.Barrier(2)

    def slow_adapt(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        adapted = real_adapt(*args, **kwargs)  # type: ignore[arg-type]
        both_fitted.wait(timeout=30)  # both jobs read the same labels and fitted before either writes
        return adapted

    monkeypatch.setattr(outcomes, "adapt", slow_adapt)
    results: list = [None, None]

    def job(n: int) -> None:
        results[n] = outcomes.recalibrate_detector(loop.tacit.services, community_id=COMMUNITY)

    threads = [threading.Thread(target=job, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert all(r is not None for r in results)
    with loop.tacit.services.uow() as uow:
        stored = uow.outcomes.model_of(COMMUNITY)
        current = uow.outcomes.labels(COMMUNITY)
    assert stored is not None and results[0].label_key == results[1].label_key == stored.label_key
    assert stored.labels == 4 and stored.method == "recalibrated"  # fewer than REFIT_FROM labels
    assert outcomes.label_key([(label.message_id, label.terse) for label in current]) == stored.label_key
    model, reason = parse_stored(stored.model, outcomes.shipped_model())
    assert model is not None, reason
    assert isinstance(model, TerseModel) and results[0].model == results[1].model == stored.model


def test_labels_whose_recalibration_never_ran_are_picked_up_by_the_recovery_sweep(make_loop) -> None:
    from workflow.recovery import reconcile

    loop = make_loop()
    message_id = ask(loop, 1, MID)
    loop.settle()
    assert outcomes.stale_detectors(loop.tacit.services) == []
    with loop.tacit.services.uow() as uow:  # as if the process died between the commit and the queue
        uow.console.set_mark(COMMUNITY, message_id, True, loop.ids["priya"])
    assert outcomes.stale_detectors(loop.tacit.services) == [COMMUNITY]
    assert reconcile(loop.tacit.services) == 1
    loop.settle()
    assert outcomes.stale_detectors(loop.tacit.services) == []
    assert detector(loop)["labels_used"] == 1
