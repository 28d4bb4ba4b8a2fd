"""Queries of the connectors: linked sources, platform identities, deliveries, and events accepted once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.records import DeliveryRecord, IdentityRecord, SourceRecord
from store.repositories.rows import maybe, record_of
from store.repository import new_id
from store.tables import (
    CommunitySourceRow,
    ExternalDeliveryRow,
    NudgeRow,
    PersonIdentityRow,
    ProcessedEventRow,
    utcnow,
)


class ConnectorRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    # -- events accepted once ---------------------------------------------------------------------------
    def accept_event(
        self, source: str, key: str, kind: str, payload: dict[str, Any], status: str = "queued"
    ) -> str | None:
        """Store an event under its dedupe key; None when that key was seen before (a retry)."""
        query = select(ProcessedEventRow.id).where(
            ProcessedEventRow.source == source, ProcessedEventRow.dedupe_key == key[:300]
        )
        if self.s.scalar(query) is not None:
            return None
        row = ProcessedEventRow(
            id=new_id(), source=source, dedupe_key=key[:300], kind=kind[:64], payload=payload, status=status
        )
        try:
            with self.s.begin_nested():
                self.s.add(row)
        except IntegrityError:
            return None  # the same event arrived twice at the same moment
        return row.id

    def event_seen(self, source: str, key: str) -> bool:
        """Whether an event with this key was handled already (a claim still `queued` is being handled, or failed)."""
        query = select(ProcessedEventRow.status).where(
            ProcessedEventRow.source == source, ProcessedEventRow.dedupe_key == key[:300]
        )
        return self.s.scalar(query) in ("done", "ignored")

    def claim_event(self, source: str, key: str, kind: str) -> str | None:
        """Record that this event is being handled; None when it was handled before. A claim left `queued` by a
        failed attempt is taken again, so the runner's retry finishes the work."""
        row = self.s.scalars(
            select(ProcessedEventRow).where(
                ProcessedEventRow.source == source, ProcessedEventRow.dedupe_key == key[:300]
            )
        ).first()
        if row is not None:
            return row.id if row.status == "queued" else None
        return self.accept_event(source, key, kind, {})

    def forget_event(self, source: str, key: str) -> None:
        row = self.s.scalars(
            select(ProcessedEventRow).where(ProcessedEventRow.source == source, ProcessedEventRow.dedupe_key == key)
        ).first()
        if row is not None:
            self.s.delete(row)
            self.s.flush()

    def finish_event(self, event_id: str, status: str) -> None:
        """Mark an event handled; its payload (message text) is not kept once handled."""
        row = self.s.get(ProcessedEventRow, event_id)
        if row is not None:
            row.status, row.payload, row.processed_at = status, {}, utcnow()
            self.s.flush()

    # -- sources ------------------------------------------------------------------------------------------
    def source_for(self, platform: str, workspace: str, channel: str) -> SourceRecord | None:
        """The link for this channel, or the link for the whole workspace (channel "")."""
        rows = self.s.scalars(
            select(CommunitySourceRow).where(
                CommunitySourceRow.platform == platform,
                CommunitySourceRow.workspace == workspace,
                CommunitySourceRow.channel.in_((channel, "")),
            )
        ).all()
        return maybe(SourceRecord, next((r for r in rows if r.channel == channel), rows[0] if rows else None))

    def sources_of(self, community_id: str | None = None) -> list[SourceRecord]:
        query = select(CommunitySourceRow).order_by(CommunitySourceRow.community_id, CommunitySourceRow.platform)
        if community_id is not None:
            query = query.where(CommunitySourceRow.community_id == community_id)
        return [record_of(SourceRecord, r) for r in self.s.scalars(query)]

    def link_source(
        self, *, community_id: str, platform: str, workspace: str, channel: str, announce: bool, nudges: bool
    ) -> SourceRecord:
        row = self.s.scalars(
            select(CommunitySourceRow).where(
                CommunitySourceRow.platform == platform,
                CommunitySourceRow.workspace == workspace,
                CommunitySourceRow.channel == channel,
            )
        ).first()
        if row is None:
            row = CommunitySourceRow(id=new_id(), platform=platform, workspace=workspace, channel=channel)
            self.s.add(row)
        row.community_id, row.announce, row.nudges = community_id, announce, nudges
        self.s.flush()
        return record_of(SourceRecord, row)

    def unlink_source(self, source_id: str) -> None:
        row = self.s.get(CommunitySourceRow, source_id)
        if row is not None:
            self.s.delete(row)
            self.s.flush()

    # -- identities ---------------------------------------------------------------------------------------
    def identity(self, platform: str, workspace: str, user_id: str) -> IdentityRecord | None:
        return maybe(IdentityRecord, self.s.get(PersonIdentityRow, (platform, workspace, user_id)))

    def identities_of(self, person_id: str) -> list[IdentityRecord]:
        query = select(PersonIdentityRow).where(PersonIdentityRow.person_id == person_id)
        return [record_of(IdentityRecord, r) for r in self.s.scalars(query)]

    def link_identity(
        self,
        *,
        platform: str,
        workspace: str,
        user_id: str,
        person_id: str,
        display_name: str,
        fetched_at: datetime | None,
    ) -> IdentityRecord:
        row = self.s.get(PersonIdentityRow, (platform, workspace, user_id))
        if row is None:
            row = PersonIdentityRow(platform=platform, workspace=workspace, user_id=user_id, person_id=person_id)
            self.s.add(row)
        row.person_id, row.display_name, row.fetched_at = person_id, display_name[:200], fetched_at
        self.s.flush()
        return record_of(IdentityRecord, row)

    # -- deliveries ---------------------------------------------------------------------------------------
    def delivery_for(self, nudge_id: str) -> DeliveryRecord | None:
        return maybe(DeliveryRecord, self.s.get(ExternalDeliveryRow, nudge_id))

    def add_delivery(
        self, *, nudge_id: str, platform: str, workspace: str, conversation: str, message_ref: str
    ) -> None:
        if self.delivery_for(nudge_id) is None and self.s.get(NudgeRow, nudge_id) is not None:
            self.s.add(
                ExternalDeliveryRow(
                    nudge_id=nudge_id,
                    platform=platform,
                    workspace=workspace,
                    conversation=conversation,
                    message_ref=message_ref,
                )
            )
            self.s.flush()

    def delivery_by_ref(self, platform: str, conversation: str, message_ref: str) -> DeliveryRecord | None:
        row = self.s.scalars(
            select(ExternalDeliveryRow).where(
                ExternalDeliveryRow.platform == platform,
                ExternalDeliveryRow.conversation == conversation,
                ExternalDeliveryRow.message_ref == message_ref,
            )
        ).first()
        return maybe(DeliveryRecord, row)

    def latest_open_delivery(self, platform: str, conversation: str, person_id: str) -> DeliveryRecord | None:
        """The newest nudge still open that was delivered in this conversation to this person."""
        row = self.s.scalars(
            select(ExternalDeliveryRow)
            .join(NudgeRow, NudgeRow.id == ExternalDeliveryRow.nudge_id)
            .where(
                ExternalDeliveryRow.platform == platform,
                ExternalDeliveryRow.conversation == conversation,
                NudgeRow.person_id == person_id,
                NudgeRow.status.in_(("open", "snoozed")),
            )
            .order_by(ExternalDeliveryRow.delivered_at.desc())
        ).first()
        return maybe(DeliveryRecord, row)

    def undelivered_due_nudges(
        self, now: datetime, max_age: timedelta, max_failures: int, limit: int = 200
    ) -> list[str]:
        """Open nudges whose time has come, not delivered on any platform, for people with a platform account;
        those whose delivery failed wait for their retry time and are given up after `max_failures`."""
        delivered = exists().where(ExternalDeliveryRow.nudge_id == NudgeRow.id)
        linked = exists().where(PersonIdentityRow.person_id == NudgeRow.person_id)
        retry_due = or_(NudgeRow.delivery_retry_at.is_(None), NudgeRow.delivery_retry_at <= now)
        query = (
            select(NudgeRow.id)
            .where(
                NudgeRow.status == "open",
                NudgeRow.deliver_at <= now,
                NudgeRow.created_at >= now - max_age,
                ~delivered,
                linked,
                retry_due,
                NudgeRow.delivery_failures < max_failures,
            )
            .order_by(NudgeRow.deliver_at)
            .limit(limit)
        )
        return list(self.s.scalars(query))

    def retry_deliveries(self, person_id: str) -> None:
        """Forget the failed deliveries of the person's open nudges: they are tried again at the next sweep."""
        for nudge in self.s.scalars(
            select(NudgeRow).where(
                NudgeRow.person_id == person_id, NudgeRow.status == "open", NudgeRow.delivery_failures > 0
            )
        ):
            nudge.delivery_failures, nudge.delivery_retry_at = 0, None
        self.s.flush()

    def delivery_failed(self, nudge_id: str, retry_at: datetime) -> int:
        """Counts a failed delivery and sets when to try again; returns the failures so far."""
        nudge = self.s.get(NudgeRow, nudge_id)
        if nudge is None:
            return 0
        nudge.delivery_failures = (nudge.delivery_failures or 0) + 1
        nudge.delivery_retry_at = retry_at
        self.s.flush()
        return nudge.delivery_failures
