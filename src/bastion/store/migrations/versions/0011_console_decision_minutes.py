"""console: console_decision_minutes (decisions counted per minute, outcome and reason)

Revision ID: 0011_console_decision_minutes
Revises: 0010_console_decisions
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_console_decision_minutes"
down_revision = "0010_console_decisions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_decision_minutes",
        sa.Column("minute", sa.BigInteger, nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("n", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("minute", "decision", "reason"),
    )
    # An index built before this table existed has no counts: index it again from the log.
    op.execute("DELETE FROM console_decisions")
    op.execute("DELETE FROM console_index_state")


def downgrade() -> None:
    op.drop_table("console_decision_minutes")
