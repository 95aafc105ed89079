"""Diligence tables: KYC profiles, beneficial owners, documents reviewed, tier history, screening hits."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, DateTime, Float, ForeignKey, Index, Integer, String, Table, Text

from bastion.store.schema import metadata

kyc_profiles = Table(
    "kyc_profiles",
    metadata,
    Column("org_id", String(40), ForeignKey("orgs.id"), primary_key=True),
    Column("legal_name", String(300), nullable=False),
    Column("other_names", JSON, nullable=False, default=list),
    Column("country", String(2)),  # of incorporation, ISO alpha-2
    Column("registration_number", String(100)),
    Column("address", Text),
    Column("website", String(300)),
    Column("use_case", Text),
    # End-use attestation: {"no_weapons": bool, "no_mass_surveillance": bool}, who attested and when.
    Column("attestation", JSON, nullable=False, default=dict),
    Column("attested_by", String(200)),
    Column("attested_at", DateTime(timezone=True)),
    # True while the org is suspended because of a screening hit, so clearing the hit reinstates it.
    Column("screening_suspended", Boolean, nullable=False, default=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

beneficial_owners = Table(
    "beneficial_owners",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("org_id", String(40), ForeignKey("orgs.id"), nullable=False, index=True),
    Column("name", String(300), nullable=False),
    Column("nationality", String(2)),
    Column("birth_date", String(10)),  # ISO, possibly partial
    Column("share", Float, nullable=False),  # percent of ownership, 0..100
    Column("created_at", DateTime(timezone=True), nullable=False),
)

kyc_documents = Table(
    "kyc_documents",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("org_id", String(40), ForeignKey("orgs.id"), nullable=False, index=True),
    Column("kind", String(64), nullable=False),  # certificate_of_incorporation, passport, ...
    Column("reference", String(300), nullable=False),  # where the reviewed original is kept; never the content
    Column("reviewed_by", String(200), nullable=False),
    Column("reviewed_at", DateTime(timezone=True), nullable=False),
    Column("note", Text),
)

tier_transitions = Table(
    "tier_transitions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", String(40), ForeignKey("orgs.id"), nullable=False, index=True),
    Column("from_tier", Integer, nullable=False),
    Column("to_tier", Integer, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

screening_hits = Table(
    "screening_hits",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("org_id", String(40), ForeignKey("orgs.id"), nullable=False, index=True),
    Column("subject", String(60), nullable=False),  # "org" or "owner:<owner id>"
    Column("subject_name", String(300), nullable=False),
    Column("list_id", String(64), nullable=False),
    Column("entity_id", String(200), nullable=False),
    Column("entry_name", String(500), nullable=False),
    Column("matched_name", String(500), nullable=False),
    Column("score", Float, nullable=False),
    Column("decision", String(8), nullable=False),  # review | block
    Column("explanation", Text, nullable=False),
    Column("features", JSON, nullable=False, default=dict),
    Column("status", String(16), nullable=False, default="open"),  # open | true_match | false_positive
    Column("reviewer", String(200)),
    Column("review_reason", Text),
    Column("lists_version", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("reviewed_at", DateTime(timezone=True)),
)

Index("ix_screening_hits_status", screening_hits.c.status)
