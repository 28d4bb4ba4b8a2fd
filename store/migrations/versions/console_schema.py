"""console: stewards' "should have / should not have nudged" marks on assessments (labels for detection)

Revision ID: console
Revises: analytics
"""

import sqlalchemy as sa
from alembic import op

revision = "console"
down_revision = "security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assessment_marks",
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.Column("community_id", sa.String(length=64), nullable=False),
        sa.Column("should_nudge", sa.Boolean(), nullable=False),
        sa.Column("marked_by", sa.String(length=36), nullable=True),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["community_id"], ["communities.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["marked_by"], ["people.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("message_id"),
    )
    op.create_index("ix_assessment_marks_community_id", "assessment_marks", ["community_id"])


def downgrade() -> None:
    op.drop_table("assessment_marks")
