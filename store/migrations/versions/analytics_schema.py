"""analytics: guide reads and feedback, searches, analytics settings, the xAPI sent log, LTI platforms, deployments, nonces, users

Revision ID: analytics
Revises: pages
"""

import sqlalchemy as sa
from alembic import op

revision = "analytics"
down_revision = "pages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lti_nonces",
        sa.Column("nonce", sa.String(length=200), nullable=False),
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("nonce"),
    )
    with op.batch_alter_table("lti_nonces", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lti_nonces_used_at"), ["used_at"], unique=False)

    op.create_table(
        "lti_platforms",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("client_id", sa.String(length=200), nullable=False),
        sa.Column("auth_login_url", sa.String(length=1000), nullable=False),
        sa.Column("auth_token_url", sa.String(length=1000), nullable=False),
        sa.Column("jwks", sa.JSON(), nullable=False),
        sa.Column("jwks_url", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("issuer", "client_id", name="uq_lti_platform"),
    )
    op.create_table(
        "xapi_sent",
        sa.Column("statement_id", sa.String(length=36), nullable=False),
        sa.Column("community_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=True),
        sa.Column("verb", sa.String(length=200), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("statement_id"),
    )
    with op.batch_alter_table("xapi_sent", schema=None) as batch_op:
        batch_op.create_index("ix_xapi_sent_community_person", ["community_id", "person_id"], unique=False)

    op.create_table(
        "analytics_settings",
        sa.Column("community_id", sa.String(length=64), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["communities.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("community_id"),
    )
    op.create_table(
        "lti_deployments",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("deployment_id", sa.String(length=200), nullable=False),
        sa.Column("community_id", sa.String(length=64), nullable=False),
        sa.Column("memberships_url", sa.String(length=1000), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["communities.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["platform_id"], ["lti_platforms.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("platform_id", "deployment_id"),
    )
    op.create_table(
        "lti_users",
        sa.Column("platform_id", sa.String(length=36), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["platform_id"], ["lti_platforms.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("platform_id", "subject"),
    )
    with op.batch_alter_table("lti_users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lti_users_person_id"), ["person_id"], unique=False)

    op.create_table(
        "search_events",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("community_id", sa.String(length=64), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("results", sa.Integer(), nullable=False),
        sa.Column("top_community_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("search_events", schema=None) as batch_op:
        batch_op.create_index("ix_search_events_community_at", ["community_id", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_search_events_person_id"), ["person_id"], unique=False)

    op.create_table(
        "guide_reads",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("guide_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["guide_id"], ["guides.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("guide_id", "person_id", name="uq_guide_read_once"),
    )
    with op.batch_alter_table("guide_reads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_guide_reads_guide_id"), ["guide_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_guide_reads_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("guide_reads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guide_reads_person_id"))
        batch_op.drop_index(batch_op.f("ix_guide_reads_guide_id"))

    op.drop_table("guide_reads")
    with op.batch_alter_table("search_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_events_person_id"))
        batch_op.drop_index("ix_search_events_community_at")

    op.drop_table("search_events")
    with op.batch_alter_table("lti_users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lti_users_person_id"))

    op.drop_table("lti_users")
    op.drop_table("lti_deployments")
    op.drop_table("analytics_settings")
    with op.batch_alter_table("xapi_sent", schema=None) as batch_op:
        batch_op.drop_index("ix_xapi_sent_community_person")

    op.drop_table("xapi_sent")
    op.drop_table("lti_platforms")
    with op.batch_alter_table("lti_nonces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lti_nonces_used_at"))

    op.drop_table("lti_nonces")
