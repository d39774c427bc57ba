"""Resolution log: the resolutions table

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 21:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.store.models

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "resolutions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("root_cause", sa.String(length=30), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=30), nullable=False),
        sa.Column("avoidable", sa.Boolean(), nullable=False),
        sa.Column("lacked", sa.JSON(), nullable=False),
        sa.Column("zendesk_status", sa.String(length=20), nullable=False),
        sa.Column("resolved_by", sa.String(length=64), nullable=False),
        sa.Column("resolved_at", bot.store.models.UTCDateTime(), nullable=False),
        sa.Column("amended_at", bot.store.models.UTCDateTime(), nullable=True),
        sa.Column("amendments", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_resolutions_escalation_id_escalations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resolutions")),
        sa.UniqueConstraint("escalation_id", name=op.f("uq_resolutions_escalation_id")),
    )
    with op.batch_alter_table("resolutions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_resolutions_root_cause"), ["root_cause"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_resolutions_resolved_at"), ["resolved_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("resolutions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resolutions_resolved_at"))
        batch_op.drop_index(batch_op.f("ix_resolutions_root_cause"))
    op.drop_table("resolutions")
