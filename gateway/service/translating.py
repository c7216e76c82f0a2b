"""Step 1 of a received file: translate it from its stored copy and record everything,
interchange by interchange and events in batches (see ledger.streaming for why that is
still all-or-nothing for the file).

Interchanges whose sender ID is not the delivering partner's, or whose sender + control
number was processed before (not a replay), are rejected whole with the TA1 / CONTRL code
for it. Each item of each request becomes one ledger event (pending) carrying its origin and
lineage, so it can be submitted, advised and replayed on its own.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from gateway.ack.context import AckContext
from gateway.ack.model import Acknowledgement
from gateway.ack.renumber import shift_interchange_control
from gateway.envelope.edifact_messages import s009_version
from gateway.envelope.outcome import InterchangeOutcome, has_error
from gateway.envelope.unb import UnbHeader
from gateway.envelope.x12_header import IsaHeader
from gateway.ledger.controls import ControlConflict, next_control
from gateway.ledger.records import (
    CODE_WIDTH,
    CONTROL_WIDTH,
    PARTY_WIDTH,
    VERSION_WIDTH,
    FileRecord,
    NewEvent,
    column_text,
)
from gateway.ledger.states import FileState
from gateway.ledger.streaming import SetIds, TranslationWriter
from gateway.ledger.translation import NewAck, NewInterchange, NewTransaction
from gateway.mapping.result import TranslatedRequest
from gateway.ops.hooks import after_translation
from gateway.origin import Syntax
from gateway.pipeline import InterchangeCheck, translate_stream
from gateway.problems import Level, Problem, ProblemCode
from gateway.profile import PartnerProfile
from gateway.service.runtime import Runtime
from gateway.submit.batching import item_keys

__all__ = ["TranslationSummary", "translate_received"]

log = logging.getLogger("edigw.service")
_CONTROL_RETRIES = 5  # numbering the acks again when another ack took the numbers first


def _parties(header: IsaHeader | UnbHeader) -> tuple[Syntax, str, str]:
    """(syntax, sender, receiver) of an interchange header, as recorded (`column_text`)."""
    if isinstance(header, IsaHeader):
        sender, receiver = header.sender, header.receiver
    else:
        sender, receiver = header.sender.strip(), header.recipient.strip()
    syntax: Syntax = "x12" if isinstance(header, IsaHeader) else "edifact"
    return syntax, column_text(sender, PARTY_WIDTH), column_text(receiver, PARTY_WIDTH)


def _control(text: str | None) -> str:
    """A control number as recorded (`column_text`)."""
    return column_text((text or "").strip(), CONTROL_WIDTH)


def _check(
    writer: TranslationWriter,
    profile: PartnerProfile,
    duplicates: dict[tuple[str, str], int],
) -> InterchangeCheck:
    """The envelope check; each duplicate's original interchange id goes into `duplicates`.
    An interchange of the partner's is claimed (`TranslationWriter.claim`: the duplicate
    look and its row in one step, so two copies translated at once are never both new); the
    second copy of an interchange in one file is a duplicate too, in a replay as well."""

    def check(outcome: InterchangeOutcome[Any]) -> list[Problem]:
        if outcome.header is None:
            return []
        syntax, sender, _ = _parties(outcome.header)
        control = _control(outcome.control)
        if not profile.owns_sender(syntax, sender):
            return [Problem(code=ProblemCode.UNKNOWN_SENDER, level=Level.INTERCHANGE,
                            message=f"interchange sender {sender!r} is not partner "
                            f"{profile.id}'s (its sender IDs are not this one)",
                            interchange=control, segment="ISA" if syntax == "x12" else "UNB",
                            element=6 if syntax == "x12" else 2, value=sender)]  # fmt: skip
        original = writer.claim(sender=sender, control=control)
        if original is None:
            return []
        duplicates[sender, control] = original
        where = (
            "came earlier in this file: processed once"
            if writer.repeated
            else "was already processed: not submitted again (an operator may replay it)"
        )
        return [Problem(code=ProblemCode.DUPLICATE_INTERCHANGE, level=Level.INTERCHANGE,
                        message=f"interchange {control} from {sender} {where}",
                        interchange=control, segment="ISA" if syntax == "x12" else "UNB",
                        element=13 if syntax == "x12" else 5, value=control)]  # fmt: skip

    return check


def _events(request: TranslatedRequest, seller: str) -> list[NewEvent]:
    """A request's events, one per item; each item's lineage comes from its own trail
    (paths relative to the item)."""
    where = request.origin._asdict()
    events = []
    for index, item in enumerate(request.items()):
        po, tracking, _ = item_keys(request.operation, item)
        events.append(NewEvent(
            operation=request.operation, seller=seller, payload=item,
            purchase_order=po, tracking_number=tracking[0] if tracking else None,
            lineage={"origin": dict(where), "values": request.item_lineage(index)},
        ))  # fmt: skip
    return events


def _transactions(ic: InterchangeOutcome[Any], accepted: bool) -> Iterator[NewTransaction]:
    """The interchange's sets as recorded, one at a time (read back from the envelope's
    spool: never all of them in memory)."""
    for group in ic.groups:
        for st in group.sets:
            errors = tuple(p.to_report() for p in st.problems + st.mapping_problems)
            group_control = group.control and column_text(group.control, CONTROL_WIDTH)
            version = _version(ic.header, group.version, st.version)
            yield NewTransaction(control=column_text(st.control, CONTROL_WIDTH),
                                 type_code=column_text(st.type_code, CODE_WIDTH),
                                 accepted=st.accepted and accepted, group_control=group_control,
                                 errors=errors, version=version)  # fmt: skip


def _version(header: IsaHeader | UnbHeader | None, group: str | None,
             message: str | None) -> str | None:  # fmt: skip
    """A set's version as its events' origins name it (`envelope.x12` / `message_origin`):
    X12 GS08, else ISA12; EDIFACT UNH S009 version:release (`read_unh` joined the parts)."""
    if isinstance(header, IsaHeader):
        found = group or header.version
    elif message:
        version, release, agency, *_ = [*message.split(":"), "", "", ""]
        found = s009_version(version, release, agency)
    else:
        return None
    return column_text(found, VERSION_WIDTH) if found else None


def _interchange(
    ic: InterchangeOutcome[Any], problems: list[Problem], duplicates: dict[tuple[str, str], int]
) -> NewInterchange | None:
    """An interchange as recorded (its sets as a generator, its events follow separately);
    `problems`: what the envelope check adds to it."""
    if ic.header is None:
        return None
    syntax, sender, receiver = _parties(ic.header)
    control = _control(ic.control)
    duplicate_of = None
    if any(p.code is ProblemCode.DUPLICATE_INTERCHANGE for p in [*ic.problems, *problems]):
        duplicate_of = duplicates.get((sender, control))
    accepted = ic.accepted and not has_error(problems)
    return NewInterchange(syntax=syntax, sender=sender, receiver=receiver, control=control,
                          test=ic.header.test, accepted=accepted,
                          transactions=_transactions(ic, accepted),
                          duplicate_of=duplicate_of)  # fmt: skip


def _acks(acks: Iterable[Acknowledgement], shift: int) -> Iterator[NewAck]:
    """The acks to record, one at a time (a mailbag's wait in a file: `AckSpool`), their
    interchange control numbers moved by `shift` when the partner's counter moved on."""
    for a in acks:
        acknowledges = a.acknowledges and column_text(a.acknowledges, CONTROL_WIDTH)
        yield NewAck(a.type, shift_interchange_control(a.content, shift), acknowledges)


@dataclass(frozen=True)
class TranslationSummary:
    """What a translation recorded (small: it crosses from a worker process)."""

    state: FileState
    requests: int
    events: int


class _Recorder:
    """The pipeline's check and emit, writing to the ledger as the file is read: each
    interchange when its trailer was checked, its events in batches right after."""

    def __init__(self, rt: Runtime, record: FileRecord, profile: PartnerProfile) -> None:
        self.writer = TranslationWriter(rt.ledger, record.id)
        self.writer.clear()
        self.duplicates: dict[tuple[str, str], int] = {}
        self._check = _check(self.writer, profile, self.duplicates)
        self.seller = rt.seller_of(profile) or "none"
        self.checked = 0  # interchanges with a header: the pipeline checks each
        self.duplicated = 0  # of them, those processed before (DUPLICATE_INTERCHANGE)
        self._sets: SetIds | None = None  # of the current interchange

    def check(self, outcome: InterchangeOutcome[Any]) -> list[Problem]:
        with self.writer.claiming():  # the claim and the interchange's row: one transaction
            problems = self._check(outcome)
            self.record(outcome, problems)
        self.duplicated += any(p.code is ProblemCode.DUPLICATE_INTERCHANGE for p in problems)
        return problems

    def record(self, outcome: InterchangeOutcome[Any], problems: list[Problem]) -> None:
        new = _interchange(outcome, problems, self.duplicates)
        if new is None:  # no readable header: nothing to record it by
            return
        self.checked += 1
        self._sets = self.writer.interchange(new)

    def emit(self, request: TranslatedRequest) -> None:
        """A request of the interchange recorded last (they come in file order, after its
        trailer was checked): its events go to the set they came from."""
        origin = request.origin
        sets = self._sets
        set_id = sets.find(origin.group_control, origin.transaction_control) if sets else None
        self.writer.add_events(set_id, _events(request, self.seller))


def translate_received(rt: Runtime, record: FileRecord) -> TranslationSummary:
    """Translate a `received` (or `failed`) file from its stored copy and record the result
    (blocking: runs in a translation worker process, or a thread). Memory stays flat: the
    file is read as a stream and its events are recorded in batches (ledger.streaming)."""
    profile = rt.partner(record.partner_id)
    recorder = _Recorder(rt, record, profile)
    first = next_control(rt.ledger, record.partner_id)
    context = AckContext(next_control=first, references_per_interchange=True)
    with rt.store.path(record.id).open("rb") as stream:
        outcome = translate_stream(stream, profile, rt.tables, context, recorder.emit,
                                   recorder.check)  # fmt: skip
    if outcome.syntax is None or not outcome.interchange_count:
        state, reason = FileState.QUARANTINED, "; ".join(p.message for p in outcome.problems[:3])
    elif recorder.duplicated and recorder.duplicated == recorder.checked:
        state, reason = FileState.DUPLICATE, "every interchange was processed before"
    else:
        state, reason = FileState.TRANSLATED, None
    used, shift = context.next_control - first, 0
    for attempt in range(_CONTROL_RETRIES):
        try:
            recorder.writer.finish(state=state, syntax=outcome.syntax, accepted=outcome.accepted,
                                   errors=[p.to_report() for p in outcome.problems],
                                   unlisted=outcome.unlisted,
                                   acks=_acks(outcome.acknowledgements, shift), reason=reason,
                                   controls=(first + shift, used))  # fmt: skip
            break
        except ControlConflict:  # another ack of the partner took the numbers: number again
            if attempt == _CONTROL_RETRIES - 1:
                raise
            shift = next_control(rt.ledger, record.partner_id) - first
    log.info("file translated", extra={"file_id": record.id, "state": state.value,
                                       "accepted": outcome.accepted,
                                       "interchanges": outcome.interchange_count,
                                       "events": recorder.writer.events})  # fmt: skip
    after_translation(
        log, rt.ledger, record.id, record.partner_id, rt.store.path(record.id), outcome
    )  # ops: warnings, search terms
    return TranslationSummary(state, outcome.requests, recorder.writer.events)
