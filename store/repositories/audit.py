"""The audit log: who did what to which thing (never message text)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.records import AuditRecord
from store.repositories.rows import record_of
from store.tables import AuditEventRow


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(
        self,
        *,
        actor_id: str | None,
        action: str,
        community_id: str | None = None,
        target_type: str = "",
        target_id: str = "",
        details: dict | None = None,
    ) -> None:
        self.s.add(
            AuditEventRow(
                actor_id=actor_id,
                action=action,
                community_id=community_id,
                target_type=target_type,
                target_id=target_id,
                details=details or {},
            )
        )
        self.s.flush()

    def events(self, community_ids: list[str] | None, limit: int) -> list[AuditRecord]:
        """The newest events first, of these communities (None: all)."""
        query = select(AuditEventRow).order_by(AuditEventRow.id.desc()).limit(limit)
        if community_ids is not None:
            query = query.where(AuditEventRow.community_id.in_(community_ids))
        return [record_of(AuditRecord, r) for r in self.s.scalars(query)]
