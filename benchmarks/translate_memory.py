"""Benchmark: peak RSS of `edigw translate` by file size (issues 9 and 11: flat memory).

For each size, generated files like `benchmarks/translate.py` makes (an X12 214 of one set
per shipment, an IFTSTA of 100 consignments per message, and an IFTSTA of one consignment
per message: the most messages per MB) are translated by `edigw translate` in a child
process, its JSON written to /dev/null; the row gives the sets / messages, the child's peak
RSS (from wait4) and its seconds. Flat memory shows as the same peak RSS on every row of a
kind: what the reader keeps per set until the trailer is spooled, and the acks are written
as the sets are read (their text, ~26 bytes per 214 set, is what still grows).

    .venv/bin/python benchmarks/translate_memory.py [--mb 5 20 50 100]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from translate import write_214, write_iftsta  # the same generated files

ARGS = ["translate", "--selling-party", "999US", "--ship-from", "ABCD"]
KINDS: dict[str, Callable[[Path, float], int]] = {
    "214": write_214,
    "IFTSTA": write_iftsta,
    "IFTSTA-1": lambda path, mb: write_iftsta(path, mb, consignments=1),
}


def _command() -> list[str]:
    script = Path(sys.executable).with_name("edigw")
    return [str(script)] if script.exists() else [sys.executable, "-m", "gateway"]


def _units(path: Path) -> int:
    """Transaction sets (ST) or messages (UNH) in a generated file."""
    data = path.read_bytes()
    return data.count(b"ST*214*") if data.startswith(b"ISA") else data.count(b"UNH+")


def peak_rss(path: Path) -> tuple[float, float]:
    """(peak RSS in MB, seconds) of one `edigw translate` child process."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        child = subprocess.Popen([*_command(), *ARGS, str(path)], stdout=sink)
        _, _, usage = os.wait4(child.pid, 0)
    return usage.ru_maxrss / 1024, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, nargs="+", default=[5, 20, 50, 100])
    parser.add_argument("--kind", choices=sorted(KINDS), nargs="+", default=list(KINDS))
    args = parser.parse_args()
    print(f"{'file':<10} {'MB':>6} {'sets/msgs':>10} {'peak RSS MB':>12} {'seconds':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.kind:
            for mb in args.mb:
                path = Path(tmp) / f"{kind}-{mb:g}.edi"
                KINDS[kind](path, mb)
                rss, seconds = peak_rss(path)
                print(f"{kind:<10} {mb:>6g} {_units(path):>10} {rss:>12.1f} {seconds:>8.1f}")
                path.unlink()


if __name__ == "__main__":
    main()
