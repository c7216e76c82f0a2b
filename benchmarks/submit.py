"""Benchmark: push 20,000 status events through the SP-API client into the emulator.

The emulator runs as its own process on loopback with Amazon's usage plan for DF Shipping
(10 requests/s, burst 10). The 200 confirmations those events need are sent first (not
timed); then the status events go out in batches (`--batch`, default 100 per call).
Prints events/s, calls/s, 429s received, and the ratio of achieved to allowed call rate,
where the allowed rate over T seconds is (burst + rate * T) / T.

Then (the emulator settles like production: `--settle never`) the transactions are followed
for `--window` seconds as the seller's deadline: polls back off (first after 10 s, x1.5
each), and every transaction ends AssumedSuccess at the deadline; prints the polls made
and their share of getTransactionStatus's allowed rate (10/s, burst 10).

    .venv/bin/python benchmarks/submit.py [--events 20000] [--batch 100] [--rate 10 --burst 10]
                                          [--window 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime

from pydantic import SecretStr

from gateway.mapping.payloads import (
    Address,
    Container,
    Item,
    ItemQuantity,
    PackedItem,
    PartyIdentification,
    ShipmentConfirmation,
    ShipmentDetails,
    ShipmentStatusUpdate,
    StatusUpdateDetails,
    SubmitShipmentConfirmationsRequest,
    SubmitShipmentStatusUpdatesRequest,
    Weight,
)
from gateway.mapping.result import TranslatedRequest
from gateway.origin import Origin
from gateway.settings import SellerAccount, SubmitSettings
from gateway.submit.client import SpApiClient
from gateway.submit.submitter import Submitter

ORIGIN = Origin("x12", "CARRIER", "AMAZONDF", "000000001", "1", "0001", "214", "004010", False)
PARTY = PartyIdentification(partyId="999US")
SHIP_FROM = PartyIdentification(partyId="ABCD")
PACKAGES_PER_ORDER = 100


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _confirmation(order: int) -> TranslatedRequest:
    po = f"PO{order:08d}"
    tracking = [f"TRK{order:06d}{n:04d}" for n in range(PACKAGES_PER_ORDER)]
    confirmation = ShipmentConfirmation(
        purchaseOrderNumber=po,
        shipmentDetails=ShipmentDetails(shippedDate="2026-11-24T17:00:00Z"),
        sellingParty=PARTY,
        shipFromParty=SHIP_FROM,
        items=[Item(itemSequenceNumber=1, vendorProductIdentifier="SKU-1",
                    shippedQuantity=ItemQuantity(amount=PACKAGES_PER_ORDER,
                                                 unitOfMeasure="Each"))],
        containers=[
            Container(containerType="carton", containerIdentifier=t, trackingNumber=t,
                      shipMethod="UPS_GR_RES", weight=Weight(unitOfMeasure="LB", value="1"),
                      packedItems=[PackedItem(itemSequenceNumber=1,
                                              vendorProductIdentifier="SKU-1",
                                              packedQuantity=ItemQuantity(
                                                  amount=1, unitOfMeasure="Each"))])
            for t in tracking
        ],
    )  # fmt: skip
    body = SubmitShipmentConfirmationsRequest(shipmentConfirmations=[confirmation])
    return TranslatedRequest(
        "submitShipmentConfirmations", body, ORIGIN, (po,), tuple(tracking), ()
    )


def _status(order: int, package: int) -> TranslatedRequest:
    po, tracking = f"PO{order:08d}", f"TRK{order:06d}{package:04d}"
    update = ShipmentStatusUpdate(
        purchaseOrderNumber=po,
        sellingParty=PARTY,
        shipFromParty=SHIP_FROM,
        statusUpdateDetails=StatusUpdateDetails(
            trackingNumber=tracking, statusCode="D1", reasonCode="NS",
            statusDateTime="2026-11-25T10:00:00Z",
            statusLocationAddress=Address(name="Scan", addressLine1="Dock 1", city="Seattle",
                                          stateOrRegion="WA", countryCode="US")),
    )  # fmt: skip
    body = SubmitShipmentStatusUpdatesRequest(shipmentStatusUpdates=[update])
    return TranslatedRequest("submitShipmentStatusUpdates", body, ORIGIN, (po,), (tracking,), ())


async def _run(base: str, args: argparse.Namespace) -> None:
    settings = SubmitSettings(rate=args.rate, burst=args.burst, batch_max=args.batch,
                              backoff_base=0.1, max_attempts=10)  # fmt: skip
    seller = SellerAccount(client_id="edigw-demo-client",
                           client_secret=SecretStr("edigw-demo-secret"),
                           refresh_token=SecretStr("edigw-demo-refresh"),
                           endpoint=base, token_url=f"{base}/auth/o2/token",
                           assume_success_after=args.window)  # fmt: skip
    orders = -(-args.events // PACKAGES_PER_ORDER)
    statuses = [_status(o, p) for o in range(orders) for p in range(PACKAGES_PER_ORDER)]
    statuses = statuses[: args.events]
    async with SpApiClient(settings, {"bench": seller}) as client:
        submitter = Submitter(client, settings)
        confirmed = await submitter.submit("bench", [_confirmation(o) for o in range(orders)])
        await asyncio.sleep(max(1.0, 1.0 / args.rate * args.burst))  # let the bucket refill
        start = time.perf_counter()
        outcomes = await submitter.submit("bench", statuses)
        seconds = time.perf_counter() - start
        followed = time.perf_counter()
        await submitter.wait_final(confirmed + outcomes, args.window + 60)
        window = time.perf_counter() - followed
    calls = len(outcomes)
    throttled = sum(o.call.throttled for o in outcomes)
    accepted = sum(o.events for o in outcomes if o.call.accepted)
    allowed = (args.burst + args.rate * seconds) / seconds
    with urllib.request.urlopen(f"{base}/_emulator/requests") as response:
        record = json.load(response)
    received = [r for r in record if r["path"].endswith("shipmentStatusUpdates")]
    got = sum(len(r["body"]["shipmentStatusUpdates"]) for r in received if r["status"] == 202)
    print(f"confirmations: {sum(o.events for o in confirmed)} in {len(confirmed)} calls")
    print(f"status events: {accepted} accepted of {len(statuses)} in {calls} calls, "
          f"{seconds:.2f} s")  # fmt: skip
    print(f"events/s: {accepted / seconds:.0f}   calls/s: {calls / seconds:.2f}   "
          f"429s received: {throttled}")  # fmt: skip
    print(f"allowed call rate over the run: {allowed:.2f}/s (rate {args.rate}, burst "
          f"{args.burst}); achieved/allowed: {calls / seconds / allowed:.1%}")  # fmt: skip
    print(
        f"emulator received {got} status events in 202 responses "
        f"({'no loss, no duplicate' if got == accepted == len(statuses) else 'MISMATCH'})"
    )
    polls = [r for r in record if r["method"] == "GET" and "/transactions/" in r["path"]]
    ended: dict[str, int] = {}
    for o in confirmed + outcomes:
        ended[o.status.value] = ended.get(o.status.value, 0) + 1
    poll_allowed = (args.burst + args.rate * window) / window
    print(f"settling ({len(confirmed) + calls} transactions, deadline {args.window:g} s, "
          f"followed {window:.1f} s): {len(polls)} getTransactionStatus calls, "
          f"{len(polls) / max(1, len(confirmed) + calls):.1f} per transaction, "
          f"{len(polls) / window:.2f}/s = {len(polls) / window / poll_allowed:.1%} of the "
          f"allowed {poll_allowed:.2f}/s; outcomes {ended}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument(
        "--window",
        type=float,
        default=60.0,
        help="seconds: the seller's deadline while following transactions",
    )
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--burst", type=int, default=10)
    args = parser.parse_args()
    port = _free_port()
    emulator = subprocess.Popen(
        [sys.executable, "-m", "gateway", "emulator", "--port", str(port),
         "--rate", str(args.rate), "--burst", str(args.burst)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/_emulator/requests", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} emulator at {base}")
        asyncio.run(_run(base, args))
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)


if __name__ == "__main__":
    main()
