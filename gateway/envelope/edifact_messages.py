"""Which parser reads which EDIFACT message type (UNH S009 0065).

IFTSTA -> StatusDocument, DESADV -> ShipNoticeDocument. CONTRL is an inbound syntax
acknowledgement: recorded, never translated and never acknowledged back. APERAK (an
application advice) and every other type are not translated (SetOutcome.supported=False).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from gateway.envelope.outcome import SetOutcome
from gateway.envelope.unb import UnbHeader
from gateway.origin import Origin
from gateway.parse.edifact_common import EdiSegment
from gateway.parse.edifact_desadv import parse_desadv
from gateway.parse.edifact_iftsta import parse_iftsta
from gateway.parse.records import Document
from gateway.problems import Problem
from gateway.profile import PartnerProfile

__all__ = [
    "ACK_MESSAGES",
    "TRANSLATED_MESSAGES",
    "delimiter_chars",
    "message_origin",
    "message_version",
    "parse_message",
]

TRANSLATED_MESSAGES = frozenset({"IFTSTA", "DESADV"})
ACK_MESSAGES = frozenset({"CONTRL"})


def message_version(unh: EdiSegment) -> str:
    """'D:96A' from S009 0052:0054 (a non-standard UN version such as '0' reads as D)."""
    return s009_version(unh.get(2, 2), unh.get(2, 3), unh.get(2, 4))


def s009_version(version: str, release: str, agency: str) -> str:
    """'D:96A' from UNH S009's 0052, 0054 and 0051 (`message_version`)."""
    if agency == "UN" and version not in ("D", "S"):
        version = "D"
    return f"{version}:{release}"


def parse_message(
    type_code: str,
    segments: Sequence[EdiSegment],
    profile: PartnerProfile,
    checked: bool = False,
    skip: Collection[tuple[int | None, int | None]] = (),
) -> tuple[Document | None, list[Problem]]:
    """(document, validation problems) of one message UNH..UNT; None for other types.
    `checked`: every body segment is known to be `edifact_checks.segment_clean` (the
    reader checked each as it split it), which spares the IFTSTA parser looking again;
    `skip`: (position, element) places of the reader's repetition faults (one fault is
    enough: the parse says nothing more there)."""
    tolerant = profile.structure == "tolerant"
    if type_code == "IFTSTA":
        return parse_iftsta(segments, profile.field_sources, tolerant, checked, skip)
    if type_code == "DESADV":
        return parse_desadv(segments, profile.field_sources, tolerant, skip)
    return None, []


def message_origin(
    header: UnbHeader, group_control: str | None, outcome: SetOutcome, unh: EdiSegment
) -> Origin:
    """Where a message came from: UNB parties, control references, type and version."""
    return Origin(
        syntax="edifact",
        sender=header.sender,
        receiver=header.recipient,
        interchange_control=header.control,
        group_control=group_control,
        transaction_control=outcome.control,
        transaction_type=outcome.type_code,
        version=message_version(unh),
        test=header.test,
        delimiters=delimiter_chars(header),
    )


def delimiter_chars(header: UnbHeader) -> str:
    """The characters of an EDIFACT interchange that no data value may hold, even released:
    component, element, release, terminator, and the repetition separator in syntax 4 (in
    syntax 3, UNA4 is reserved). The decimal mark is data."""
    d = header.delimiters
    repetition = d.repetition if header.syntax_version >= "4" and d.repetition != " " else ""
    return d.component + d.element + (d.release or "") + d.segment + repetition
