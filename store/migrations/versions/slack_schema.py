"""guide_feedback: readers' verdicts on guides found for a question (Slack "not helpful", the pages)

Revision ID: slack
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "slack"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "guide_feedback",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("guide_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=True),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["guide_id"], ["guides.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("guide_feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_guide_feedback_guide_id"), ["guide_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("guide_feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guide_feedback_guide_id"))
    op.drop_table("guide_feedback")
