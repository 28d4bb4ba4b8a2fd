"""The application layer without HTTP or a database: the workflow's use cases against the in-memory unit of work.

Each test drives the loop through the workflow functions (ingest, assess -> nudge, reply -> draft, review, source
edits and deletions) and asserts on what the fake holds afterwards, the way the SQL store would hold it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from elicitor.community_model import Calibration
from elicitor.detect import TerseDetector
from elicitor.followup import TemplateFollowUpWriter
from elicitor.judge_llm import LLMJudgedDetector
from elicitor.model import Role
from prompts.budget import TokenBudget
from prompts.fake import FakeLLM
from retrieval.fakes import HashingEmbedder, InMemoryIndex
from retrieval.search import GuideSearch
from store.records import IncomingMessage
from synthesizer.offline import ExtractiveGuideWriter
from tests.fake_uow import FakeUnitOfWork, Tables
from workflow import assess, governance, guides, nudges, outcomes
from workflow.errors import Conflict, Forbidden, InvalidInput, NotFound
from workflow.ingest import ingest_messages
from workflow.job_types import defer_assessments
from workflow.people import add_person, create_community
from workflow.registry import job_handlers
from workflow.services import NudgeDefaults, Services

QUESTION = (
    "Listing tenants takes 4 seconds on the accounts table (40M rows, soft-deleted with deleted_at). "
    "How do I make it fast?"
)
TERSE = "Use a partial index on (tenant_id) where deleted_at is null. A plain btree on tenant_id won't scale."
REPLY = (
    "Because almost all rows are soft-deleted, a plain btree indexes every dead row and the planner still scans "
    "them. The partial index only holds live rows, so it stays small and hot in cache. Create it with CREATE INDEX "
    "CONCURRENTLY so writes are not blocked. If most rows are live, a plain index is fine instead. Watch out: the "
    "query must repeat the same WHERE deleted_at IS NULL predicate, or the planner will not use the index."
)


class RecordingRunner:
    """Jobs queued by (name, key), run on demand through the real registry (typed payloads and all)."""

    def __init__(self) -> None:
        self.queued: list[tuple[str, str, dict[str, str]]] = []
        self.handlers: dict[str, Callable[[dict[str, str]], None]] = {}
        self.ran: list[str] = []

    def enqueue(self, job: str, key: str, payload: dict[str, str]) -> None:
        if job not in self.handlers:
            raise KeyError(f"unknown job {job!r}")
        if (job, key) not in {(j, k) for j, k, _ in self.queued}:
            self.queued.append((job, key, payload))

    def settle(self) -> None:
        while self.queued:
            job, _, payload = self.queued.pop(0)
            self.ran.append(job)
            self.handlers[job](payload)


@pytest.fixture
def world() -> tuple[Services, Tables, RecordingRunner]:
    tables, runner = Tables(), RecordingRunner()
    services = Services(
        db=None,
        detector=TerseDetector(0.55),
        followups=TemplateFollowUpWriter(),
        guides=ExtractiveGuideWriter(),
        search=GuideSearch(HashingEmbedder(), InMemoryIndex()),
        runner=runner,
        nudge_defaults=NudgeDefaults(per_week=3, quiet_hours="", max_age_days=30),
        cold_start_labels=0,  # these tests follow one answer of a new community; cold start has its own tests
        unit_of_work=lambda: FakeUnitOfWork(tables),
    )
    runner.handlers = job_handlers(services)
    create_community(services, community_id="platform", name="Platform Guild")
    for handle, role in [("priya", Role.STEWARD), ("marta", Role.EXPERT), ("lena", Role.MEMBER)]:
        add_person(services, handle=handle, community_id="platform", role=role)
    return services, tables, runner


def _id(tables: Tables, handle: str) -> str:
    return next(p.id for p in tables.people.values() if p.handle == handle)


def _thread(now: datetime) -> list[IncomingMessage]:
    at = lambda minutes: now - timedelta(minutes=minutes)  # noqa: E731
    return [
        IncomingMessage("m1", "t1", "lena", QUESTION, at(30), thread_title=None),
        IncomingMessage("m2", "t1", "marta", TERSE, at(20), parent="m1", score=5, accepted=True),
        IncomingMessage("m3", "t1", "lena", "Thanks, will try!", at(10), parent="m2"),
    ]


def _nudged(world: tuple[Services, Tables, RecordingRunner]) -> str:
    services, tables, runner = world
    ingest_messages(services, community_id="platform", batch=_thread(services.clock()))
    runner.settle()
    (nudge,) = nudges.inbox(services, person_id=_id(tables, "marta"))
    return nudge.id


def _drafted(world: tuple[Services, Tables, RecordingRunner]) -> str:
    services, tables, runner = world
    nudges.reply(services, person_id=_id(tables, "marta"), nudge_id=_nudged(world), text=REPLY)
    runner.settle()
    (draft,) = guides.guides_to_review(services, person_id=_id(tables, "marta"))
    return draft.id


def test_ingest_stores_once_and_queues_the_assessment_of_its_new_messages(world) -> None:
    services, tables, runner = world
    first = ingest_messages(services, community_id="platform", batch=_thread(services.clock()))
    again = ingest_messages(services, community_id="platform", batch=_thread(services.clock()))
    assert (first.accepted, first.duplicates, again.accepted, again.duplicates) == (3, 0, 0, 3)
    assert len(tables.messages) == 3 and len(tables.threads) == 1
    assert [j for j, _, _ in runner.queued] == ["assess_messages"]  # one job for the batch
    (thread,) = tables.threads.values()
    assert thread.title == QUESTION  # no title given: derived from the opener's first line


def test_ingest_refuses_an_unknown_community_and_oversized_text_and_keeps_nothing(world) -> None:
    services, tables, _ = world
    with pytest.raises(NotFound):
        ingest_messages(services, community_id="nope", batch=_thread(services.clock()))
    huge = IncomingMessage("x", "t9", "lena", "a" * (services.max_message_chars + 1), services.clock())
    with pytest.raises(InvalidInput):
        ingest_messages(services, community_id="platform", batch=[huge])
    assert tables.messages == {}


def test_a_terse_expert_answer_is_assessed_and_its_author_nudged_once(world) -> None:
    services, tables, runner = world
    nudge_id = _nudged(world)
    nudge = tables.nudges[nudge_id]
    assert nudge["person_id"] == _id(tables, "marta") and nudge["status"] == "open" and nudge["round"] == 1
    assert "partial index" in nudge["question"].lower()
    verdicts = {tables.messages[m].external_id: a.outcome for m, a in tables.assessments.items()}
    assert verdicts["m2"] == "nudged" and verdicts["m1"] == "not a candidate"
    assert _id(tables, "marta") in tables.locks, "the nudge was written under the expert's lock"
    assert all(m.screened_at is not None for m in tables.messages.values()), "screened before anything reads it"
    ingest_messages(services, community_id="platform", batch=_thread(services.clock()))
    runner.settle()
    assert len(tables.nudges) == 1, "the same answer is never asked about twice"


def test_only_the_recipient_answers_a_nudge_and_an_answered_one_is_closed(world) -> None:
    services, tables, _ = world
    nudge_id = _nudged(world)
    with pytest.raises(Forbidden):
        nudges.reply(services, person_id=_id(tables, "lena"), nudge_id=nudge_id, text="me too")
    with pytest.raises(InvalidInput):
        nudges.reply(services, person_id=_id(tables, "marta"), nudge_id=nudge_id, text="   ")
    nudges.reply(services, person_id=_id(tables, "marta"), nudge_id=nudge_id, text=REPLY)
    with pytest.raises(Conflict):
        nudges.decline(services, person_id=_id(tables, "marta"), nudge_id=nudge_id)
    assert tables.nudges[nudge_id]["status"] == "answered" and len(tables.replies) == 1


def test_a_reply_becomes_a_cited_draft_for_the_expert_to_review(world) -> None:
    services, tables, runner = world
    guide_id = _drafted(world)
    record = tables.guides[guide_id]
    assert (record["status"], record["version"], record["reviewer_id"]) == ("draft", 1, _id(tables, "marta"))
    content = guides.get_guide(services, person_id=_id(tables, "marta"), guide_id=guide_id).content
    cited = {s["id"] for s in content["sources"]}
    assert cited and cited <= set(tables.messages) | set(tables.replies)
    assert "CONCURRENTLY" in str(content["sections"])
    with pytest.raises(NotFound):  # a draft is not disclosed to others
        guides.get_guide(services, person_id=_id(tables, "lena"), guide_id=guide_id)
    assert "synthesize_guide" in runner.ran


def test_approve_publishes_and_indexes_edit_makes_a_new_draft_and_reject_unpublishes(world) -> None:
    services, tables, runner = world
    guide_id, marta, lena = _drafted(world), _id(tables, "marta"), _id(tables, "lena")
    with pytest.raises(NotFound):  # issue 14: someone else's draft is not disclosed (404, not 403)
        guides.approve(services, person_id=lena, guide_id=guide_id)
    guides.approve(services, person_id=marta, guide_id=guide_id)
    runner.settle()
    assert {"index_guide", "announce_guide"} <= set(runner.ran)
    assert tables.guides[guide_id]["status"] == "published" and tables.guides[guide_id]["published_at"]
    hits = guides.search(services, person_id=lena, query="tenant listing slow soft deleted", community_id=None)
    assert [h.guide.id for h in hits] == [guide_id]

    content = guides.get_guide(services, person_id=marta, guide_id=guide_id).content
    edited = {**content, "title": "Partial indexes for soft-deleted tables"}
    guides.edit(services, person_id=marta, guide_id=guide_id, content=edited)
    assert (tables.guides[guide_id]["status"], tables.guides[guide_id]["version"]) == ("draft", 2)
    assert guides.search(services, person_id=lena, query="tenant listing slow soft deleted", community_id=None) == []
    assert tables.missed == [("platform", lena, "tenant listing slow soft deleted")], "kept for the stewards"
    with pytest.raises(InvalidInput):  # an edit may not cite what the guide never quoted
        bad = {**edited, "sections": {"summary": [{"text": "Made up.", "citations": ["nope"]}]}}
        guides.edit(services, person_id=marta, guide_id=guide_id, content=bad)
    assert tables.guides[guide_id]["version"] == 2, "a refused edit stores nothing"

    guides.reject(services, person_id=marta, guide_id=guide_id)
    assert tables.guides[guide_id]["status"] == "rejected"
    with pytest.raises(Conflict):
        guides.approve(services, person_id=marta, guide_id=guide_id)


def test_a_steward_edit_of_a_quoted_message_purges_the_guide_and_rewrites_it_from_the_new_text(world) -> None:
    services, tables, runner = world
    guide_id, priya = _drafted(world), _id(tables, "priya")
    new_text = "Use a partial index on (tenant_id) where deleted_at is null; check EXPLAIN first."
    with pytest.raises(Forbidden):
        governance.edit_message(
            services, actor_id=_id(tables, "lena"), community_id="platform", external_id="m2", text=new_text
        )
    governance.edit_message(services, actor_id=priya, community_id="platform", external_id="m2", text=new_text)
    assert tables.guides[guide_id]["status"] == "stale" and FakeGuidesView(tables).versions(guide_id) == []
    assert [(j, p) for j, _, p in runner.queued][:1] == [
        ("synthesize_guide", {"thread_id": tables.guides[guide_id]["thread_id"], "reviewer_id": _id(tables, "marta")})
    ]
    runner.settle()
    versions = FakeGuidesView(tables).versions(guide_id)
    assert len(versions) == 1 and "check EXPLAIN first" in str(versions[0])
    assert TERSE not in str(versions[0]), "the superseded text left every version"
    assert [e.action for e in tables.audit] == ["message.edited"] and tables.audit[0].actor_id == priya


def test_editing_the_opener_retitles_the_thread_and_deleting_it_clears_the_title(world) -> None:
    services, tables, runner = world
    ingest_messages(services, community_id="platform", batch=_thread(services.clock()))
    runner.settle()
    priya = _id(tables, "priya")
    (thread,) = tables.threads.values()
    governance.edit_message(
        services, actor_id=priya, community_id="platform", external_id="m1", text="Tenant listing is slow\nDetails"
    )
    assert tables.threads[thread.id].title == "Tenant listing is slow"
    governance.delete_message(services, actor_id=priya, community_id="platform", external_id="m1")
    assert tables.threads[thread.id].title == "Untitled thread"
    assert "Tenant listing" not in str(tables.threads) and len(tables.messages) == 2


def test_deleting_the_quoted_answer_withdraws_its_words_from_every_guide_version(world) -> None:
    services, tables, runner = world
    guide_id = _drafted(world)
    answer = next(m for m in tables.messages.values() if m.external_id == "m2")
    governance.delete_message(services, actor_id=_id(tables, "priya"), community_id="platform", external_id="m2")
    assert answer.id not in tables.messages and FakeGuidesView(tables).versions(guide_id) == []
    assert tables.nudges == {} and tables.replies == {}, "the nudge about the answer went with it"
    runner.settle()  # the rewrite finds no expert reply left: the guide is withdrawn or rewritten without m2
    remaining = FakeGuidesView(tables).versions(guide_id) if guide_id in tables.guides else []
    assert all(TERSE not in str(v) for v in remaining)
    with pytest.raises(NotFound):
        governance.delete_message(services, actor_id=_id(tables, "priya"), community_id="platform", external_id="m2")
    assert [e.action for e in tables.audit] == ["message.deleted"]


def test_a_failing_unit_of_work_keeps_nothing_and_queues_nothing(world) -> None:
    services, tables, runner = world
    _drafted(world)
    before = (dict(tables.threads), dict(tables.messages), dict(tables.versions), list(tables.audit))
    queued = list(runner.queued)
    with pytest.raises(RuntimeError), services.uow() as uow:
        message = uow.messages.by_external("platform", "m2")
        assert message is not None
        from workflow import sources

        sources.delete_message(services, uow, message, sources.Actor(_id(tables, "priya")))
        raise RuntimeError("crash midway")
    assert (dict(tables.threads), dict(tables.messages), dict(tables.versions), list(tables.audit)) == before
    assert runner.queued == queued, "no rewrite was queued for a change that never happened"


def test_erasure_deletes_what_a_person_said_and_the_guides_they_reviewed(world) -> None:
    services, tables, runner = world
    guide_id, marta = _drafted(world), _id(tables, "marta")
    report = governance.erase_person(services, actor_id=marta, person_id=marta, mode="erase")
    assert (report.messages, report.replies) == (1, 1)
    assert marta not in tables.people and guide_id not in tables.guides
    assert all(m.author_id != marta for m in tables.messages.values())
    assert tables.audit[-1].action == "person.erased" and tables.audit[-1].actor_id is None


class FakeGuidesView:
    """Reads the fake's guide versions for assertions."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def versions(self, guide_id: str) -> list[dict]:
        return [v["content"] for (g, _), v in sorted(self.tables.versions.items()) if g == guide_id]


