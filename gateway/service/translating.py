"""Step 1 of a received file: translate it and record everything in one ledger transaction.

Interchanges whose sender ID is not the delivering partner's, or whose sender + control
number was processed before (not a replay), are rejected whole with the TA1 / CONTRL code
for it. Each item of each request becomes one ledger event (pending) carrying its origin and
lineage, so it can be submitted, advised and replayed on its own.
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections import defaultdict
from dataclasses import asdict
from typing import Any

from gateway.ack.context import AckContext
from gateway.envelope.outcome import InterchangeOutcome
from gateway.envelope.unb import UnbHeader
from gateway.envelope.x12_header import IsaHeader
from gateway.ledger.controls import ControlConflict, next_control
from gateway.ledger.records import FileRecord, NewEvent
from gateway.ledger.states import FileState
from gateway.ledger.translation import (
    NewAck,
    NewInterchange,
    NewTransaction,
    Recorded,
    record_translation,
)
from gateway.mapping.result import TranslatedRequest
from gateway.ops.hooks import after_translation
from gateway.parse.records import Syntax
from gateway.pipeline import InterchangeCheck, TranslationOutcome, translate_stream
from gateway.problems import Level, Problem, ProblemCode
from gateway.profile import PartnerProfile
from gateway.service.crash import crash_point
from gateway.service.runtime import Runtime
from gateway.submit.batching import ITEM_KEYS, item_keys

__all__ = ["translate_received"]

log = logging.getLogger("edigw.service")
_CONTROL_RETRIES = 5  # numbering the acks again when another ack took the numbers first


def _parties(header: IsaHeader | UnbHeader) -> tuple[Syntax, str, str]:
    """(syntax, sender, receiver) of an interchange header."""
    if isinstance(header, IsaHeader):
        return "x12", header.sender, header.receiver
    return "edifact", header.sender.strip(), header.recipient.strip()


def _check(
    rt: Runtime, record: FileRecord, profile: PartnerProfile, duplicates: dict[tuple[str, str], int]
) -> InterchangeCheck:
    """The envelope check; each duplicate's original interchange id goes into `duplicates`."""

    def check(outcome: InterchangeOutcome[Any]) -> list[Problem]:
        if outcome.header is None:
            return []
        syntax, sender, _ = _parties(outcome.header)
        control = (outcome.control or "").strip()
        if not profile.owns_sender(syntax, sender):
            return [Problem(code=ProblemCode.UNKNOWN_SENDER, level=Level.INTERCHANGE,
                            message=f"interchange sender {sender!r} is not partner "
                            f"{profile.id}'s (its sender IDs are not this one)",
                            interchange=control, segment="ISA" if syntax == "x12" else "UNB",
                            element=6 if syntax == "x12" else 2, value=sender)]  # fmt: skip
        if record.replay_of is None:
            original = rt.ledger.find_processed_interchange(
                record.partner_id, sender, control, excluding_file=record.id
            )
            if original is not None:
                duplicates[sender, control] = original
                return [Problem(code=ProblemCode.DUPLICATE_INTERCHANGE, level=Level.INTERCHANGE,
                                message=f"interchange {control} from {sender} was already "
                                "processed: not submitted again (an operator may replay it)",
                                interchange=control,
                                segment="ISA" if syntax == "x12" else "UNB",
                                element=13 if syntax == "x12" else 5, value=control)]  # fmt: skip
        return []

    return check


def _events(
    requests: list[TranslatedRequest], seller: str
) -> dict[tuple[str | None, str | None, str], list[NewEvent]]:
    """Events per (interchange control, group control, transaction control)."""
    out: dict[tuple[str | None, str | None, str], list[NewEvent]] = defaultdict(list)
    for request in requests:
        origin = request.origin
        body = request.body_json()
        items = body[ITEM_KEYS[request.operation]]
        assert isinstance(items, list)
        for index, item in enumerate(items):
            po, tracking, _ = item_keys(request.operation, item)
            prefix = f"/{ITEM_KEYS[request.operation]}/{index}/"
            lineage = [e.to_report() | {"path": "/" + e.path[len(prefix):]}
                       for e in request.lineage if e.path.startswith(prefix)]  # fmt: skip
            key = (origin.interchange_control, origin.group_control, origin.transaction_control)
            out[key].append(NewEvent(
                operation=request.operation, seller=seller, payload=item,
                purchase_order=po, tracking_number=tracking[0] if tracking else None,
                lineage={"origin": asdict(origin), "values": lineage},
            ))  # fmt: skip
    return out


