"""outcomes: a community's own terse detector, adapted from its outcome labels

Revision ID: outcomes
Revises: console
"""

import sqlalchemy as sa
from alembic import op

revision = "outcomes"
down_revision = "console"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "community_models",
        sa.Column("community_id", sa.String(length=64), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("labels", sa.Integer(), nullable=False),
        sa.Column("label_key", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["communities.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("community_id"),
    )


def downgrade() -> None:
    op.drop_table("community_models")
