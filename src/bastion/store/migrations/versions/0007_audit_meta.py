"""audit: audit_meta (the verifier key the log is bound to)

Revision ID: 0007_audit_meta
Revises: 0006_kyc
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_audit_meta"
down_revision = "0006_kyc"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_meta",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("audit_meta")
