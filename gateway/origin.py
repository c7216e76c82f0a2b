"""Where a translated record came from: the syntax and the envelope (parties, control
numbers, version, test flag, delimiters). Plain data shared by every stage from parsing to
the ledger, so it stands beside the stages like `problems` and `spapi`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Origin", "Syntax"]

Syntax = Literal["x12", "edifact"]


@dataclass(frozen=True, slots=True)
class Origin:
    """The envelope a record came from (control numbers, parties, test flag)."""

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
    delimiters: str = field(default="", compare=False)
