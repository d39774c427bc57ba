"""KYC document checks: keyed document fingerprints and each escalation's findings

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 06:30:00

Document numbers are stored only as keyed hashes (HMAC-SHA256 under BATON_SECRET_KEY), one row
per number and customer, so the same number on another customer is found; never in clear.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.store.models

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_fingerprints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("requester_id", sa.BigInteger(), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("seen_at", bot.store.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_fingerprints")),
        sa.UniqueConstraint(
            "fingerprint", "requester_id", name=op.f("uq_document_fingerprints_fingerprint")
        ),
    )
    op.create_index(
        op.f("ix_document_fingerprints_fingerprint"),
        "document_fingerprints",
        ["fingerprint"],
        unique=False,
    )
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("documents", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_column("documents")
    op.drop_index(op.f("ix_document_fingerprints_fingerprint"), table_name="document_fingerprints")
    op.drop_table("document_fingerprints")
