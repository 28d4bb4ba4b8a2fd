"""removals: a person removed from a community stays removed (ingestion never makes them a member again)

Revision ID: security
Revises: pages
"""

import sqlalchemy as sa
from alembic import op

revision = "security"
down_revision = "analytics"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "removals",
        sa.Column("community_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["communities.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("community_id", "person_id"),
    )


def downgrade() -> None:
    op.drop_table("removals")
