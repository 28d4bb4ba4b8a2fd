"""Assess answers in batches and nudge their authors, within each expert's own limits.

A job assesses a batch of messages (an ingested batch, a recovery sweep's page, or one message): the threads are
screened and read, with their authors' standing and limits and each community's calibration (its own model and
cold-start gate, workflow/outcomes.py), in one short transaction for the whole batch; the detector and the follow-up writer then run with no transaction open (either may call an LLM: seconds, retries);
and one more transaction checks that nothing the verdicts rest on changed, writes the nudges under the experts'
locks and stores every verdict. A message that changed meanwhile is queued to be judged again on its own.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from elicitor.community_model import Calibration
from elicitor.model import Assessment, AuthorStanding, FollowUp, Message, Role, Thread
from elicitor.policy import PolicyDecision, decide
from store.records import AssessmentRecord, CommunityRecord, MessageRecord, NewNudge, PersonRecord
from store.repository import aware, week_ago
from store.uow import UnitOfWork
from workflow.job_types import AssessMessage, defer
from workflow.nudges import deliver_after_commit, preferences
from workflow.outcomes import calibration_for
from workflow.privacy import screen_threads
from workflow.services import Services

log = logging.getLogger("tacit.nudges")


@dataclass(frozen=True)
class _Subject:
    """What assessing one answer needs, read with the rest of its batch."""

    community_id: str
    thread: Thread
    answer: Message
    standing: AuthorStanding
    threshold: float
    refusal: str | None  # why no verdict could become a nudge (too old, the expert's limits), read up front
    calibration: Calibration  # the community's own model and cold-start gate, read once per batch


class _Limits:
    """The experts' own limits for one more first-round nudge, for a batch: read once, counted as nudges are added."""

    def __init__(self, services: Services, uow: UnitOfWork, answers: Sequence[Message]) -> None:
        self._services = services
        self.now = services.clock()
        authors = {a.author_id for a in answers}
        self._people: dict[str, PersonRecord] = uow.people.get_many(authors)
        self._sent = uow.nudges.sent_since_many(self._people, week_ago(self.now))
        self._nudged = uow.nudges.nudged([a.id for a in answers], 1)

    def refusal(self, answer: Message) -> str | None:
        """Why no verdict on this answer could become a nudge now (too old, the expert's limits), or None."""
        max_age = self._services.nudge_defaults.max_age_days
        if aware(answer.created_at) < self.now - timedelta(days=max_age):
            return f"not nudged: older than {max_age} days"
        decision = self.decision(answer)
        return None if decision.allowed else f"not nudged: {decision.reason}"

    def decision(self, answer: Message) -> PolicyDecision:
        """The author's limits applied to one more first-round nudge about this answer, now."""
        person = self._people.get(answer.author_id)
        if person is None:
            return PolicyDecision(False, None, "the author is no longer a member")
        return decide(
            preferences(self._services, person),
            self.now,
            self._sent.get(person.id, 0),
            answer.id in self._nudged,
            round=1,
        )

    def count(self, answer: Message) -> None:
        """One more nudge about this answer, to its author, this week."""
        self._sent[answer.author_id] = self._sent.get(answer.author_id, 0) + 1
        self._nudged.add(answer.id)


def assess_message(services: Services, *, message_id: str) -> Assessment | None:
    """Job: judge one message (a batch of one): see assess_messages."""
    return assess_messages(services, message_ids=[message_id]).get(message_id)


