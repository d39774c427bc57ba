"""the inbox stores the parsed event, not the raw body

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 04:00:00

Rows stored before keep their raw payload and are parsed when read (bot/store/inbox.py); new
rows hold only the event. A downgrade gives rows without a payload their event as one: the
older code then finds the ticket's tags and the escalating agent in it, not the rest, so
drain the inbox before downgrading.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbox_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event", sa.JSON(), nullable=True))
        batch_op.alter_column("payload", existing_type=sa.JSON(), nullable=True)


def downgrade() -> None:
    op.execute("UPDATE inbox_events SET payload = event WHERE payload IS NULL")
    with op.batch_alter_table("inbox_events", schema=None) as batch_op:
        batch_op.alter_column("payload", existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column("event")
