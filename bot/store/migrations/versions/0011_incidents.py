"""Provider incidents: the incidents and incident_links tables, escalations.incident_ref

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.store.models

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

UTC = bot.store.models.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=60), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("open_key", sa.String(length=100), nullable=True),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("began_at", UTC(), nullable=False),
        sa.Column("opened_at", UTC(), nullable=False),
        sa.Column("opened_by", sa.String(length=64), nullable=False),
        sa.Column("health", sa.JSON(), nullable=True),
        sa.Column("jira_key", sa.String(length=60), nullable=True),
        sa.Column("jira_url", sa.Text(), nullable=True),
        sa.Column("slack_channel", sa.String(length=40), nullable=True),
        sa.Column("slack_ts", sa.String(length=40), nullable=True),
        sa.Column("root_cause", sa.String(length=30), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("reply_template", sa.String(length=40), nullable=True),
        sa.Column("resolved_at", UTC(), nullable=True),
        sa.Column("resolved_by", sa.String(length=64), nullable=True),
        sa.Column("replies_total", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTC(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        sa.UniqueConstraint("open_key", name=op.f("uq_incidents_open_key")),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incidents_provider"), ["provider"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_status"), ["status"], unique=False)
    op.create_table(
        "incident_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("active_escalation_id", sa.Integer(), nullable=True),
        sa.Column("linked_at", UTC(), nullable=False),
        sa.Column("linked_by", sa.String(length=64), nullable=False),
        sa.Column("unlinked_at", UTC(), nullable=True),
        sa.Column("paused_at", UTC(), nullable=True),
        sa.Column("sla_left_seconds", sa.Float(), nullable=True),
        sa.Column("paused_seconds", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_incident_links_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_incident_links_escalation_id_escalations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_links")),
        sa.UniqueConstraint(
            "active_escalation_id", name=op.f("uq_incident_links_active_escalation_id")
        ),
    )
    with op.batch_alter_table("incident_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_links_incident_id"), ["incident_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_incident_links_escalation_id"), ["escalation_id"], unique=False
        )
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("incident_ref", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_column("incident_ref")
    with op.batch_alter_table("incident_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_links_escalation_id"))
        batch_op.drop_index(batch_op.f("ix_incident_links_incident_id"))
    op.drop_table("incident_links")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incidents_status"))
        batch_op.drop_index(batch_op.f("ix_incidents_provider"))
    op.drop_table("incidents")
