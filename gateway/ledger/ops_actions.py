"""Write side of the ops console: operators' actions (who, when, what, why) and partner
code-table overrides (versioned per partner: each addition is the next version)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from gateway.ledger.engine import SessionScope
from gateway.ledger.tables import CodeOverride, OpsAction, utc_now
from gateway.ops.models import ActionOut, OverrideIn, OverrideOut

__all__ = ["OpsRecords"]


def _override(row: CodeOverride) -> OverrideOut:
    return OverrideOut(
        partner_id=row.partner_id,
        version=row.version,
        syntax=row.syntax,
        status=row.status,
        reason=row.reason,
        event=row.event,
        created_at=row.created_at,
        created_by=row.created_by,
        note=row.note,
    )


class OpsRecords(SessionScope):
    """Actions and overrides on a ledger's database; `OpsRecords.of(ledger)` shares its engine."""

    @classmethod
    def of(cls, ledger: SessionScope) -> OpsRecords:
        records = cls.__new__(cls)
        records.__dict__.update(ledger.__dict__)
        return records

    def record_action(
        self,
        operator: str,
        action: str,
        file_id: str | None = None,
        note: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> ActionOut:
        """Record what an operator did (the audit trail); the stored row."""
        row = OpsAction(
            at=utc_now(),
            operator=operator,
            action=action,
            file_id=file_id,
            note=note,
            detail=dict(detail or {}),
        )
        with self._tx() as session:
            session.add(row)
            session.flush()
            return ActionOut(
                id=row.id,
                at=row.at,
                operator=row.operator,
                action=row.action,
                file_id=row.file_id,
                note=row.note,
                detail=row.detail,
            )

    def actions(self, limit: int = 100) -> list[ActionOut]:
        """The latest actions, newest first."""
        query = select(OpsAction).order_by(OpsAction.id.desc()).limit(limit)
        with self._read() as session:
            return [
                ActionOut(
                    id=r.id,
                    at=r.at,
                    operator=r.operator,
                    action=r.action,
                    file_id=r.file_id,
                    note=r.note,
                    detail=r.detail,
                )
                for r in session.scalars(query)
            ]

    def add_override(self, partner_id: str, override: OverrideIn, operator: str) -> OverrideOut:
        """Add an override as the partner's next version."""
        with self._tx() as session:
            last = session.scalar(
                select(func.max(CodeOverride.version)).where(CodeOverride.partner_id == partner_id)
            )
            row = CodeOverride(
                partner_id=partner_id,
                version=(last or 0) + 1,
                syntax=override.syntax,
                status=override.status,
                reason=override.reason,
                event=override.event,
                created_at=utc_now(),
                created_by=operator,
                note=override.note,
            )
            session.add(row)
            session.flush()
            return _override(row)

    def overrides(self, partner_id: str | None = None) -> list[OverrideOut]:
        """Overrides (of one partner or all), newest version first."""
        query = select(CodeOverride).order_by(CodeOverride.partner_id, CodeOverride.version.desc())
        if partner_id is not None:
            query = query.where(CodeOverride.partner_id == partner_id)
        with self._read() as session:
            return [_override(row) for row in session.scalars(query)]
