"""policy: tables of the policy capability (placeholder until that capability adds them)

Revision ID: 0004_policy
Revises: 0003_diligence
"""

revision = "0004_policy"
down_revision = "0003_diligence"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
