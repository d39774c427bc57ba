"""Slack replays: the seen_slack_requests table

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.store.models

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "seen_slack_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("signature", sa.String(length=64), nullable=False),
        sa.Column("seen_at", bot.store.models.UTCDateTime(), nullable=False),
        sa.Column("expires_at", bot.store.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seen_slack_requests")),
        sa.UniqueConstraint("signature", name=op.f("uq_seen_slack_requests_signature")),
    )
    op.create_index(
        op.f("ix_seen_slack_requests_expires_at"),
        "seen_slack_requests",
        ["expires_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_seen_slack_requests_expires_at"), table_name="seen_slack_requests")
    op.drop_table("seen_slack_requests")
