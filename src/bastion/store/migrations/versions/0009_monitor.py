"""monitor: monitor_cases (review cases opened by the account monitor)

Revision ID: 0009_monitor
Revises: 0008_console
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_monitor"
down_revision = "0008_console"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monitor_cases",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("org_id", sa.String(256), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("risk", sa.Float, nullable=False),
        sa.Column("signals", sa.JSON, nullable=False),
        sa.Column("applied", sa.JSON, nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("analyst", sa.String(200)),
        sa.Column("outcome", sa.String(16)),
        sa.Column("reason", sa.Text),
    )
    op.create_index("ix_monitor_cases_org_status", "monitor_cases", ["org_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_monitor_cases_org_status", "monitor_cases")
    op.drop_table("monitor_cases")
