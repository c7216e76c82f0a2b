"""Where a field comes from, worded in the syntax of the input (data, one row per field).

A message about an X12 file names X12 segments and elements (`TD5-05`), one about an
EDIFACT file names EDIFACT ones (`TDT C228 8178`): a partner reads its own syntax only.
`missing_source` words where a missing value would have been read, per document type and
with the partner's qualifiers (FieldSources), e.g. `L11*PO in the LX loop or the header,
or B10-02` (214) or `RFF+ON C506 1154` (IFTSTA, DESADV).
"""

from __future__ import annotations

from gateway.origin import Syntax
from gateway.profile import FieldSources

__all__ = ["SOURCES", "missing_source", "source_name"]

# field -> (X12 wording, EDIFACT wording)
SOURCES: dict[str, tuple[str, str]] = {
    "ship_method": ("TD5-05", "TDT C228 8178"),
    "scac": ("TD5-03", "TDT C040 3127"),
    "container": ("MAN", "GIN"),
    "item_sequence": ("LIN-01", "LIN 1082"),
    "quantity": ("SN1-02", "QTY+12 C186 6060"),
}

# (transaction type, field) -> where the value is read; `{po}` / `{track}` are the
# partner's qualifiers joined with '/'
_MISSING: dict[tuple[str, str], str] = {
    ("214", "purchaseOrderNumber"): "L11*{po} in the LX loop or the header{b10_po}",
    ("214", "trackingNumber"): "L11*{track} in the LX loop{b10_track}",
    ("214", "status code"): "AT7-01",
    ("214", "statusDateTime"): "AT7-05/06",
    ("856", "purchaseOrderNumber"): "PRF-01 at the order level or above",
    ("856", "shippedDate"): "DTM*011 DTM-02/03, else BSN-03/04",
    ("856", "estimatedDelivery"): "DTM*017 DTM-02/03",
    ("856", "sellingParty"): "N1*SE N1-04",
    ("856", "shipFromParty"): "N1*SF N1-04",
    ("856", "item sequence"): "LIN-01",
    ("IFTSTA", "purchaseOrderNumber"): "RFF+{epo} C506 1154 in the CNI group or the message",
    ("IFTSTA", "trackingNumber"): "CNI C503 1004",
    ("IFTSTA", "status code"): "STS C555 4405",
    ("IFTSTA", "statusDateTime"): "DTM+334 C507 2380 in the STS group",
    ("DESADV", "purchaseOrderNumber"): "RFF+{epo} C506 1154",
    ("DESADV", "shippedDate"): "DTM+11 C507 2380, else DTM+137",
    ("DESADV", "estimatedDelivery"): "DTM+17 C507 2380",
    ("DESADV", "sellingParty"): "NAD+SU C082 3039",
    ("DESADV", "shipFromParty"): "NAD+SF C082 3039",
    ("DESADV", "item sequence"): "LIN 1082",
}


def source_name(field: str, syntax: Syntax) -> str:
    """The segment/element a field comes from in `syntax` (x12 or edifact)."""
    x12, edifact = SOURCES[field]
    return x12 if syntax == "x12" else edifact


def missing_source(field: str, transaction_type: str, sources: FieldSources) -> str | None:
    """Where `field` (the name a missing-field message uses: 'purchaseOrderNumber',
    'statusDateTime', ...) is read in a `transaction_type` document ('214', '856',
    'IFTSTA', 'DESADV'), worded in that document's syntax with the partner's qualifiers;
    None for a field/document pair not read from the file."""
    found = _MISSING.get((transaction_type, field))
    if found is None:
        return None
    return found.format(
        po="/".join(sources.po_reference_qualifiers) or "-",
        track="/".join(sources.tracking_reference_qualifiers) or "-",
        epo="/".join(sources.edifact_po_qualifiers) or "-",
        b10_po=", or B10-02" if sources.po_from_b10 else "",
        b10_track=", or B10-01" if sources.tracking_from_b10 else "",
    )
