"""Where a field comes from, worded in the syntax of the input (data, one row per field).

A message about an X12 file names X12 segments and elements (`TD5-05`), one about an
EDIFACT file names EDIFACT ones (`TDT C228 8178`): a partner reads its own syntax only.
"""

from __future__ import annotations

from gateway.parse.records import Syntax

__all__ = ["SOURCES", "source_name"]

# field -> (X12 wording, EDIFACT wording)
SOURCES: dict[str, tuple[str, str]] = {
    "ship_method": ("TD5-05", "TDT C228 8178"),
    "scac": ("TD5-03", "TDT C040 3127"),
    "container": ("MAN", "GIN"),
    "item_sequence": ("LIN-01", "LIN 1082"),
    "quantity": ("SN1-02", "QTY+12 C186 6060"),
}


def source_name(field: str, syntax: Syntax) -> str:
    """The segment/element a field comes from in `syntax` (x12 or edifact)."""
    x12, edifact = SOURCES[field]
    return x12 if syntax == "x12" else edifact
