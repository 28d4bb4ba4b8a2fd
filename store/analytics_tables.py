"""Tables for analytics, xAPI and LTI: guide reads and feedback, searches, per-community settings, the xAPI sent
log, LTI platforms, deployments and used nonces. Kept apart from store/tables.py; registered on the same Base."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.tables import Base, utcnow


class GuideReadRow(Base):
    """A person opened a published guide (the first time counts); "was this helpful?" lives in guide_feedback."""

    __tablename__ = "guide_reads"
    __table_args__ = (UniqueConstraint("guide_id", "person_id", name="uq_guide_read_once"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    guide_id: Mapped[str] = mapped_column(ForeignKey("guides.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    read_at: Mapped[datetime] = mapped_column(default=utcnow)


class SearchEventRow(Base):
    """A search someone ran: when, where, how many results. The query itself is not kept (personal data)."""

    __tablename__ = "search_events"
    __table_args__ = (Index("ix_search_events_community_at", "community_id", "at"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    community_id: Mapped[str | None] = mapped_column(String(64), nullable=True)  # None: all readable communities
    at: Mapped[datetime] = mapped_column(default=utcnow)
    results: Mapped[int] = mapped_column(Integer, default=0)
    top_community_id: Mapped[str | None] = mapped_column(String(64), nullable=True)  # of the first result


class AnalyticsSettingsRow(Base):
    """A steward's analytics settings for one community (minutes per exchange kind, rates, targets, bots)."""

    __tablename__ = "analytics_settings"
    community_id: Mapped[str] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True)
    values: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class XapiSentRow(Base):
    """A statement the LRS accepted; its id is derived from the event, so a retry resends the same id."""

    __tablename__ = "xapi_sent"
    __table_args__ = (Index("ix_xapi_sent_community_person", "community_id", "person_id"),)
    statement_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    community_id: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    verb: Mapped[str] = mapped_column(String(200))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)


class LtiPlatformRow(Base):
    """An LMS registered as an LTI 1.3 platform for Tacit (the tool)."""

    __tablename__ = "lti_platforms"
    __table_args__ = (UniqueConstraint("issuer", "client_id", name="uq_lti_platform"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(200))
    auth_login_url: Mapped[str] = mapped_column(String(1000))  # the platform's OIDC authorization endpoint
    auth_token_url: Mapped[str] = mapped_column(String(1000), default="")  # OAuth2 token endpoint (services)
    jwks: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the platform's public keys
    jwks_url: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LtiDeploymentRow(Base):
    """One deployment of Tacit on a platform, bound to the community its launches open."""

    __tablename__ = "lti_deployments"
    platform_id: Mapped[str] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"), primary_key=True)
    deployment_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    community_id: Mapped[str] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    memberships_url: Mapped[str] = mapped_column(String(1000), default="")  # Names and Roles, from the last launch


class LtiNonceRow(Base):
    """A launch nonce already used: a replayed id_token is refused."""

    __tablename__ = "lti_nonces"
    nonce: Mapped[str] = mapped_column(String(200), primary_key=True)
    platform_id: Mapped[str] = mapped_column(String(36))
    used_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class LtiUserRow(Base):
    """A platform user (the id_token's `sub`) and the Tacit person they are."""

    __tablename__ = "lti_users"
    platform_id: Mapped[str] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"), primary_key=True)
    subject: Mapped[str] = mapped_column(String(255), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(Text, default="")
