"""vault: tables of the vault capability (placeholder until that capability adds them)

Revision ID: 0005_vault
Revises: 0004_policy
"""

revision = "0005_vault"
down_revision = "0004_policy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
