"""Settling V1 transactions, blocked sellers and the partner mailbox: poll bookkeeping and
an operator's decision on api_calls, resubmissions on events, mailbox collection and webhook
delivery on acks, the state of each seller's credentials and which ones the service uses.

Revision ID: 0002_issue7
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_issue7"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _count(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), nullable=False, server_default="0")


def upgrade() -> None:
    with op.batch_alter_table("api_calls") as table:
        table.add_column(_count("polls"))
        table.add_column(_count("poll_errors"))
        table.add_column(sa.Column("next_poll_at", sa.DateTime(timezone=True), nullable=True))
        table.add_column(sa.Column("resolved_by", sa.String(128), nullable=True))
        table.add_column(sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("events") as table:
        table.add_column(_count("resubmits"))
    with op.batch_alter_table("acks") as table:
        table.add_column(sa.Column("collected_at", sa.DateTime(timezone=True), nullable=True))
        table.add_column(_count("webhook_attempts"))
        table.add_column(sa.Column("webhook_status", sa.String(32), nullable=True))
        table.add_column(sa.Column("webhook_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "seller_states",
        sa.Column("seller", sa.String(64), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seller"),
    )
    op.create_table(
        "service_credentials",
        sa.Column("seller", sa.String(64), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seller"),
    )


def downgrade() -> None:
    op.drop_table("service_credentials")
    op.drop_table("seller_states")
    with op.batch_alter_table("acks") as table:
        for column in ("webhook_at", "webhook_status", "webhook_attempts", "collected_at"):
            table.drop_column(column)
    with op.batch_alter_table("events") as table:
        table.drop_column("resubmits")
    with op.batch_alter_table("api_calls") as table:
        for column in ("resolved_at", "resolved_by", "next_poll_at", "poll_errors", "polls"):
            table.drop_column(column)
