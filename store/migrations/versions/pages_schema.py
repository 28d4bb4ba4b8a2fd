"""pages: web sessions, one-time sign-in links, feedback on guides, missed searches, the reason a nudge was declined

Revision ID: pages
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "pages"
down_revision = "0006"
branch_labels = None
depends_on = None


def _person_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE")


def upgrade() -> None:
    with op.batch_alter_table("nudges", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decline_reason", sa.String(length=32), nullable=True))
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        _person_fk(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_web_sessions_person_id", "web_sessions", ["person_id"])
    op.create_table(
        "sign_in_links",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        _person_fk(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sign_in_links_person_id", "sign_in_links", ["person_id"])
    op.create_table(
        "guide_feedback",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("guide_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["guide_id"], ["guides.id"], ondelete="CASCADE"),
        _person_fk(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("guide_id", "person_id", name="uq_feedback_guide_person"),
    )
    op.create_index("ix_guide_feedback_guide_id", "guide_feedback", ["guide_id"])
    op.create_table(
        "missed_searches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("community_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=True),
        sa.Column("query", sa.String(length=500), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["communities.id"], ondelete="CASCADE"),
        _person_fk(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_missed_searches_community_id", "missed_searches", ["community_id"])


def downgrade() -> None:
    for table in ("missed_searches", "guide_feedback", "sign_in_links", "web_sessions"):
        op.drop_table(table)
    with op.batch_alter_table("nudges", schema=None) as batch_op:
        batch_op.drop_column("decline_reason")