def _interchanges(
    outcome: TranslationOutcome,
    events: dict[tuple[str | None, str | None, str], list[NewEvent]],
    duplicates: dict[tuple[str, str], int],
) -> list[NewInterchange]:
    out: list[NewInterchange] = []
    for ic in outcome.interchanges:
        if ic.header is None:
            continue
        syntax, sender, receiver = _parties(ic.header)
        control = (ic.control or "").strip()
        duplicate_of = None
        if any(p.code is ProblemCode.DUPLICATE_INTERCHANGE for p in ic.problems):
            duplicate_of = duplicates.get((sender, control))
        transactions = tuple(
            NewTransaction(control=st.control, type_code=st.type_code,
                           accepted=st.accepted and ic.accepted, group_control=group.control,
                           errors=tuple(p.to_report() for p in st.problems + st.mapping_problems),
                           events=tuple(events.get((ic.control, group.control, st.control), ())))
            for group in ic.groups for st in group.sets
        )  # fmt: skip
        out.append(NewInterchange(
            syntax=syntax, sender=sender, receiver=receiver, control=control,
            test=ic.header.test, accepted=ic.accepted, transactions=transactions,
            duplicate_of=duplicate_of,
        ))  # fmt: skip
    return out


def translate_received(rt: Runtime, record: FileRecord) -> tuple[TranslationOutcome, Recorded]:
    """Translate a `received` file and record the result (runs in a worker thread); again
    when another ack of the partner took the control numbers first (ControlConflict)."""
    for _ in range(_CONTROL_RETRIES):
        with contextlib.suppress(ControlConflict):
            return _translate_once(rt, record)
    return _translate_once(rt, record)


def _translate_once(rt: Runtime, record: FileRecord) -> tuple[TranslationOutcome, Recorded]:
    profile = rt.partner(record.partner_id)
    data = rt.store.read(record.id)
    first = next_control(rt.ledger, record.partner_id)
    context = AckContext(next_control=first, references_per_interchange=True)
    requests: list[TranslatedRequest] = []
    duplicates: dict[tuple[str, str], int] = {}
    outcome = translate_stream(io.BytesIO(data), profile, rt.tables, context, requests.append,
                               _check(rt, record, profile, duplicates))  # fmt: skip
    seller = rt.seller_of(profile) or "none"
    interchanges = _interchanges(outcome, _events(requests, seller), duplicates)
    if outcome.syntax is None or not outcome.interchanges:
        state, reason = FileState.QUARANTINED, "; ".join(p.message for p in outcome.problems[:3])
    elif interchanges and all(i.duplicate_of is not None for i in interchanges):
        state, reason = FileState.DUPLICATE, "every interchange was processed before"
    else:
        state, reason = FileState.TRANSLATED, None
    acks = [NewAck(a.type, a.content, a.acknowledges) for a in outcome.acknowledgements]
    recorded = record_translation(
        rt.ledger, record.id, state=state, syntax=outcome.syntax, accepted=outcome.accepted,
        errors=[p.to_report() for p in outcome.problems], interchanges=interchanges,
        acks=acks, reason=reason, controls=(first, context.next_control - first),
    )  # fmt: skip
    crash_point("translated:recorded")
    rt.metrics.outcomes.labels(record.partner_id, state.value).inc()
    log.info("file translated", extra={"file_id": record.id, "state": state.value,
                                       "accepted": outcome.accepted,
                                       "interchanges": [i.control for i in interchanges],
                                       "events": len(recorded.events)})  # fmt: skip
    after_translation(log, rt.ledger, record.id, record.partner_id, data, outcome)  # ops
    return outcome, recorded
