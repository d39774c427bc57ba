"""Jira issues of escalations: the jira_links table and escalations.jira_issues

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.store.models

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("jira_issues", sa.JSON(), nullable=True))
    op.create_table(
        "jira_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("project", sa.String(length=40), nullable=False),
        sa.Column("issue_key", sa.String(length=60), nullable=False),
        sa.Column("issue_id", sa.String(length=40), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=100), nullable=True),
        sa.Column("resolution", sa.String(length=100), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", bot.store.models.UTCDateTime(), nullable=False),
        sa.Column("updated_at", bot.store.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_jira_links_escalation_id_escalations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jira_links")),
        sa.UniqueConstraint("escalation_id", "project", name=op.f("uq_jira_links_escalation_id")),
        sa.UniqueConstraint("issue_id", name=op.f("uq_jira_links_issue_id")),
        sa.UniqueConstraint("issue_key", name=op.f("uq_jira_links_issue_key")),
    )
    op.create_index(
        op.f("ix_jira_links_escalation_id"), "jira_links", ["escalation_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_jira_links_escalation_id"), table_name="jira_links")
    op.drop_table("jira_links")
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_column("jira_issues")
