"""transactions.version: the version a set's events' origins name (X12 GS08, else ISA12;
EDIFACT UNH S009 version:release), so that the advice (824 / APERAK) of a group whose every
set was refused, and which so has no event to read it from, names the partner's version
(a 005010 group was advised as 004010, the default). Rows recorded before stay NULL.

Revision ID: 0006_transaction_version
Revises: 0005_events_transaction_index
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_transaction_version"
down_revision: str | None = "0005_events_transaction_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("transactions") as batch:
        batch.add_column(sa.Column("version", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("transactions") as batch:
        batch.drop_column("version")
