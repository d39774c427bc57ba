"""dashboard sessions, failed sign-ins and the Zendesk agents' names

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.store.models

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dashboard_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("who", sa.String(length=64), nullable=False),
        sa.Column("slack_id", sa.String(length=32), nullable=True),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", bot.store.models.UTCDateTime(), nullable=False),
        sa.Column("expires_at", bot.store.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dashboard_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_dashboard_sessions_token_hash")),
    )
    op.create_index(op.f("ix_dashboard_sessions_expires_at"), "dashboard_sessions", ["expires_at"])
    op.create_table(
        "dashboard_signin_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("at", bot.store.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dashboard_signin_failures")),
    )
    op.create_index(
        op.f("ix_dashboard_signin_failures_client"), "dashboard_signin_failures", ["client"]
    )
    op.create_index(op.f("ix_dashboard_signin_failures_at"), "dashboard_signin_failures", ["at"])
    op.create_table(
        "zendesk_agents",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("fetched_at", bot.store.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zendesk_agents")),
    )


def downgrade() -> None:
    op.drop_table("zendesk_agents")
    op.drop_index(op.f("ix_dashboard_signin_failures_at"), table_name="dashboard_signin_failures")
    op.drop_index(
        op.f("ix_dashboard_signin_failures_client"), table_name="dashboard_signin_failures"
    )
    op.drop_table("dashboard_signin_failures")
    op.drop_index(op.f("ix_dashboard_sessions_expires_at"), table_name="dashboard_sessions")
    op.drop_table("dashboard_sessions")
