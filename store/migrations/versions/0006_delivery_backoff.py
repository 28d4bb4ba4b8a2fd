"""nudges.delivery_failures / delivery_retry_at: a failing platform delivery backs off and gives up

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("nudges", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivery_failures", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("delivery_retry_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("nudges", schema=None) as batch_op:
        batch_op.drop_column("delivery_retry_at")
        batch_op.drop_column("delivery_failures")
