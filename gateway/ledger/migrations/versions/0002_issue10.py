"""Ops console: operators' actions (audit), partner code-table overrides (versioned), values
of rejected sets to search by, and
search indexes (control numbers of sets and groups, files newest first, Amazon transaction
ids on events).

Revision ID: 0002_issue10
Revises: 0002_issue9b
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_issue10"
down_revision: str | None = "0002_issue9b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = (
    ("ix_transactions_control", "transactions", ["control"]),
    ("ix_transactions_group_control", "transactions", ["group_control"]),
    ("ix_received_files_received_at", "received_files", ["received_at"]),
    ("ix_received_files_partner_received_at", "received_files", ["partner_id", "received_at"]),
    ("ix_events_amazon_transaction_id", "events", ["amazon_transaction_id"]),
    # case-insensitive tracking / PO search: upper(column) = upper(value)
    ("ix_events_tracking_number_upper", "events", [sa.text("upper(tracking_number)")]),
    ("ix_events_purchase_order_upper", "events", [sa.text("upper(purchase_order)")]),
    ("ix_ops_search_terms_value_upper", "ops_search_terms", [sa.text("upper(value)")]),
)


def upgrade() -> None:
    op.create_table(
        "ops_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("operator", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("file_id", sa.String(36), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["file_id"], ["received_files.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ops_actions_file_action", "ops_actions", ["file_id", "action"])
    op.create_table(
        "code_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("syntax", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(16), nullable=True),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_code_overrides_partner_version", "code_overrides",
                    ["partner_id", "version"], unique=True)  # fmt: skip
    op.create_table(
        "ops_search_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.String(36), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["file_id"], ["received_files.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ops_search_terms_file_id", "ops_search_terms", ["file_id"])
    op.create_index("ix_ops_search_terms_value", "ops_search_terms", ["value"])
    for name, table, columns in _INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in _INDEXES:
        op.drop_index(name, table_name=table)
    op.drop_table("ops_search_terms")
    op.drop_table("code_overrides")
    op.drop_table("ops_actions")
