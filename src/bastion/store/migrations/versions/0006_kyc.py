"""diligence: KYC profiles, beneficial owners, documents, tier history, screening hits

Revision ID: 0006_kyc
Revises: 0005_vault
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_kyc"
down_revision = "0005_vault"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kyc_profiles",
        sa.Column("org_id", sa.String(40), sa.ForeignKey("orgs.id"), primary_key=True),
        sa.Column("legal_name", sa.String(300), nullable=False),
        sa.Column("other_names", sa.JSON, nullable=False),
        sa.Column("country", sa.String(2)),
        sa.Column("registration_number", sa.String(100)),
        sa.Column("address", sa.Text),
        sa.Column("website", sa.String(300)),
        sa.Column("use_case", sa.Text),
        sa.Column("attestation", sa.JSON, nullable=False),
        sa.Column("attested_by", sa.String(200)),
        sa.Column("attested_at", sa.DateTime(timezone=True)),
        sa.Column("screening_suspended", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "beneficial_owners",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("org_id", sa.String(40), sa.ForeignKey("orgs.id"), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("nationality", sa.String(2)),
        sa.Column("birth_date", sa.String(10)),
        sa.Column("share", sa.Float, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_beneficial_owners_org_id", "beneficial_owners", ["org_id"])
    op.create_table(
        "kyc_documents",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("org_id", sa.String(40), sa.ForeignKey("orgs.id"), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("reference", sa.String(300), nullable=False),
        sa.Column("reviewed_by", sa.String(200), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text),
    )
    op.create_index("ix_kyc_documents_org_id", "kyc_documents", ["org_id"])
    op.create_table(
        "tier_transitions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("org_id", sa.String(40), sa.ForeignKey("orgs.id"), nullable=False),
        sa.Column("from_tier", sa.Integer, nullable=False),
        sa.Column("to_tier", sa.Integer, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_tier_transitions_org_id", "tier_transitions", ["org_id"])
    op.create_table(
        "screening_hits",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("org_id", sa.String(40), sa.ForeignKey("orgs.id"), nullable=False),
        sa.Column("subject", sa.String(60), nullable=False),
        sa.Column("subject_name", sa.String(300), nullable=False),
        sa.Column("list_id", sa.String(64), nullable=False),
        sa.Column("entity_id", sa.String(200), nullable=False),
        sa.Column("entry_name", sa.String(500), nullable=False),
        sa.Column("matched_name", sa.String(500), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("decision", sa.String(8), nullable=False),
        sa.Column("explanation", sa.Text, nullable=False),
        sa.Column("features", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reviewer", sa.String(200)),
        sa.Column("review_reason", sa.Text),
        sa.Column("lists_version", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_screening_hits_org_id", "screening_hits", ["org_id"])
    op.create_index("ix_screening_hits_status", "screening_hits", ["status"])


def downgrade() -> None:
    for table in ("screening_hits", "tier_transitions", "kyc_documents", "beneficial_owners", "kyc_profiles"):
        op.drop_table(table)
