"""console: console_decisions (a derived index of the audit log's decision records), console_index_state

Revision ID: 0010_console_decisions
Revises: 0009_monitor
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_console_decisions"
down_revision = "0009_monitor"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_decisions",
        sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("ts", sa.Float, nullable=False),
        sa.Column("org_id", sa.String(40)),
        sa.Column("request_id", sa.String(64)),
        sa.Column("model", sa.String(200)),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("stage", sa.String(64)),
        sa.Column("reason", sa.String(200)),
        sa.Column("status", sa.Integer),
        sa.Column("phase", sa.String(16)),
        sa.Column("counted", sa.Boolean, nullable=False),
    )
    op.create_index("ix_console_decisions_org_idx", "console_decisions", ["org_id", "idx"])
    op.create_index("ix_console_decisions_reason_idx", "console_decisions", ["reason", "idx"])
    op.create_index("ix_console_decisions_ts", "console_decisions", ["ts"])
    op.create_table(
        "console_index_state",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("upto", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("console_index_state")
    op.drop_index("ix_console_decisions_ts", "console_decisions")
    op.drop_index("ix_console_decisions_reason_idx", "console_decisions")
    op.drop_index("ix_console_decisions_org_idx", "console_decisions")
    op.drop_table("console_decisions")