def assess_messages(
    services: Services, *, message_ids: Sequence[str], only_unassessed: bool = False
) -> dict[str, Assessment]:
    """Job: judge these messages and nudge the authors of terse expert answers (policy permitting).

    Returns the verdicts stored, by message id. Messages deleted or held meanwhile get none; messages that changed
    while they were judged get none now and are queued to be judged again. An answer that cannot become a nudge
    (too old, the expert opted out or reached their limit) costs no LLM call. only_unassessed: skip the messages
    that have a verdict already (a batch of new or left-over messages, queued again by a recovery sweep while it
    waited, is judged once).
    """
    subjects = _load_subjects(services, list(dict.fromkeys(message_ids)), only_unassessed)
    verdicts = {
        s.answer.id: services.detector.assess(
            s.thread, s.answer, s.standing, s.threshold, judge=s.refusal is None, calibration=s.calibration
        )
        for s in subjects
    }
    asking = [s for s in subjects if _worth_asking(verdicts[s.answer.id], s)]
    followups: dict[str, FollowUp] = {}
    if asking:
        with services.uow() as uow:
            still = _unchanged(services, uow, asking)
        dropped = {s.answer.id for s in asking} - still
        subjects = [s for s in subjects if s.answer.id not in dropped]
        for s in asking:
            if s.answer.id in still:
                followups[s.answer.id] = services.followups.write(s.thread, s.answer, verdicts[s.answer.id].gaps)
    with services.uow() as uow:
        kept = _unchanged(services, uow, subjects)
        subjects = [s for s in subjects if s.answer.id in kept]
        outcomes = _outcomes(services, uow, subjects, verdicts, followups)
        uow.assessments.save_many([_record(verdicts[s.answer.id], outcomes[s.answer.id]) for s in subjects])
    for s in subjects:
        v = verdicts[s.answer.id]
        log.info(
            "assessed message=%s score=%.2f candidate=%s outcome=%s",
            v.message_id,
            v.score,
            v.is_candidate,
            outcomes[v.message_id],
        )
    return {s.answer.id: verdicts[s.answer.id] for s in subjects}


def _worth_asking(verdict: Assessment, subject: _Subject) -> bool:
    return verdict.is_candidate and bool(verdict.gaps) and subject.refusal is None


def _load_subjects(services: Services, message_ids: list[str], only_unassessed: bool) -> list[_Subject]:
    """Screens the batch's threads (committed at once) and reads each answer, its thread, its author's standing
    and limits; messages deleted or held (waiting for a steward) are left out."""
    with services.uow() as uow:
        if only_unassessed:
            done = uow.assessments.assessed(message_ids)
            message_ids = [m for m in message_ids if m not in done]
        rows = uow.messages.get_many(message_ids)
        communities = uow.communities.by_ids({r.community_id for r in rows.values()})
        policies = {r.thread_id: _pii_policy(communities.get(r.community_id)) for r in rows.values()}
        screen_threads(services, uow, policies)
        rows = uow.messages.get_many(message_ids)  # screening may have held some
        for row in rows.values():
            if row.held:
                log.info("held message=%s: waiting for a steward", row.id)
        live = [rows[m] for m in message_ids if m in rows and not rows[m].held]
        threads = uow.messages.load_threads({r.thread_id for r in live})
        answers = {r.id: a for r in live if (a := _answer(threads, r)) is not None}
        standings = _standings(uow, [rows[m] for m in answers])
        limits = _Limits(services, uow, list(answers.values()))
        in_batch = {rows[m].community_id for m in answers}
        thresholds = {c: _threshold(services, communities.get(c)) for c in in_batch}
        # One read per community in the batch, not per answer: its stored model and its recent scores (cold start).
        calibrations = {c: calibration_for(services, uow, c, thresholds[c]) for c in in_batch}
        subjects = []
        for message_id, answer in answers.items():
            row = rows[message_id]
            subjects.append(
                _Subject(
                    row.community_id,
                    threads[row.thread_id],
                    answer,
                    standings[(row.community_id, row.author_id)],
                    thresholds[row.community_id],
                    limits.refusal(answer),
                    calibrations[row.community_id],
                )
            )
        return subjects


def _threshold(services: Services, community: CommunityRecord | None) -> float:
    """The community's own terse threshold, else the default."""
    return community.terse_threshold if community and community.terse_threshold else services.terse_threshold


def _pii_policy(community: CommunityRecord | None) -> str:
    return community.pii_policy if community else "redact"


def _answer(threads: dict[str, Thread], row: MessageRecord) -> Message | None:
    thread = threads.get(row.thread_id)
    return thread.by_id(row.id) if thread is not None else None


def _standings(uow: UnitOfWork, rows: Iterable[MessageRecord]) -> dict[tuple[str, str], AuthorStanding]:
    """Each author's standing in the community of their message, one read per community."""
    authors: dict[str, set[str]] = {}
    for row in rows:
        authors.setdefault(row.community_id, set()).add(row.author_id)
    return {
        (community_id, person_id): standing
        for community_id, people in authors.items()
        for person_id, standing in uow.messages.standings(community_id, people).items()
    }


