"""diligence: tables of the diligence capability (placeholder until that capability adds them)

Revision ID: 0003_diligence
Revises: 0002_audit
"""

revision = "0003_diligence"
down_revision = "0002_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
