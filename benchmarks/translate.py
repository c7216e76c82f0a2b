"""Benchmark: translate a ~20 MB X12 214 and a ~20 MB EDIFACT IFTSTA end to end.

Prints, per file: size, seconds, MB/s, status events/s and peak RSS of a fresh process that
only translated that file (requests serialised to JSON and discarded, as the CLI does), and
beside it a naive baseline measured in the same run: read the whole file, split on the
segment and element separators, nothing else.

    make bench            # or: .venv/bin/python benchmarks/translate.py [--mb 20]
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

# Amazon's supported pairs (mappings/status_codes.yaml): every generated event is submitted
STATUS = [("XB", "NS"), ("O1", "NS"), ("OD", "NS"), ("D1", "NS"), ("DE", "AF"), ("A7", "AM")]
EDI_STATUS = ["301", "302", "201", "101"]


def write_214(path: Path, target_mb: float) -> int:
    """A 214 interchange of about `target_mb`, shaped like real carrier files: one
    transaction set per shipment (B10, PO, shipper and consignee N1 loops) with 1-3 LX
    status events (AT7, MS1, MS2, L11 tracking number) each. Returns the event count."""
    events = 0
    with path.open("w", encoding="ascii") as out:
        out.write(
            "ISA*00*          *00*          *02*SCAC           *ZZ*AMAZONDF       "
            "*261125*1200*U*00401*000000001*0*P*>~\n"
        )
        out.write("GS*QM*SCAC*AMAZONDF*20261125*1200*1*X*004010~\n")
        sets = 0
        while out.tell() < target_mb * 1_000_000:
            sets += 1
            lines = [
                f"ST*214*{sets:04d}",
                f"B10*{7_000_000 + sets}*PO{sets:08d}*SCAC",
                f"L11*PO{sets:08d}*PO",
                "N1*SH*DEMO VENDOR DISTRIBUTION CENTER",
                "N3*1200 INDUSTRIAL PARKWAY",
                "N4*ALLENTOWN*PA*18106*US",
                "N1*CN*AMAZON CUSTOMER",
                "N3*410 TERRY AVE N",
                "N4*SEATTLE*WA*98109*US",
            ]
            for lx in range(1, 2 + sets % 3):
                status, reason = STATUS[(sets + lx) % len(STATUS)]
                lines += [
                    f"LX*{lx}",
                    f"AT7*{status}*{reason}***20261124*{(sets + lx) % 24:02d}{lx * 7 % 60:02d}*ET",
                    "MS1*SEATTLE*WA*US",
                    "MS2*SCAC*TRAILER42",
                    f"L11*1Z{sets:010d}{lx:04d}*2I",
                ]
                events += 1
            lines.append(f"SE*{len(lines) + 1}*{sets:04d}")
            out.write("~\n".join(lines) + "~\n")
        out.write(f"GE*{sets}*1~\nIEA*1*000000001~\n")
    return events


def write_iftsta(path: Path, target_mb: float) -> int:
    """An IFTSTA interchange of many messages (100 consignments each); events."""
    events = 0
    with path.open("w", encoding="ascii") as out:
        out.write("UNA:+.? '\nUNB+UNOA:3+CARRIER:ZZ+AMAZON:ZZ+261125:1200+1'\n")
        messages = 0
        while out.tell() < target_mb * 1_000_000:
            messages += 1
            lines = [f"UNH+{messages}+IFTSTA:D:01B:UN", f"BGM+23+ST{messages}+9"]
            for n in range(1, 101):
                status = EDI_STATUS[n % len(EDI_STATUS)]
                lines += [
                    f"CNI+{n}+TRK{messages:08d}{n:06d}",
                    f"STS+1+{status}:::Status text+000",
                    f"RFF+ON:PO{messages:08d}",
                    f"DTM+334:2026112410{n % 60:02d}UTC:303",
                    "LOC+175+USSEA::6:Seattle",
                ]
                events += 1
            lines.append(f"UNT+{len(lines) + 1}+{messages}")
            out.write("'\n".join(lines) + "'\n")
        out.write(f"UNZ+{messages}+1'\n")
    return events


def _measure(path: str, mode: str) -> None:
    """Child process: translate (or split) one file, print seconds, events and peak RSS."""
    start = time.perf_counter()
    events = 0
    if mode == "baseline":
        text = Path(path).read_text(encoding="latin-1")
        term = "~" if text.startswith("ISA") else "'"
        sep = "*" if term == "~" else "+"
        events = sum(len(seg.split(sep)) for seg in text.split(term))
    else:
        from gateway.ack.context import AckContext
        from gateway.mapping.codes import load_code_tables
        from gateway.mapping.result import TranslatedRequest
        from gateway.pipeline import translate_stream
        from gateway.profile import PartnerProfile

        profile = PartnerProfile(selling_party="999US", ship_from="ABCD")
        sink = open("/dev/null", "w")  # noqa: SIM115

        def emit(request: TranslatedRequest) -> None:
            sink.write(json.dumps({"operation": request.operation, "body": request.body_json()}))

        with open(path, "rb") as stream:
            outcome = translate_stream(stream, profile, load_code_tables(), AckContext(), emit)
        events = outcome.events
        if not outcome.accepted:
            print(f"warning: {path} not accepted: {outcome.problems[:3]}", file=sys.stderr)
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "events": events, "peak_mb": peak_kb / 1024}))


def _run(path: Path, mode: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(path), mode],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0, help="size of each generated file")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _measure(*args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        cases = [("X12 214", Path(tmp) / "bench.214", write_214),
                 ("EDIFACT IFTSTA", Path(tmp) / "bench.iftsta", write_iftsta)]  # fmt: skip
        print(f"{'file':16} {'MB':>6} {'mode':9} {'seconds':>8} {'MB/s':>7} "
              f"{'events/s':>10} {'peak MB':>8}")  # fmt: skip
        for name, path, writer in cases:
            expected = writer(path, args.mb)
            size = path.stat().st_size / 1_000_000
            for mode in ("translate", "baseline"):
                r = _run(path, mode)
                rate = expected / r["seconds"] if mode == "translate" else float("nan")
                print(f"{name:16} {size:6.1f} {mode:9} {r['seconds']:8.2f} "
                      f"{size / r['seconds']:7.1f} {rate:10.0f} {r['peak_mb']:8.1f}")  # fmt: skip
                if mode == "translate" and r["events"] != expected:
                    print(f"  !! {name}: {r['events']:.0f} events released, {expected} expected")


if __name__ == "__main__":
    main()