def _unchanged(services: Services, uow: UnitOfWork, subjects: Sequence[_Subject]) -> set[str]:
    """The answers still there and not held, every message each was judged with reading the same, their authors
    in the same role; messages added since do not matter. An answer where something did change is queued to be
    judged again from what is there now (unless it is gone)."""
    rows = uow.messages.get_many(s.answer.id for s in subjects)
    threads = uow.messages.load_threads({r.thread_id for r in rows.values()})
    roles = _roles(uow, rows.values())
    same = set()
    for s in subjects:
        row = rows.get(s.answer.id)
        if row is None:
            continue
        thread = threads.get(row.thread_id)
        now = {m.id: m.text for m in thread.messages} if thread is not None else {}
        if (
            not row.held
            and thread is not None
            and thread.title == s.thread.title
            and all(now.get(m.id) == m.text for m in s.thread.messages)
            and roles.get((s.community_id, row.author_id), Role.MEMBER) == s.standing.role
        ):
            same.add(row.id)
        else:
            log.info("assess message=%s: changed while it was judged; judged again", row.id)
            defer(services.runner, AssessMessage(row.id))
    return same


def _roles(uow: UnitOfWork, rows: Iterable[MessageRecord]) -> dict[tuple[str, str], Role]:
    authors: dict[str, set[str]] = {}
    for row in rows:
        authors.setdefault(row.community_id, set()).add(row.author_id)
    return {
        (community_id, person_id): role
        for community_id, people in authors.items()
        for person_id, role in uow.communities.roles_in(community_id, people).items()
    }


def _outcomes(
    services: Services,
    uow: UnitOfWork,
    subjects: Sequence[_Subject],
    verdicts: dict[str, Assessment],
    followups: dict[str, FollowUp],
) -> dict[str, str]:
    """What became of each verdict: not a candidate, the reason it is not nudged, or the nudge written."""
    candidates = [s for s in subjects if verdicts[s.answer.id].is_candidate]
    # Concurrent jobs count an expert's nudges this week one after the other; the limits are read after the locks.
    uow.people.lock_many(s.answer.author_id for s in candidates)
    limits = _Limits(services, uow, [s.answer for s in candidates])
    outcomes, nudges = {}, []
    for s in subjects:
        verdict = verdicts[s.answer.id]
        if not verdict.is_candidate:
            outcomes[s.answer.id] = "not a candidate"
        elif not verdict.gaps:
            outcomes[s.answer.id] = "not nudged: no gap to ask about"
        elif refused := limits.refusal(s.answer):
            outcomes[s.answer.id] = refused
        else:
            outcomes[s.answer.id], nudge = _nudge(limits, s, followups.get(s.answer.id))
            nudges += [nudge] if nudge else []
    for nudge_id in uow.nudges.add_many(nudges):
        deliver_after_commit(services, uow, nudge_id)  # Slack DM, Discourse PM, ...
    return outcomes


def _nudge(limits: _Limits, subject: _Subject, followup: FollowUp | None) -> tuple[str, NewNudge | None]:
    """The nudge the policy allows (under the expert's lock), counted against their limits, and the outcome."""
    if followup is None:
        return "not nudged: the expert's limits changed while the answer was judged", None
    # When: now or after quiet hours, judged at the same instant as `now`, or "allowed now" would read as later.
    now = limits.now
    decision = limits.decision(subject.answer)
    answer = subject.answer
    nudge = NewNudge(
        community_id=subject.community_id,
        message_id=answer.id,
        thread_id=subject.thread.id,
        person_id=answer.author_id,
        round=1,
        gap=followup.gap.value,
        question=followup.question,
        deliver_at=decision.deliver_at or now,
    )
    limits.count(answer)
    return ("nudged" if (decision.deliver_at or now) <= now else f"nudge scheduled: {decision.reason}"), nudge


def _record(verdict: Assessment, outcome: str) -> AssessmentRecord:
    return AssessmentRecord(
        message_id=verdict.message_id,
        score=verdict.score,
        is_candidate=verdict.is_candidate,
        gaps=[g.value for g in verdict.gaps],
        explanation=verdict.explanation,
        features=dict(verdict.features),
        outcome=outcome,
    )
