"""Initial ledger schema: received files, interchanges, transaction sets, events, SP-API
calls, acks and ack control counters.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("events", "transactions", "interchanges", "acks", "received_files",
           "control_counters", "api_calls")  # fmt: skip


def _when(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _text(name: str, length: int | None = None, nullable: bool = False) -> sa.Column[Any]:
    kind = sa.Text() if length is None else sa.String(length)
    return sa.Column(name, kind, nullable=nullable)


def _col(name: str, kind: sa.types.TypeEngine[Any], nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, kind, nullable=nullable)


def _index(table: str, *columns: str, name: str | None = None) -> None:
    op.create_index(name or f"ix_{table}_{columns[0]}", table, list(columns))


def upgrade() -> None:
    op.create_table(
        "api_calls",
        _col("id", sa.Integer()), _text("seller", 64), _text("operation", 64),
        _text("url", nullable=True), _col("sandbox", sa.Boolean()),
        _col("status_code", sa.Integer(), nullable=True), _col("attempts", sa.Integer()),
        _col("request_ids", sa.JSON()), _text("transaction_id", 128, nullable=True),
        _col("errors", sa.JSON()), _col("throttled", sa.Integer()), _when("started_at"),
        _when("finished_at", True), _text("transaction_status", 16, nullable=True),
        _when("polled_at", True),
        sa.PrimaryKeyConstraint("id"),
    )  # fmt: skip
    _index("api_calls", "transaction_id")
    _index("api_calls", "transaction_status")

    op.create_table(
        "control_counters",
        _text("partner_id", 64), _col("next_control", sa.Integer()),
        sa.PrimaryKeyConstraint("partner_id"),
    )  # fmt: skip

    op.create_table(
        "received_files",
        _text("id", 36), _text("partner_id", 64), _text("transport", 16), _text("name", 255),
        _text("sha256", 64), _col("size", sa.Integer()), _text("stored_path"),
        _when("received_at"), _text("state", 16), _text("state_reason", nullable=True),
        _text("syntax", 16, nullable=True), _col("accepted", sa.Boolean(), nullable=True),
        _col("errors", sa.JSON()), _text("replay_of", 36, nullable=True), _when("updated_at"),
        _when("archived_at", True),
        sa.ForeignKeyConstraint(["replay_of"], ["received_files.id"]),
        sa.PrimaryKeyConstraint("id"),
    )  # fmt: skip
    for column in ("partner_id", "sha256", "state"):
        _index("received_files", column)

    op.create_table(
        "acks",
        _col("id", sa.Integer()), _text("file_id", 36), _text("type", 8), _text("content"),
        _text("acknowledges", 32, nullable=True), _when("created_at"), _text("state", 16),
        _text("delivered_to", nullable=True), _when("delivered_at", True),
        sa.ForeignKeyConstraint(["file_id"], ["received_files.id"]),
        sa.PrimaryKeyConstraint("id"),
    )  # fmt: skip
    _index("acks", "file_id")
    _index("acks", "state")

    op.create_table(
        "interchanges",
        _col("id", sa.Integer()), _text("file_id", 36), _text("partner_id", 64),
        _text("syntax", 16), _text("sender", 64), _text("receiver", 64), _text("control", 32),
        _col("test", sa.Boolean()), _col("accepted", sa.Boolean(), nullable=True),
        _col("duplicate_of", sa.Integer(), nullable=True), _col("replay", sa.Boolean()),
        sa.ForeignKeyConstraint(["duplicate_of"], ["interchanges.id"]),
        sa.ForeignKeyConstraint(["file_id"], ["received_files.id"]),
        sa.PrimaryKeyConstraint("id"),
    )  # fmt: skip
    _index("interchanges", "control")
    _index("interchanges", "file_id")
    _index("interchanges", "partner_id", "sender", "control",
           name="ix_interchanges_partner_sender_control")  # fmt: skip

    op.create_table(
        "transactions",
        _col("id", sa.Integer()), _col("interchange_id", sa.Integer()),
        _text("group_control", 32, nullable=True), _text("control", 32), _text("type_code", 16),
        _col("accepted", sa.Boolean()), _col("errors", sa.JSON()),
        sa.ForeignKeyConstraint(["interchange_id"], ["interchanges.id"]),
        sa.PrimaryKeyConstraint("id"),
    )  # fmt: skip
    _index("transactions", "interchange_id")

    op.create_table(
        "events",
        _col("id", sa.Integer()), _text("file_id", 36),
        _col("transaction_id", sa.Integer(), nullable=True), _text("operation", 64),
        _text("seller", 64), _text("purchase_order", 64, nullable=True),
        _text("tracking_number", 64, nullable=True), _col("payload", sa.JSON()),
        _col("lineage", sa.JSON(), nullable=True), _text("state", 16),
        _col("batch_id", sa.Integer(), nullable=True),
        _text("amazon_transaction_id", 128, nullable=True), _when("updated_at"),
        sa.ForeignKeyConstraint(["batch_id"], ["api_calls.id"]),
        sa.ForeignKeyConstraint(["file_id"], ["received_files.id"]),
        sa.ForeignKeyConstraint(["transaction_id"], ["transactions.id"]),
        sa.PrimaryKeyConstraint("id"),
    )  # fmt: skip
    for column in ("batch_id", "file_id", "purchase_order", "state", "tracking_number"):
        _index("events", column)


def downgrade() -> None:
    for table in _TABLES:  # dependants first; their indexes go with them
        op.drop_table(table)
