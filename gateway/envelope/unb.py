"""The EDIFACT interchange header (UNA service string advice + UNB), shared by the EDIFACT
envelope reader and the CONTRL builder."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.envelope.x12_syntax import usable_delimiter

__all__ = ["DEFAULT_DELIMITERS", "EdifactDelimiters", "UnbHeader", "usable"]


@dataclass(frozen=True, slots=True)
class EdifactDelimiters:
    """UNA characters 1-6 (or the defaults when there is no UNA)."""

    component: str = ":"
    element: str = "+"
    decimal: str = "."
    release: str | None = "?"  # None: UNA declared a space (no release character)
    repetition: str = "*"  # UNA4: reserved in syntax 3 (space), repetition in syntax 4
    segment: str = "'"
    suffix: str = ""  # what followed the UNB's terminator in the file (e.g. "\\r\\n")


DEFAULT_DELIMITERS = EdifactDelimiters()


# delimiters (by identity: the reader shares one object per UNA) -> (them, `usable`)
_USABLE: dict[int, tuple[EdifactDelimiters, bool]] = {}


def usable(d: EdifactDelimiters) -> bool:
    """Whether an interchange can be read and answered with these delimiters: component,
    element, release and repetition no letter, digit or blank, the terminator also CR or LF,
    the decimal mark (UNA3) likewise no letter, digit or blank; the five delimiters distinct
    (a blank release or repetition declares none). The decimal mark is data, not a
    delimiter: it may equal one (a value holding it is then released)."""
    hit = _USABLE.get(id(d))
    if hit is not None and hit[0] is d:
        return hit[1]
    made = _usable(d)
    if len(_USABLE) >= 256:
        _USABLE.clear()
    _USABLE[id(d)] = (d, made)
    return made


def _usable(d: EdifactDelimiters) -> bool:
    chars = [d.component, d.element, d.segment]
    chars += [c for c in (d.release, d.repetition) if c and c != " "]
    return (
        usable_delimiter(d.component)
        and usable_delimiter(d.element)
        and usable_delimiter(d.segment, terminator=True)
        and (d.release is None or usable_delimiter(d.release))
        and usable_delimiter(d.decimal)
        and len(set(chars)) == len(chars)
        and (d.repetition == " " or usable_delimiter(d.repetition))
    )


@dataclass(frozen=True, slots=True)
class UnbHeader:
    """UNB interchange header, elements as read (blank strings where absent)."""

    syntax_id: str  # S001 0001: UNOA, UNOB, UNOC, UNOW, UNOY, ...
    syntax_version: str  # S001 0002: "1".."4"
    sender: str  # S002 0004
    sender_qualifier: str  # S002 0007
    recipient: str  # S003 0010
    recipient_qualifier: str  # S003 0007
    date: str  # S004 0017 (YYMMDD or CCYYMMDD)
    time: str  # S004 0019 (HHMM)
    control: str  # 0020 interchange control reference
    application: str  # 0026 application reference
    ack_requested: bool  # 0031 == "1"
    test: bool  # 0035 == "1"
    delimiters: EdifactDelimiters
    una: bool  # the interchange began with a UNA service string advice
    charset: str  # Python codec the syntax identifier decided ("ascii", "latin-1", "utf-8")
