"""The unit of work: one transaction, handing out a repository per area; commits on success, rolls back on error.

    with services.uow() as uow:
        person = uow.people.by_handle("marta")
        uow.audit.add(actor_id=person.id, action="...")

Every repository method returns records (store/records.py) or domain objects, never ORM rows. Callbacks given
to `after_commit` run once the transaction is committed (e.g. queueing a job that must see its rows).
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.db import Database
from store.errors import DuplicateKey
from store.repositories.analytics import AnalyticsRepository
from store.repositories.assessments import AssessmentRepository
from store.repositories.audit import AuditRepository
from store.repositories.communities import CommunityRepository
from store.repositories.connectors import ConnectorRepository
from store.repositories.console import ConsoleRepository
from store.repositories.erasure import ErasureRepository
from store.repositories.guides import GuideRepository
from store.repositories.lti import LtiRepository
from store.repositories.messages import MessageRepository
from store.repositories.nudges import NudgeRepository
from store.repositories.outcomes import OutcomeRepository
from store.repositories.people import PeopleRepository
from store.repositories.tandems import TandemRepository
from store.repositories.tokens import TokenRepository
from store.repositories.web import WebRepository
from store.repositories.xapi import XapiRepository


class UnitOfWork:
    """What the workflow sees: the repositories of one transaction. Fakes (tests) provide the same attributes."""

    people: PeopleRepository
    communities: CommunityRepository
    messages: MessageRepository
    assessments: AssessmentRepository
    nudges: NudgeRepository
    guides: GuideRepository
    tandems: TandemRepository
    connectors: ConnectorRepository
    audit: AuditRepository
    tokens: TokenRepository
    erasure: ErasureRepository  # what erasure reaches beyond a person's own rows
    console: ConsoleRepository  # the steward console: members, marked assessments, audit log, erasure previews
    web: WebRepository  # the pages: browser sessions, sign-in links, feedback, searches that found nothing
    analytics: AnalyticsRepository  # what the figures read, the reads and searches they rest on, their settings
    xapi: XapiRepository  # the events xAPI statements are made of, and the log of those sent
    lti: LtiRepository  # LMS platforms, deployments, launch nonces, the people platforms launch
    outcomes: OutcomeRepository  # outcome labels (derived from marks, declines, guides) and community detectors

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if kind is None:
            self.commit()
        else:
            self.rollback()

    def commit(self) -> None:
        raise NotImplementedError

    def rollback(self) -> None:
        raise NotImplementedError

    def after_commit(self, callback: Callable[[], None]) -> None:
        raise NotImplementedError


class SqlUnitOfWork(UnitOfWork):
    """The unit of work on a SQLAlchemy session (SQLite or PostgreSQL)."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._callbacks: list[Callable[[], None]] = []

    def __enter__(self) -> UnitOfWork:
        self._session: Session = self._database.new_session()
        s = self._session
        self.people, self.communities, self.messages = PeopleRepository(s), CommunityRepository(s), MessageRepository(s)
        self.assessments, self.nudges, self.guides = AssessmentRepository(s), NudgeRepository(s), GuideRepository(s)
        self.tandems, self.connectors, self.console = TandemRepository(s), ConnectorRepository(s), ConsoleRepository(s)
        self.audit, self.tokens, self.web = AuditRepository(s), TokenRepository(s), WebRepository(s)
        self.analytics, self.xapi, self.lti = AnalyticsRepository(s), XapiRepository(s), LtiRepository(s)
        self.erasure, self.outcomes = ErasureRepository(s), OutcomeRepository(s)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            super().__exit__(kind, error, trace)
        finally:
            self._session.close()
        if isinstance(error, IntegrityError):
            raise DuplicateKey(str(error.orig)) from error
        if kind is None:
            callbacks, self._callbacks = self._callbacks, []
            for callback in callbacks:
                callback()

    def commit(self) -> None:
        try:
            self._session.commit()
        except IntegrityError as exc:
            self._session.rollback()
            raise DuplicateKey(str(exc.orig)) from exc

    def rollback(self) -> None:
        self._session.rollback()
        self._callbacks.clear()

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)
