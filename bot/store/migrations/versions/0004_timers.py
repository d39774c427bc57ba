"""SLA timers: the desk's clock, stored deadlines, and the timers table

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 19:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.store.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

NEW_COLUMNS = ("desk_started_at", "last_action_at", "first_response_due_at", "claim_due_at")


def upgrade() -> None:
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        for name in NEW_COLUMNS:
            batch_op.add_column(sa.Column(name, bot.store.models.UTCDateTime(), nullable=True))
    op.create_table(
        "timers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=True),
        sa.Column("deadline_at", bot.store.models.UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("available_at", bot.store.models.UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("lease_until", bot.store.models.UTCDateTime(), nullable=True),
        sa.Column("created_at", bot.store.models.UTCDateTime(), nullable=False),
        sa.Column("fired_at", bot.store.models.UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("retry_from", bot.store.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_timers_escalation_id_escalations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timers")),
        sa.UniqueConstraint("key", name=op.f("uq_timers_key")),
    )
    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_timers_escalation_id"), ["escalation_id"])
        batch_op.create_index("ix_timers_status_available", ["status", "available_at"])
    # Escalations routed before this revision: their desk clock started when routed, and a
    # claim was their first action. The worker gives the open ones timers when it starts.
    escalations = sa.table(
        "escalations",
        sa.column("desk_started_at", bot.store.models.UTCDateTime()),
        sa.column("routed_at", bot.store.models.UTCDateTime()),
        sa.column("received_at", bot.store.models.UTCDateTime()),
        sa.column("claimed_at", bot.store.models.UTCDateTime()),
        sa.column("first_response_at", bot.store.models.UTCDateTime()),
        sa.column("last_action_at", bot.store.models.UTCDateTime()),
        sa.column("category", sa.String),
    )
    c = escalations.c
    op.execute(
        escalations.update()
        .where(c.category.is_not(None))
        .values(desk_started_at=sa.func.coalesce(c.routed_at, c.received_at))
    )
    op.execute(
        escalations.update()
        .where(c.claimed_at.is_not(None))
        .values(
            first_response_at=sa.func.coalesce(c.first_response_at, c.claimed_at),
            last_action_at=c.claimed_at,
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.drop_index("ix_timers_status_available")
        batch_op.drop_index(batch_op.f("ix_timers_escalation_id"))
    op.drop_table("timers")
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        for name in reversed(NEW_COLUMNS):
            batch_op.drop_column(name)
