"""What the ops side does when a file has been translated: a file with errors logs a warning
with its error codes and positions, and the values of its sets with errors (refused sets make
no events, sets with mapping errors lack some) are kept so ops can find the file by
tracking number, PO or reference."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from sqlalchemy import Text, cast, select

from gateway.ledger.records import KEY_WIDTH
from gateway.ledger.store import Ledger
from gateway.ledger.tables import Interchange, OpsSearchTerm, Transaction
from gateway.ops.raw import RawSegment, control_key, iter_segments
from gateway.ops.rejections import log_rejections
from gateway.pipeline import TranslationOutcome

__all__ = ["after_translation", "rejected_set_terms"]

_ENVELOPE = frozenset({"ISA", "IEA", "GS", "GE", "ST", "SE", "UNA", "UNB", "UNZ", "UNG", "UNE",
                       "UNH", "UNT", "DTM", "G62"})  # fmt: skip
# a term fits its column (ops_search_terms.value)
_TERM = re.compile(rf"^[A-Za-z0-9][A-Za-z0-9._/-]{{2,{KEY_WIDTH - 1}}}$")
_MAX_TERMS = 500  # per file
_INDEX_BYTES = 16 << 20  # of a refused file read for its sets' search terms
_REJECTED_SETS = 20_000  # the first ones in file order: their terms are read, not all sets'


def rejected_set_terms(
    segments: Iterable[RawSegment], rejected: Iterable[tuple[str, str]]
) -> list[str]:
    """Distinct element and component values (3..64 identifier characters, not only digits
    shorter than 5) of the sets named (interchange control, set control) in `rejected`, at
    most `_MAX_TERMS`; control numbers compare with or without leading zeros. One set
    lookup per segment, whatever the number of rejected sets."""
    wanted = {(control_key(ic), control_key(st)) for ic, st in rejected}
    terms: dict[str, None] = {}
    for segment in segments:
        if segment.tag in _ENVELOPE or segment.transaction is None:
            continue
        if (control_key(segment.interchange), control_key(segment.transaction)) not in wanted:
            continue
        for element in segment.elements:
            for value in re.split(r"[:>^]", element):
                value = value.strip()
                if _TERM.match(value) and not (value.isdigit() and len(value) < 5):
                    terms[value] = None
        if len(terms) >= _MAX_TERMS:
            break
    return list(terms)[:_MAX_TERMS]


def _chunks(stored: Path, limit: int) -> Iterator[bytes]:
    with stored.open("rb") as stream:
        while limit > 0 and (chunk := stream.read(min(1 << 20, limit))):
            limit -= len(chunk)
            yield chunk


def _index_rejected_sets(ledger: Ledger, file_id: str, stored: Path) -> int:
    """Sets refused (syntax) or with mapping errors: their items may be missing."""
    query = (  # refused, or with errors (an empty list is stored as the JSON text "[]")
        select(Interchange.control, Transaction.control)
        .join(Transaction)
        .where(Interchange.file_id == file_id)
        .where(Transaction.accepted.is_(False) | (cast(Transaction.errors, Text) != "[]"))
        .order_by(Transaction.id)
        .limit(_REJECTED_SETS)
    )
    with ledger._read() as session:
        rejected = [(ic, st) for ic, st in session.execute(query)]
    if not rejected:
        return 0
    terms = rejected_set_terms(iter_segments(_chunks(stored, _INDEX_BYTES)), rejected)
    with ledger._tx() as session:
        session.add_all(OpsSearchTerm(file_id=file_id, value=term) for term in terms)
    return len(terms)


def after_translation(log: logging.Logger, ledger: Ledger, file_id: str, partner_id: str,
                      stored: Path, outcome: TranslationOutcome) -> None:  # fmt: skip
    """Called once a translation is recorded (a translation worker). The search terms of
    refused sets are read from the first `_INDEX_BYTES` of the stored file (memory stays
    bounded; sets beyond that are found by their control numbers, not their values)."""
    log_rejections(log, file_id, partner_id, outcome.accepted, outcome.problems)
    if not outcome.accepted:
        _index_rejected_sets(ledger, file_id, stored)
