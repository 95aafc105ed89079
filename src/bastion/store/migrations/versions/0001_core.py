"""core: orgs, users, api_keys

Revision ID: 0001_core
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_core"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "orgs",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(300), nullable=False, unique=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("tier", sa.Integer, nullable=False),
        sa.Column("country", sa.String(2)),
        sa.Column("programmes", sa.JSON, nullable=False),
        sa.Column("screening_state", sa.String(16), nullable=False),
        sa.Column("keep_content", sa.Boolean, nullable=False),
        sa.Column("declared_use", sa.Text),
        sa.Column("rpm_limit", sa.Integer),
        sa.Column("tpm_limit", sa.Integer),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("org_id", sa.String(40), sa.ForeignKey("orgs.id"), nullable=False, index=True),
        sa.Column("email", sa.String(320), nullable=False, unique=True),
        sa.Column("name", sa.String(300)),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("org_id", sa.String(40), sa.ForeignKey("orgs.id"), nullable=False, index=True),
        sa.Column("user_id", sa.String(40), sa.ForeignKey("users.id")),
        sa.Column("name", sa.String(200)),
        sa.Column("prefix", sa.String(24), nullable=False, unique=True),
        sa.Column("hmac", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("rpm_limit", sa.Integer),
        sa.Column("tpm_limit", sa.Integer),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("revoked_at", TS),
    )
    op.create_index("ix_api_keys_status", "api_keys", ["status"])


def downgrade() -> None:
    op.drop_table("api_keys")
    op.drop_table("users")
    op.drop_table("orgs")
