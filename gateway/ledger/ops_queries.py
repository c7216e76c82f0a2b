"""Read-side queries of the ops console: search over files, work lists and the rows a file
page shows. Read-only sessions (never wait for writers), pages newest first.

Control numbers match with or without leading zeros (ISA13 `000000123` is found by `123`),
in every place they live: interchanges (ISA13 / UNB 0020), groups (GS06 / UNG 0048) and
sets (ST02 / UNH 0062). Error codes match the gateway's problem codes of the file and its
sets and Amazon's error codes of the calls that carried the file's events.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, func, or_, select, true
from sqlalchemy.orm import Session, defer

from gateway.ledger.engine import SessionScope
from gateway.ledger.records import CONTROL_WIDTH, KEY_WIDTH, column_text
from gateway.ledger.tables import (
    ApiCall,
    Event,
    Interchange,
    OpsAction,
    OpsSearchTerm,
    ReceivedFile,
    Transaction,
)
from gateway.ops.models import FileRow, SearchPage, SearchQuery
from gateway.spapi import TransactionStatus

__all__ = ["RESOLVE", "OpsQueries", "control_variants", "error_codes", "file_errors"]

RESOLVE = "resolve"
_REFUSED = (TransactionStatus.NOT_SUBMITTED.value, TransactionStatus.FAILURE.value)
_MAX_CONTROL_DIGITS = 14  # ISA13 9, GS06/ST02 up to 9, UNB 0020 up to 14


def control_variants(control: str) -> list[str]:
    """The stored spellings a control number may have: as given, and for digits every
    zero-padded width up to 14 (`123` -> `123`, `0123`, ..., `000000123`, ...); a longer
    one cut as recorded (`column_text`)."""
    control = column_text(control.strip(), CONTROL_WIDTH)
    if not control.isdigit():
        return [control]
    bare = control.lstrip("0") or "0"
    return sorted({control, *(bare.zfill(n) for n in range(len(bare), _MAX_CONTROL_DIGITS + 1))})


def error_codes(errors: Sequence[dict[str, Any]]) -> list[str]:
    """The distinct `code`s of a list of error dicts, in order."""
    return list(dict.fromkeys(str(e["code"]) for e in errors if e.get("code")))


def file_errors(session: Session, file_id: str, limit: int) -> tuple[list[dict[str, Any]], int]:
    """The first `limit` errors recorded on a file (every problem of its translation, its
    sets' included) and how many there are, read in SQL: a file of 100,000 rejected sets
    holds 100,000 errors, never parsed whole here (SQLite json_each / PostgreSQL
    json_array_elements, both in array order)."""
    if session.get_bind().dialect.name == "postgresql":
        # one derived table, numbered (WITH ORDINALITY): each render_derived() is another
        # FROM item, and two made a cartesian product that listed them in order by chance
        each = (func.json_array_elements(ReceivedFile.errors)
                .table_valued("value", with_ordinality="number").render_derived())  # fmt: skip
        query = select(each.c.value).select_from(ReceivedFile).join(each, true())
        query = query.order_by(each.c.number)
    else:
        each = func.json_each(ReceivedFile.errors).table_valued("key", "value")
        query = select(each.c.value).select_from(ReceivedFile).join(each, true())
        query = query.order_by(each.c.key)
    rows = session.scalars(query.where(ReceivedFile.id == file_id).limit(limit))
    listed = [json.loads(v) if isinstance(v, str) else v for v in rows]
    total = session.scalar(
        select(func.json_array_length(ReceivedFile.errors)).where(ReceivedFile.id == file_id)
    )
    return [e for e in listed if isinstance(e, dict)], int(total or 0)


def _file_error_codes(session: Session, file_ids: Sequence[str]) -> dict[str, list[str]]:
    """file id -> the distinct `code`s of its recorded errors in order of first appearance,
    read in SQL (the errors themselves are never parsed here: a file may hold 100,000s)."""
    code: ColumnElement[Any]
    if session.get_bind().dialect.name == "postgresql":
        each = (
            func.json_array_elements(ReceivedFile.errors)
            .table_valued("value", with_ordinality="n")
            .render_derived()
        )
        code, order = each.c.value.op("->>")("code"), each.c.n
    else:
        each = func.json_each(ReceivedFile.errors).table_valued("key", "value")
        code, order = func.json_extract(each.c.value, "$.code"), each.c.key
    query = (
        select(ReceivedFile.id, code.label("code"), func.min(order).label("first"))
        .select_from(ReceivedFile)
        .join(each, true())
        .where(ReceivedFile.id.in_(file_ids), code.is_not(None))
        .group_by(ReceivedFile.id, code)
        .order_by(ReceivedFile.id, "first")
    )
    out: dict[str, list[str]] = {file_id: [] for file_id in file_ids}
    for file_id, value, _ in session.execute(query):
        if value != "":
            out[file_id].append(str(value))
    return out


def _code_like(column: Any, code: str) -> ColumnElement[bool]:
    # JSON lists of {"code": ...} dicts, stored as text on both backends: compact since the
    # ledger's engine writes JSON so (gateway.ledger.engine), with blanks in older rows
    text = cast(column, String)
    return or_(text.like(f'%"code":"{code}"%'), text.like(f'%"code": "{code}"%'))


def _refused_calls() -> ColumnElement[bool]:
    """Calls that can carry Amazon's errors: refused (NotSubmitted), failed, or never
    answered (no status: the gateway stopped); the indexed status keeps this narrow."""
    return or_(
        ApiCall.transaction_status.in_(_REFUSED),
        ApiCall.transaction_status.is_(None),
    )


def _same(column: Any, value: str) -> ColumnElement[bool]:
    """`column` equals `value` ignoring case (upper() on both; expression indexes
    ix_*_upper of migration 0002_issue10 keep it indexed), `value` cut as the column holds
    it (`column_text`: a purchase order of 70 characters)."""
    return func.upper(column) == column_text(value, KEY_WIDTH).upper()


def _matched(session: Any, q: SearchQuery, ids: Sequence[str]) -> dict[str, list[str]]:
    """file id -> the tracking numbers / POs / control numbers, as they stand in the file,
    that matched `q`."""
    found: dict[str, list[str]] = defaultdict(list)
    for value, column in ((q.tracking, Event.tracking_number), (q.po, Event.purchase_order)):
        if not value or not ids:
            continue
        for query in (
            select(Event.file_id, column).where(Event.file_id.in_(ids), _same(column, value)),
            select(OpsSearchTerm.file_id, OpsSearchTerm.value).where(
                OpsSearchTerm.file_id.in_(ids), _same(OpsSearchTerm.value, value)
            ),
        ):
            for file_id, text in session.execute(query.distinct()):
                if text not in found[file_id]:
                    found[file_id].append(text)
    if q.control and ids:
        variants = control_variants(q.control)
        for file_id, control in session.execute(
            select(Interchange.file_id, Interchange.control).where(
                Interchange.file_id.in_(ids), Interchange.control.in_(variants)
            )
        ):
            found[file_id].append(f"ISA13/UNB {control}")
        for file_id, group, control in session.execute(
            select(Interchange.file_id, Transaction.group_control, Transaction.control)
            .join(Transaction)
            .where(
                Interchange.file_id.in_(ids),
                or_(Transaction.control.in_(variants), Transaction.group_control.in_(variants)),
            )
        ):
            label = f"set {control}" if control in variants else f"group {group}"
            if label not in found[file_id]:
                found[file_id].append(label)
    return found


def _criteria(q: SearchQuery) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    file_id = ReceivedFile.id
    if q.partner:
        where.append(ReceivedFile.partner_id == q.partner)
    for value, column in ((q.po, Event.purchase_order), (q.tracking, Event.tracking_number)):
        if value:  # in an event, or in a rejected set (which made no event); any case
            terms = select(OpsSearchTerm.file_id).where(_same(OpsSearchTerm.value, value))
            where.append(
                or_(
                    file_id.in_(select(Event.file_id).where(_same(column, value))),
                    file_id.in_(terms),
                )
            )
    if q.control:
        values = control_variants(q.control)
        in_sets = (
            select(Interchange.file_id)
            .join(Transaction)
            .where(or_(Transaction.control.in_(values), Transaction.group_control.in_(values)))
        )
        where.append(
            or_(
                file_id.in_(select(Interchange.file_id).where(Interchange.control.in_(values))),
                file_id.in_(in_sets),
            )
        )
    if q.transaction:
        where.append(
            file_id.in_(select(Event.file_id).where(Event.amazon_transaction_id == q.transaction))
        )
    if q.state:
        where.append(ReceivedFile.state == q.state)
    if q.event_state:
        where.append(file_id.in_(select(Event.file_id).where(Event.state == q.event_state)))
    if q.error:
        in_sets = (
            select(Interchange.file_id)
            .join(Transaction)
            .where(_code_like(Transaction.errors, q.error))
        )
        in_calls = (
            select(Event.file_id)
            .join(ApiCall, Event.batch_id == ApiCall.id)
            .where(_refused_calls(), _code_like(ApiCall.errors, q.error))
        )
        where.append(
            or_(
                _code_like(ReceivedFile.errors, q.error),
                file_id.in_(in_sets),
                file_id.in_(in_calls),
            )
        )
    if q.since:
        where.append(ReceivedFile.received_at >= q.since)
    if q.until:
        where.append(ReceivedFile.received_at < q.until)
    return where


_LISTED_VALUES = 20  # tracking numbers and POs of a file in a search result


def _first_values(session: Any, file_ids: Sequence[str], column: Any) -> dict[str, list[str]]:
    """file id -> the first `_LISTED_VALUES` distinct non-empty values of an event column of
    the file, in sort order; ranked in SQL, so a file of 100,000s of events sends 20."""
    pairs = (
        select(Event.file_id.label("file_id"), column.label("value"))
        .distinct()
        .where(Event.file_id.in_(file_ids), column.is_not(None), column != "")
        .subquery()
    )
    rank = func.row_number().over(partition_by=pairs.c.file_id, order_by=pairs.c.value)
    ranked = select(pairs.c.file_id, pairs.c.value, rank.label("n")).subquery()
    out: dict[str, list[str]] = defaultdict(list)
    for file_id, value in session.execute(
        select(ranked.c.file_id, ranked.c.value)
        .where(ranked.c.n <= _LISTED_VALUES)
        .order_by(ranked.c.file_id, ranked.c.n)
    ):
        out[file_id].append(value)
    return out


class OpsQueries(SessionScope):
    """The ops console's read queries on a ledger's database (`OpsQueries(ledger.url)` or
    `OpsQueries.of(ledger)` to share its engine)."""

    @classmethod
    def of(cls, ledger: SessionScope) -> OpsQueries:
        """Queries sharing `ledger`'s engine and sessions (no second connection pool)."""
        queries = cls.__new__(cls)
        queries.__dict__.update(ledger.__dict__)
        return queries

    def search(self, q: SearchQuery) -> SearchPage:
        """One page of files matching every given criterion, newest first."""
        query = select(ReceivedFile).options(defer(ReceivedFile.errors))
        if where := _criteria(q):
            query = query.where(and_(*where))
        query = (
            query.order_by(ReceivedFile.received_at.desc(), ReceivedFile.id.desc())
            .offset((q.page - 1) * q.page_size)
            .limit(q.page_size + 1)
        )
        with self._read() as session:
            rows = list(session.scalars(query))
            more = len(rows) > q.page_size
            items = self._rows(session, rows[: q.page_size])
            matched = _matched(session, q, [item.file_id for item in items])
        items = [
            item.model_copy(update={"matched": matched.get(item.file_id, [])}) for item in items
        ]
        return SearchPage(items=items, page=q.page, page_size=q.page_size, has_more=more)

    def file_rows(self, file_ids: Sequence[str]) -> list[FileRow]:
        """Summaries of these files (unknown ids left out), in the given order."""
        with self._read() as session:
            query = select(ReceivedFile).options(defer(ReceivedFile.errors))
            rows = list(session.scalars(query.where(ReceivedFile.id.in_(file_ids))))
            rank = {file_id: n for n, file_id in enumerate(file_ids)}
            rows.sort(key=lambda row: rank[row.id])
            return self._rows(session, rows)

    @staticmethod
    def _rows(session: Any, rows: Sequence[ReceivedFile]) -> list[FileRow]:
        """Summaries of a page of files: four grouped queries, not four per file."""
        ids = [row.id for row in rows]
        if not ids:
            return []
        counts: dict[str, dict[str, int]] = defaultdict(dict)
        for file_id, state, n in session.execute(
            select(Event.file_id, Event.state, func.count())
            .where(Event.file_id.in_(ids))
            .group_by(Event.file_id, Event.state)
        ):
            counts[file_id][state] = n
        tracking = _first_values(session, ids, Event.tracking_number)
        orders = _first_values(session, ids, Event.purchase_order)
        controls: dict[str, list[str]] = defaultdict(list)
        codes = _file_error_codes(session, ids)
        for file_id, control in session.execute(
            select(Interchange.file_id, Interchange.control)
            .where(Interchange.file_id.in_(ids))
            .order_by(Interchange.id)
        ):
            controls[file_id].append(control)
        for file_id, errors in session.execute(
            select(Interchange.file_id, Transaction.errors)
            .join(Transaction)
            .where(Interchange.file_id.in_(ids), Transaction.accepted.is_(False))
        ):
            codes[file_id] = list(dict.fromkeys([*codes[file_id], *error_codes(errors)]))
        return [
            FileRow(
                file_id=row.id,
                partner_id=row.partner_id,
                name=row.name,
                transport=row.transport,
                state=row.state,
                state_reason=row.state_reason,
                received_at=row.received_at,
                syntax=row.syntax,
                accepted=row.accepted,
                replay_of=row.replay_of,
                error_codes=codes[row.id],
                events=counts.get(row.id, {}),
                tracking_numbers=tracking.get(row.id, []),
                purchase_orders=orders.get(row.id, []),
                controls=controls[row.id],
            )
            for row in rows
        ]

    def resolved_files(self, file_ids: Sequence[str]) -> set[str]:
        """Which of these files an operator marked resolved."""
        if not file_ids:
            return set()
        query = select(OpsAction.file_id).where(
            OpsAction.file_id.in_(file_ids), OpsAction.action == RESOLVE
        )
        with self._read() as session:
            return {file_id for file_id in session.scalars(query) if file_id}

    def problem_files(
        self, since: datetime, limit: int = 100
    ) -> tuple[list[ReceivedFile], list[ReceivedFile]]:
        """(rejected, quarantined) files received since `since` and not marked resolved,
        newest first: rejected = translated with errors (not accepted), any state but
        quarantined / duplicate."""
        resolved = select(OpsAction.file_id).where(
            OpsAction.action == RESOLVE, OpsAction.file_id.is_not(None)
        )
        base = select(ReceivedFile).where(
            ReceivedFile.received_at >= since, ReceivedFile.id.not_in(resolved)
        )
        newest = (ReceivedFile.received_at.desc(), ReceivedFile.id.desc())
        rejected = base.where(
            ReceivedFile.accepted.is_(False),
            ReceivedFile.state.not_in(("quarantined", "duplicate")),
        )
        quarantined = base.where(ReceivedFile.state == "quarantined")
        with self._read() as session:
            return (
                list(session.scalars(rejected.order_by(*newest).limit(limit))),
                list(session.scalars(quarantined.order_by(*newest).limit(limit))),
            )

    def events_needing_work(
        self, states: Sequence[str], limit: int = 200
    ) -> list[tuple[Event, ReceivedFile, ApiCall | None]]:
        """Events in any of `states` whose file is not marked resolved, newest first, with
        their file and the call that carried them."""
        resolved = select(OpsAction.file_id).where(
            OpsAction.action == RESOLVE, OpsAction.file_id.is_not(None)
        )
        query = (
            select(Event, ReceivedFile, ApiCall)
            .join(ReceivedFile)
            .outerjoin(ApiCall, Event.batch_id == ApiCall.id)
            .where(Event.state.in_(states), Event.file_id.not_in(resolved))
            .order_by(Event.updated_at.desc(), Event.id.desc())
            .limit(limit)
        )
        with self._read() as session:
            return [(e, f, c) for e, f, c in session.execute(query)]
