"""Benchmark: EDIFACT files made to be slow to read, end to end (`translate_stream`, acks
built, requests discarded), each in a fresh child process: seconds, MB/s and peak RSS.

- `short UNBs`: a UNA, then 1 MB of `UNB*'` (a UNB in a delimiter not in force, five bytes
  each). Before stop 20 the lexer split its whole buffer again at each one: 40 s a MB.
- `UNB in data`: a valid IFTSTA whose every LOC place name holds "UNB" (a batch stops at
  each; the segment holding it is read on its own).
- `look-alike cuts`: a mailbag of interchanges whose sender holds "/UNH+" (`edifact_shown.unb_own`
  looks for a cut and finds none that the file bears out).
- `IFTSTA mailbag`: the plain mailbag of benchmarks/translate.py, for comparison.

    .venv/bin/python benchmarks/edifact_worst.py [--mb 1]
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

from translate import write_iftsta

_UNB = "UNB+UNOA:3+CARRIER:ZZ+AMAZON:ZZ+261124:1830+IC{n}'\n"
_MESSAGE = (
    "UNH+1+IFTSTA:D:01B:UN'\nBGM+23+ST1+9'\nCNI+1+TRK{n:010d}'\nSTS+1+301+000'\n"
    "RFF+ON:PO{n:08d}'\nDTM+334:202611241000UTC:303'\nLOC+175+USSEA::6:{place}'\n"
    "UNT+8+1'\nUNZ+1+IC{n}'\n"
)


def _write(path: Path, kind: str, mb: float) -> None:
    size = int(mb * 1_000_000)
    if kind == "IFTSTA mailbag":
        write_iftsta(path, mb, mailbag=True)
        return
    with path.open("w", encoding="latin-1") as out:
        written, n = 0, 0
        if kind == "short UNBs":
            out.write("UNA:+.? '" + "UNB*'" * (size // 5))
            return
        while written < size:
            n += 1
            unb = _UNB.format(n=n)
            place = "SEATTLE UNB DOCK" if kind == "UNB in data" else "SEATTLE"
            if kind == "look-alike cuts":
                unb = unb.replace("CARRIER:ZZ", "CAR/UNH+RIER:ZZ")
            text = "UNA:+.? '\n" + unb + _MESSAGE.format(n=n, place=place)
            out.write(text)
            written += len(text)


def _child(path: str) -> None:
    from gateway.ack.context import AckContext
    from gateway.mapping.codes import load_code_tables
    from gateway.pipeline import translate_stream
    from gateway.profile import PartnerProfile

    profile = PartnerProfile(selling_party="999US", ship_from="ABCD")
    start = time.perf_counter()
    with open(path, "rb") as stream:
        outcome = translate_stream(stream, profile, load_code_tables(), AckContext(),
                                   lambda request: None)  # fmt: skip
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "interchanges": outcome.interchange_count,
                      "peak_mb": peak}))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=1.0, help="size of each generated file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child)
        return
    kinds = ("short UNBs", "UNB in data", "look-alike cuts", "IFTSTA mailbag")
    print(f"{'file':<18}{'MB':>6}{'seconds':>10}{'MB/s':>8}{'interchanges':>14}{'peak MB':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            path = Path(tmp) / "worst.edi"
            _write(path, kind, args.mb)
            out = subprocess.run([sys.executable, __file__, "--child", str(path)],
                                 capture_output=True, text=True, check=False)  # fmt: skip
            if out.returncode:
                print(f"{kind:<18} failed: {out.stderr.strip().splitlines()[-1:]}")
                continue
            figures = json.loads(out.stdout.strip().splitlines()[-1])
            mb = path.stat().st_size / 1e6
            print(f"{kind:<18}{mb:>6.2f}{figures['seconds']:>10.2f}"
                  f"{mb / figures['seconds']:>8.2f}{figures['interchanges']:>14,}"
                  f"{figures['peak_mb']:>9.0f}")  # fmt: skip


if __name__ == "__main__":
    main()
