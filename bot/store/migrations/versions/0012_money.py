"""Money movements under four-eyes approval: the money_requests table

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.store.models

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "money_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("amount", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("transaction_id", sa.String(length=100), nullable=True),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("needs_lead", sa.Boolean(), nullable=False),
        sa.Column("needs_two", sa.Boolean(), nullable=False),
        sa.Column("needs_compliance", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("approvals", sa.JSON(), nullable=False),
        sa.Column("rejected_by", sa.String(length=64), nullable=True),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column("created_at", bot.store.models.UTCDateTime(), nullable=False),
        sa.Column("expires_at", bot.store.models.UTCDateTime(), nullable=False),
        sa.Column("decided_at", bot.store.models.UTCDateTime(), nullable=True),
        sa.Column("executed_at", bot.store.models.UTCDateTime(), nullable=True),
        sa.Column("backoffice_id", sa.String(length=100), nullable=True),
        sa.Column("backoffice_status", sa.String(length=20), nullable=True),
        sa.Column("backoffice_message", sa.Text(), nullable=True),
        sa.Column("manual_reference", sa.String(length=100), nullable=True),
        sa.Column("slack_channel", sa.String(length=40), nullable=True),
        sa.Column("slack_ts", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_money_requests_escalation_id_escalations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_money_requests")),
    )
    for column in ("escalation_id", "ticket_id", "state", "expires_at"):
        op.create_index(op.f(f"ix_money_requests_{column}"), "money_requests", [column])


def downgrade() -> None:
    for column in ("escalation_id", "ticket_id", "state", "expires_at"):
        op.drop_index(op.f(f"ix_money_requests_{column}"), table_name="money_requests")
    op.drop_table("money_requests")
