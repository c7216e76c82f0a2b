"""Our own identifiers in acks: the inbound interchange's recipient, else the profile's.

An ack's sender (ISA06 / UNB S002) is the inbound interchange's recipient (ISA08 / UNB
S003): the partner addressed us that way. When that element cannot be read (blank, too
long, holding a delimiter or a control character, or lost behind unusable delimiters such
as a UNA whose segment terminator is `+`), the ack names us by the partner profile's
`ack.own_id` / `ack.own_qualifier` instead of the standard's placeholder `0`; the UCI's
S003 (the interchange's recipient, ISO 9735 CONTRL) then names the same party.
"""

from __future__ import annotations

from dataclasses import replace

from gateway.ack.x12_envelope import ack_delimiters, fit
from gateway.envelope.unb import UnbHeader
from gateway.envelope.x12_header import IsaHeader
from gateway.profile import AckPreferences
from gateway.text import suspect_pattern

__all__ = ["edifact_own_id", "x12_own_id"]

_CONTROL = suspect_pattern()  # CONTROL_CHARACTERS


def x12_own_id(header: IsaHeader, prefs: AckPreferences) -> IsaHeader:
    """`header` with ISA07 / ISA08 set to the profile's own id when ISA08 cannot be copied
    into the ack's ISA06 (ID 15) and the own id can (1..15 characters, no delimiter)."""
    d = ack_delimiters(header)
    if fit(header.receiver, d, 1, 15) or not fit(prefs.own_id, d, 1, 15):
        return header
    elements = list(header.elements) + [""] * max(0, 9 - len(header.elements))
    elements[7], elements[8] = prefs.own_qualifier[:2] or "ZZ", prefs.own_id
    return replace(header, elements=tuple(elements))


def edifact_own_id(header: UnbHeader, prefs: AckPreferences) -> UnbHeader:
    """`header` with S003 set to the profile's own id when the UNB's recipient (0010,
    an..35) cannot be read."""
    recipient = header.recipient.strip()
    readable = 0 < len(recipient) <= 35 and not _CONTROL.search(recipient)
    if readable or not prefs.own_id.strip():
        return header
    return replace(header, recipient=prefs.own_id.strip(), recipient_qualifier=prefs.own_qualifier)
