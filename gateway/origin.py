"""Where a translated record came from: the syntax and the envelope (parties, control
numbers, version, test flag, delimiters). Plain data shared by every stage from parsing to
the ledger, so it stands beside the stages like `problems` and `spapi`."""

from __future__ import annotations

from typing import Literal, NamedTuple

__all__ = ["Origin", "Syntax"]

Syntax = Literal["x12", "edifact"]


class Origin(NamedTuple):
    """The envelope a record came from (control numbers, parties, test flag). A named tuple:
    one is made per transaction set, and a frozen dataclass took ~10x as long to make (its
    __init__ sets each field through object.__setattr__; mypyc does not compile it)."""

    syntax: Syntax
    sender: str
    receiver: str
    interchange_control: str
    group_control: str | None
    transaction_control: str
    transaction_type: str  # "214", "856", "IFTSTA", "DESADV"
    version: str  # GS08 / UNH S009 version+release, e.g. "004010", "D:96A"
    test: bool
    # The interchange's delimiters (X12 element/component/repetition/terminator; EDIFACT
    # component/element/release/repetition in syntax 4/terminator): no body value may hold
    # one, even released. Not part of the record's identity.
    delimiters: str = ""

    def __eq__(self, other: object) -> bool:
        """Equal when all but the delimiters are (they are not part of the identity)."""
        return isinstance(other, Origin) and self[:9] == other[:9]

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self[:9])
