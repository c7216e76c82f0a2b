"""An index on events.transaction_id: a refused set's advice (824 / APERAK) reads its
group's version from the group's first event (gateway.ledger.advising.group_version),
once per group of the file; without the index each read scanned the file's events (50 reads
in a mailbag of 100,000 events: 0.81 s, growing with the square of the mailbag).

Revision ID: 0005_events_transaction_index
Revises: 0004_duplicate_of_index
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005_events_transaction_index"
down_revision: str | None = "0004_duplicate_of_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_events_transaction_id", "events", ["transaction_id"])


def downgrade() -> None:
    op.drop_index("ix_events_transaction_id", table_name="events")
