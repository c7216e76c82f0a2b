"""The emulator's transactions are bounded (`EmulatorConfig.transactions_kept`,
`errors_kept`): a long-running demo, whose every refused status update adds an error to its
transaction, grew ~10 MB a 10 MB file. The oldest are forgotten first, and their status is
then unknown (getTransactionStatus: 404), as for an id never issued."""

from __future__ import annotations

from typing import Any

from gateway.emulator import EmulatorConfig
from gateway.emulator.state import EmulatorState


def _updates(*pos: str) -> dict[str, Any]:
    """A status-update body for purchase orders never confirmed (each update an error)."""
    return {"shipmentStatusUpdates": [
        {"purchaseOrderNumber": po, "sellingParty": {"partyId": "999US"},
         "shipFromParty": {"partyId": "ABCD"},
         "statusUpdateDetails": {"trackingNumber": f"1Z{po}", "statusCode": "DELIVERED",
                                 "reasonCode": "NS", "statusDateTime": "2026-11-24T10:00:00Z",
                                 "statusLocationAddress": {"name": "N", "addressLine1": "A",
                                                           "countryCode": "US"}}}
        for po in pos]}  # fmt: skip


def test_the_oldest_transactions_go_past_the_count_kept() -> None:
    state = EmulatorState(EmulatorConfig(settle_after=0, transactions_kept=3))
    ids = [state.submit("submitShipmentStatusUpdates", _updates(f"PO{n}")) for n in range(5)]
    assert [state.transaction_status(i) is None for i in ids] == [True, True, False, False, False]
    status = state.transaction_status(ids[-1])
    assert status is not None and status["status"] == "Failure"  # its error kept
    assert "PO4" in status["errors"][0]["message"]


def test_the_oldest_transactions_go_past_the_errors_kept() -> None:
    state = EmulatorState(EmulatorConfig(settle_after=0, errors_kept=5))
    first = state.submit("submitShipmentStatusUpdates", _updates("A1", "A2", "A3"))
    second = state.submit("submitShipmentStatusUpdates", _updates("B1", "B2"))
    assert state.transaction_status(first) is not None  # 5 errors: within the bound
    third = state.submit("submitShipmentStatusUpdates", _updates("C1"))
    assert state.transaction_status(first) is None  # 6: the oldest forgotten
    assert state.transaction_status(second) is not None
    assert state.transaction_status(third) is not None
    big = state.submit("submitShipmentStatusUpdates", _updates(*(f"D{n}" for n in range(9))))
    assert state.transaction_status(big) is not None  # the newest is kept, however big
    assert state.transaction_status(second) is None and state.transaction_status(third) is None


def test_a_restored_state_keeps_the_bounds() -> None:
    old = EmulatorState(EmulatorConfig(settle_after=0))
    ids = [old.submit("submitShipmentStatusUpdates", _updates(f"PO{n}")) for n in range(6)]
    new = EmulatorState(EmulatorConfig(settle_after=0, transactions_kept=2))
    new.restore(old.snapshot())
    assert [new.transaction_status(i) is not None for i in ids] == [False] * 4 + [True] * 2
