"""Translation attempts per received file, so a file whose translation crashes the worker
is retried a bounded number of times, across restarts too, and then quarantined.

Revision ID: 0002_issue9a
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_issue9a"
down_revision: str | None = "0002_issue10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("received_files") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("received_files") as batch:
        batch.drop_column("attempts")
