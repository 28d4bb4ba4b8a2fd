"""LTI registrations (platforms, deployments), used launch nonces, and the people platforms launch."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.analytics_tables import LtiDeploymentRow, LtiNonceRow, LtiPlatformRow, LtiUserRow
from store.records import DeploymentRecord, PlatformRecord
from store.repository import new_id
from store.tables import PersonRow

NONCES_KEPT = timedelta(days=2)  # far longer than any id_token lives


def _platform(row: LtiPlatformRow) -> PlatformRecord:
    return PlatformRecord(
        row.id, row.issuer, row.client_id, row.auth_login_url, row.auth_token_url, dict(row.jwks or {}), row.jwks_url
    )


class LtiRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add_platform(
        self,
        *,
        issuer: str,
        client_id: str,
        auth_login_url: str,
        auth_token_url: str,
        jwks: dict[str, Any],
        jwks_url: str,
    ) -> PlatformRecord:
        row = self.s.scalars(
            select(LtiPlatformRow).where(LtiPlatformRow.issuer == issuer, LtiPlatformRow.client_id == client_id)
        ).first()
        if row is None:
            row = LtiPlatformRow(id=new_id(), issuer=issuer, client_id=client_id)
            self.s.add(row)
        row.auth_login_url, row.auth_token_url, row.jwks, row.jwks_url = auth_login_url, auth_token_url, jwks, jwks_url
        self.s.flush()
        return _platform(row)

    def platform(self, platform_id: str) -> PlatformRecord | None:
        row = self.s.get(LtiPlatformRow, platform_id)
        return _platform(row) if row else None

    def platforms_of(self, issuer: str, client_id: str | None) -> list[PlatformRecord]:
        query = select(LtiPlatformRow).where(LtiPlatformRow.issuer == issuer)
        if client_id:
            query = query.where(LtiPlatformRow.client_id == client_id)
        return [_platform(r) for r in self.s.scalars(query)]

    def add_deployment(self, platform_id: str, deployment_id: str, community_id: str) -> DeploymentRecord:
        row = self.s.get(LtiDeploymentRow, (platform_id, deployment_id))
        if row is None:
            row = LtiDeploymentRow(platform_id=platform_id, deployment_id=deployment_id, memberships_url="")
            self.s.add(row)
        row.community_id = community_id
        self.s.flush()
        return DeploymentRecord(row.platform_id, row.deployment_id, row.community_id, row.memberships_url)

    def deployment(self, platform_id: str, deployment_id: str) -> DeploymentRecord | None:
        row = self.s.get(LtiDeploymentRow, (platform_id, deployment_id))
        return (
            DeploymentRecord(row.platform_id, row.deployment_id, row.community_id, row.memberships_url) if row else None
        )

    def deployments_of(self, community_id: str) -> list[DeploymentRecord]:
        rows = self.s.scalars(select(LtiDeploymentRow).where(LtiDeploymentRow.community_id == community_id))
        return [DeploymentRecord(r.platform_id, r.deployment_id, r.community_id, r.memberships_url) for r in rows]

    def set_memberships_url(self, platform_id: str, deployment_id: str, url: str) -> None:
        row = self.s.get(LtiDeploymentRow, (platform_id, deployment_id))
        if row is not None and row.memberships_url != url:
            row.memberships_url = url
            self.s.flush()

    def use_nonce(self, nonce: str, platform_id: str, at: datetime) -> bool:
        """True the first time a nonce is seen; False for a replay (the primary key decides, even across workers)."""
        self.s.execute(delete(LtiNonceRow).where(LtiNonceRow.used_at < at - NONCES_KEPT))
        try:
            with self.s.begin_nested():
                self.s.add(LtiNonceRow(nonce=nonce, platform_id=platform_id, used_at=at))
        except IntegrityError:
            return False
        return True

    def person_for(self, platform_id: str, subject: str, name: str, email: str | None) -> str:
        """The Tacit person a platform user is, created on their first launch."""
        row = self.s.get(LtiUserRow, (platform_id, subject))
        if row is not None:
            if name and row.name != name:
                row.name = name
                person = self.s.get(PersonRow, row.person_id)
                if person is not None:
                    person.display_name = name
            return row.person_id
        handle = "lti-" + hashlib.sha256(f"{platform_id}:{subject}".encode()).hexdigest()[:16]
        person = self.s.scalars(select(PersonRow).where(PersonRow.handle == handle)).first()
        if person is None:
            person = PersonRow(id=new_id(), handle=handle, display_name=name or "LMS user", email=email)
            self.s.add(person)
            self.s.flush()
        self.s.add(LtiUserRow(platform_id=platform_id, subject=subject, person_id=person.id, name=name))
        self.s.flush()
        return person.id

    def launched_people(self, platform_id: str) -> dict[str, str]:
        """subject -> person id of everyone this platform ever launched."""
        rows = self.s.execute(
            select(LtiUserRow.subject, LtiUserRow.person_id).where(LtiUserRow.platform_id == platform_id)
        )
        return {r[0]: r[1] for r in rows}
