"""Replays: who asked for a replay and which events it resends.

Revision ID: 0002_issue9b
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_issue9b"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "replays",
        sa.Column("file_id", sa.String(length=36), nullable=False),
        sa.Column("replay_of", sa.String(length=36), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("resend", sa.String(length=8), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["file_id"], ["received_files.id"]),
        sa.ForeignKeyConstraint(["replay_of"], ["received_files.id"]),
        sa.PrimaryKeyConstraint("file_id"),
    )
    op.create_index("ix_replays_replay_of", "replays", ["replay_of"])


def downgrade() -> None:
    op.drop_table("replays")
