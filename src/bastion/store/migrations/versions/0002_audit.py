"""audit: tables of the audit capability (placeholder until that capability adds them)

Revision ID: 0002_audit
Revises: 0001_core
"""

revision = "0002_audit"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
