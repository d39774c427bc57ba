"""the shared rate budget per service, and VIP-first priority on the inbox and outbox

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.store.models

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_budgets",
        sa.Column("service", sa.String(length=20), nullable=False),
        sa.Column("per_minute", sa.Integer(), nullable=False),
        sa.Column("window_starts", bot.store.models.UTCDateTime(), nullable=False),
        sa.Column("window_ends", bot.store.models.UTCDateTime(), nullable=False),
        sa.Column("left", sa.Integer(), nullable=False),
        sa.Column("updated_at", bot.store.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("service", name=op.f("pk_service_budgets")),
    )
    with op.batch_alter_table("inbox_events") as batch:
        batch.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("priority")
    with op.batch_alter_table("inbox_events") as batch:
        batch.drop_column("priority")
    op.drop_table("service_budgets")
