"""Problems of a received file's translation past the 1,000 listed in `errors`: their count
(shown by the upload answer and the ops file page), so a file's page can say how many were
left out.

Revision ID: 0003_errors_unlisted
Revises: 0002_issue9a
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_errors_unlisted"
down_revision: str | None = "0002_issue9a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("received_files") as batch:
        batch.add_column(
            sa.Column("errors_unlisted", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("received_files") as batch:
        batch.drop_column("errors_unlisted")
