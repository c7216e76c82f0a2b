"""Benchmark: X12 214 sets made to be slow to read, end to end (`translate_stream`, acks
built, requests discarded), each in a fresh child process, the one-go way for clean sets
(the default) beside the general way for every set (`one_go=False`): seconds, microseconds
per segment and peak RSS. Time per segment that grows with the set's size is a fault.

- `distinct LX`: one set of one shipment and n `LX*i` loops without an event (every segment
  text new). Stop 22's first one-go check looked each new text up in the whole set: 30 s
  for 100,000 segments where the general way took 1.9 s.
- `distinct L11`: one set, one event, n distinct tracking references in its loop.
- `events`: one set of n/5 status events (LX, AT7, MS1, MS2, L11 each): over 500 updates
  a set makes several requests.

    .venv/bin/python benchmarks/x12_worst.py [--segments 10000 40000 100000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_ISA = (
    "ISA*00*          *00*          *02*SCAC           *ZZ*AMAZONDF       *261125*1200*U*"
    "00401*000000001*0*P*>~\nGS*QM*SCAC*AMAZONDF*20261125*1200*1*X*004010~\n"
)
_HEAD = ["B10*7000001*PO00000001*SCAC", "L11*PO00000001*PO"]
_EVENT = ["LX*1", "AT7*D1*NS***20261124*1030*ET", "MS1*SEATTLE*WA*US", "L11*1Z00000001*2I"]


def _body(kind: str, segments: int) -> list[str]:
    if kind == "distinct LX":
        return [*_HEAD, *_EVENT, *(f"LX*{i}" for i in range(2, segments))]
    if kind == "distinct L11":
        return [*_HEAD, *_EVENT[:-1], *(f"L11*1Z{i:012d}*2I" for i in range(segments))]
    body = list(_HEAD)
    for i in range(1, segments // 5 + 1):
        body += [f"LX*{i}", f"AT7*D1*NS***20261124*{i % 24:02d}{i % 60:02d}*ET",
                 "MS1*SEATTLE*WA*US", "MS2*SCAC*TRAILER42", f"L11*1Z{i:012d}*2I"]  # fmt: skip
    return body


def write(path: Path, kind: str, segments: int) -> int:
    """One interchange of one set of about `segments` segments; the segment count."""
    body = _body(kind, segments)
    lines = ["ST*214*0001", *body, f"SE*{len(body) + 2}*0001"]
    path.write_text(_ISA + "~\n".join(lines) + "~\nGE*1*1~\nIEA*1*000000001~\n", "ascii")
    return len(lines)


def _child(path: str, one_go: bool) -> None:
    from gateway.ack.context import AckContext
    from gateway.mapping.codes import load_code_tables
    from gateway.pipeline import translate_stream
    from gateway.profile import PartnerProfile

    # a set of 100,000 segments is past the default max_set_segments (20,000): rejected
    # unread. Measured here is reading one, as a partner profile that allows it does
    profile = PartnerProfile(
        selling_party="999US", ship_from="ABCD", max_set_segments=10**7, max_set_elements=10**9
    )
    tables = load_code_tables()
    start = time.perf_counter()
    with open(path, "rb") as stream:
        outcome = translate_stream(stream, profile, tables, AckContext(), lambda request: None,
                                   one_go=one_go)  # fmt: skip
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "accepted": outcome.accepted, "peak_mb": peak}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, nargs="+", default=[10_000, 40_000, 100_000])
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], args.child[1] == "one-go")
        return
    print(f"{'set':<14}{'segments':>10}{'way':>9}{'seconds':>9}{'us/segment':>12}{'peak MB':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "worst.edi"
        for kind in ("distinct LX", "distinct L11", "events"):
            for size in args.segments:
                count = write(path, kind, size)
                for way in ("one-go", "general"):
                    out = subprocess.run([sys.executable, __file__, "--child", str(path), way],
                                         capture_output=True, text=True, check=False)  # fmt: skip
                    if out.returncode:
                        print(f"{kind:<14}{count:>10,}{way:>9} failed: "
                              f"{out.stderr.strip().splitlines()[-1:]}")  # fmt: skip
                        continue
                    f = json.loads(out.stdout.strip().splitlines()[-1])
                    print(f"{kind:<14}{count:>10,}{way:>9}{f['seconds']:>9.2f}"
                          f"{f['seconds'] / count * 1e6:>12.1f}{f['peak_mb']:>9.0f}")  # fmt: skip


if __name__ == "__main__":
    main()