def test_the_clock_is_the_services_own(world) -> None:
    services, _, _ = world
    assert services.clock().tzinfo is UTC or services.clock().utcoffset() == timedelta(0)


# ---- assessment in batches ------------------------------------------------


def _threads(now: datetime, n: int) -> list[IncomingMessage]:
    """n threads of a learner's question and marta's terse answer, ingested as one batch."""
    at = lambda minutes: now - timedelta(minutes=minutes)  # noqa: E731
    out = []
    for i in range(n):
        out.append(IncomingMessage(f"q{i}", f"t{i}", "lena", QUESTION, at(30 - i), thread_title=None))
        out.append(IncomingMessage(f"a{i}", f"t{i}", "marta", TERSE, at(20 - i), parent=f"q{i}", accepted=True))
    return out


class CountingDetector(TerseDetector):
    """The offline detector, counting calls; `fail_once` raises on the first call (a transient error)."""

    def __init__(self, fail_once: bool = False) -> None:
        super().__init__(0.55)
        self.calls = 0
        self.fail_once = fail_once

    def assess(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.calls += 1
        if self.fail_once:
            self.fail_once = False
            raise RuntimeError("the detector hiccuped")
        return super().assess(*args, **kwargs)


def _outcomes(tables: Tables) -> dict[str, str]:
    return {tables.messages[m].external_id: a.outcome for m, a in tables.assessments.items()}


def test_a_batch_counts_the_weekly_limit_as_it_nudges(world) -> None:
    services, tables, runner = world
    with services.uow() as uow:
        uow.people.update(_id(tables, "marta"), nudges_per_week=2)
    ingest_messages(services, community_id="platform", batch=_threads(services.clock(), 4))
    assert [j for j, _, _ in runner.queued] == ["assess_messages"]
    runner.settle()
    outcomes = _outcomes(tables)
    answers = [outcomes[f"a{i}"] for i in range(4)]
    assert answers.count("nudged") == 2, answers
    assert all("limit" in o for o in answers if o != "nudged"), answers
    assert len(tables.nudges) == 2 and {outcomes[f"q{i}"] for i in range(4)} == {"not a candidate"}


def test_a_batch_that_fails_is_assessed_message_by_message(world) -> None:
    services, tables, runner = world
    services.detector = CountingDetector(fail_once=True)
    ingest_messages(services, community_id="platform", batch=_threads(services.clock(), 3))
    runner.settle()
    assert runner.ran.count("assess_messages") == 1 and runner.ran.count("assess_message") == 6
    assert len(tables.assessments) == 6 and len(tables.nudges) == 3


def test_a_batch_queued_again_after_it_ran_judges_nothing_twice(world) -> None:
    services, tables, runner = world
    services.detector = detector = CountingDetector()
    ingest_messages(services, community_id="platform", batch=_threads(services.clock(), 3))
    runner.settle()
    before = dict(tables.assessments)
    assert detector.calls == 6
    defer_assessments(runner, list(tables.messages))  # a recovery sweep that found them before they were judged
    runner.settle()
    assert detector.calls == 6 and tables.assessments == before and len(tables.nudges) == 3


def test_a_held_or_deleted_message_in_a_batch_gets_no_verdict(world) -> None:
    services, tables, runner = world
    ingest_messages(services, community_id="platform", batch=_threads(services.clock(), 3))
    by_ext = {m.external_id: m.id for m in tables.messages.values()}
    with services.uow() as uow:
        uow.messages.update(by_ext["a0"], held=True)
        uow.messages.delete(by_ext["a1"])
    runner.settle()
    assert set(_outcomes(tables)) == {"q0", "q1", "q2", "a2"}
    assert [n["message_id"] for n in tables.nudges.values()] == [by_ext["a2"]]


def test_a_batch_reads_each_communitys_calibration_once_and_judges_nothing_cold_start_holds_back(
    world, monkeypatch: pytest.MonkeyPatch
) -> None:
    services, tables, _ = world
    create_community(services, community_id="data", name="Data Guild")
    for handle, role in [("marta", Role.EXPERT), ("lena", Role.MEMBER)]:
        add_person(services, handle=handle, community_id="data", role=role)
    read: list[str] = []

    def calibration_for(services: Services, uow: object, community_id: str, threshold: float) -> Calibration:
        read.append(community_id)
        real = outcomes.calibration_for(services, uow, community_id, threshold)  # type: ignore[arg-type]
        return replace(real, gate=0.999) if community_id == "data" else real  # "data" is new: held back

    monkeypatch.setattr(assess, "calibration_for", calibration_for)
    verdict = {"terse": "yes", "gaps": ["rationale"], "confidence": "high", "reason": "No reason given."}
    llm = FakeLLM(verdict, verdict, verdict, verdict)
    services.detector = LLMJudgedDetector(llm, TerseDetector(0.55), TokenBudget(2000), screen=0.25)
    ids = [
        m
        for community in ("platform", "data")
        for m in ingest_messages(services, community_id=community, batch=_threads(services.clock(), 2)).new_message_ids
    ]
    verdicts = assess.assess_messages(services, message_ids=ids)
    assert sorted(read) == ["data", "platform"]  # once per community, not once per message
    assert len(llm.history) == 2  # platform's two answers; data's are held back before the judge
    community_of = {m.id: m.community_id for m in tables.messages.values()}
    held = [v for m, v in verdicts.items() if community_of[m] == "data" and v.features.get("cold_start_gate")]
    assert len(held) == 2 and all(not v.is_candidate and "Not nudged yet" in v.explanation for v in held)
    assert {n["community_id"] for n in tables.nudges.values()} == {"platform"} and len(tables.nudges) == 2
