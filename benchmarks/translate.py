"""Benchmark: translate ~20 MB X12 214s (times repeating over a day; a time of their own
per scan; a mailbag of one interchange per shipment) and ~20 MB EDIFACT IFTSTAs (one
interchange; a mailbag of one interchange per shipment) end to end.

Each row is one fresh child process that read one generated file and printed its seconds
(imports included, from bytecode compiled first, as an installed package has it), count
and peak RSS: edigw (requests serialised to JSON and discarded,
as `edigw translate` does), edigw with `--lineage` expanded, and in the same run on the same
files the peers: a naive split on the segment and element separators, pyx12's segment
reader on the 214 and pydifact's parser on the IFTSTA (benchmark-only: `pip install
'.[bench]'`; a peer that is not installed is reported as such). `x edigw` is a row's speed
over edigw's on the same file. When the mypyc build exists (`make compiled`: build/compiled),
the same two edigw rows run again with it first on PYTHONPATH (`mypyc`, `mypyc+lin`: the
compiled hot modules, issue 11), so pure and compiled figures come from one run; a child
that did not import the build its row names says so. Last, the wall time of `edigw
translate` on a 1 KB file in a subprocess (the start-up a small file pays), per build.

    make bench            # or: .venv/bin/python benchmarks/translate.py [--mb 20]
                          #     [--only 214|iftsta] [--no-startup] [--compiled DIR|none]
                          #     [--repeat 3]

Each row is the child run of least CPU time of `--repeat` runs, the rows' runs taking
turns (one run a row swung the `--lineage` ratio from 1.0 to 1.5 on a busy host), and the
`--lineage` ratio is of CPU seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

# Amazon's supported pairs (mappings/status_codes.yaml): every generated event is submitted
STATUS = [("XB", "NS"), ("O1", "NS"), ("OD", "NS"), ("D1", "NS"), ("DE", "AF"), ("A7", "AM")]
EDI_STATUS = ["301", "302", "201", "101"]
# `make compiled`'s output: the gateway package with its mypyc-compiled modules
COMPILED = Path(__file__).resolve().parents[1] / "build" / "compiled"


def _isa(control: int) -> str:
    return (
        "ISA*00*          *00*          *02*SCAC           *ZZ*AMAZONDF       "
        f"*261125*1200*U*00401*{control:09d}*0*P*>~\n"
    )


_GS = "GS*QM*SCAC*AMAZONDF*20261125*1200*1*X*004010~\n"
_ZONES = ("ET", "CT", "MT", "PT", "UT")


def _shipment_214(sets: int, distinct_times: bool) -> tuple[str, int]:
    """One 214 transaction set (ST..SE) and its events: B10, PO, shipper and consignee N1
    loops, 1-3 LX status events (AT7, MS1, MS2, L11 tracking number). The AT7 times repeat
    over a day unless `distinct_times` (a scan every minute from 2026-01-01, zones mixed)."""
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
    events = 0
    for lx in range(1, 2 + sets % 3):
        status, reason = STATUS[(sets + lx) % len(STATUS)]
        if distinct_times:
            scan = datetime(2026, 1, 1) + timedelta(minutes=3 * sets + lx)
            when = f"{scan:%Y%m%d}*{scan:%H%M}*{_ZONES[(sets + lx) % len(_ZONES)]}"
        else:
            when = f"20261124*{(sets + lx) % 24:02d}{lx * 7 % 60:02d}*ET"
        lines += [
            f"LX*{lx}",
            f"AT7*{status}*{reason}***{when}",
            "MS1*SEATTLE*WA*US",
            "MS2*SCAC*TRAILER42",
            f"L11*1Z{sets:010d}{lx:04d}*2I",
        ]
        events += 1
    lines.append(f"SE*{len(lines) + 1}*{sets:04d}")
    return "~\n".join(lines) + "~\n", events


def write_214(
    path: Path, target_mb: float, distinct_times: bool = False, mailbag: bool = False
) -> int:
    """A 214 file of about `target_mb`, shaped like real carrier files: one transaction set
    per shipment (`_shipment_214`), all in one interchange, or with `mailbag` each in an
    interchange of its own (ISA, GS, the set, GE, IEA: a mailbag of files). Returns the
    event count."""
    events = 0
    with path.open("w", encoding="ascii") as out:
        if not mailbag:
            out.write(_isa(1) + _GS)
        sets = 0
        while out.tell() < target_mb * 1_000_000:
            sets += 1
            text, count = _shipment_214(sets, distinct_times)
            events += count
            if mailbag:
                text = _isa(sets) + _GS + text + f"GE*1*1~\nIEA*1*{sets:09d}~\n"
            out.write(text)
        if not mailbag:
            out.write(f"GE*{sets}*1~\nIEA*1*000000001~\n")
    return events


def write_iftsta(
    path: Path, target_mb: float, consignments: int = 100, mailbag: bool = False
) -> int:
    """An IFTSTA interchange of many messages (100 consignments each), or with `mailbag` a
    mailbag of one interchange (UNA, UNB, one message of 1-3 consignments, UNZ) per
    shipment; events."""
    events = 0
    with path.open("w", encoding="ascii") as out:
        if not mailbag:
            out.write("UNA:+.? '\nUNB+UNOA:3+CARRIER:ZZ+AMAZON:ZZ+261125:1200+1'\n")
        messages = 0
        while out.tell() < target_mb * 1_000_000:
            messages += 1
            lines = [f"UNH+{messages}+IFTSTA:D:01B:UN", f"BGM+23+ST{messages}+9"]
            for n in range(1, (1 + messages % 3 if mailbag else consignments) + 1):
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
            if mailbag:
                unb = f"UNA:+.? '\nUNB+UNOA:3+CARRIER:ZZ+AMAZON:ZZ+261125:1200+{messages}'\n"
                out.write(unb + "'\n".join(lines) + f"'\nUNZ+1+{messages}'\n")
                continue
            out.write("'\n".join(lines) + "'\n")
        if not mailbag:
            out.write(f"UNZ+{messages}+1'\n")
    return events


def _edigw(path: str, lineage: bool) -> int:
    """Translate as `edigw translate` does (each request written as the CLI's own JSON line,
    lineage expanded when asked); the events released."""
    from gateway.ack.context import AckContext
    from gateway.cli import _request_json
    from gateway.mapping.codes import load_code_tables
    from gateway.mapping.result import TranslatedRequest
    from gateway.pipeline import translate_stream
    from gateway.profile import PartnerProfile

    profile = PartnerProfile(selling_party="999US", ship_from="ABCD")
    sink = open(os.devnull, "w")  # noqa: SIM115

    def emit(request: TranslatedRequest) -> None:
        sink.write(_request_json(request, lineage))

    with open(path, "rb") as stream:
        outcome = translate_stream(stream, profile, load_code_tables(), AckContext(), emit)
    if not outcome.accepted:
        print(f"warning: {path} not accepted: {outcome.problems[:3]}", file=sys.stderr)
    return outcome.events


def _naive(path: str) -> int:
    """Read the whole file, split on the segment and element separators; the elements."""
    text = Path(path).read_text(encoding="latin-1")
    term, sep = ("~", "*") if text.startswith("ISA") else ("'", "+")
    return sum(len(seg.split(sep)) for seg in text.split(term))


def _pyx12(path: str) -> int:
    """pyx12's X12Reader: every segment tokenised, nothing mapped; the segments."""
    from pyx12.x12file import X12Reader

    with open(path, encoding="ascii") as src:
        return sum(1 for _ in X12Reader(src))


def _pydifact(path: str) -> int:
    """pydifact's Parser over the whole text: Segment objects, nothing mapped; the segments.
    It takes one UNA per text: a mailbag is parsed one interchange (from its UNA) at a time."""
    from pydifact.parser import Parser

    text = Path(path).read_text(encoding="latin-1")
    parts = ["UNA" + part for part in text.split("UNA")[1:]] if text.count("UNA") > 1 else [text]
    parser = Parser()
    return sum(1 for part in parts for _ in parser.parse(part))


READERS = {
    "edigw": lambda path: _edigw(path, False),
    "lineage": lambda path: _edigw(path, True),
    "mypyc": lambda path: _edigw(path, False),  # run with the compiled build on the path
    "mypyc+lin": lambda path: _edigw(path, True),
    "naive": _naive,
    "pyx12": _pyx12,
    "pydifact": _pydifact,
}
PEER_MODULES = {"pyx12": "pyx12", "pydifact": "pydifact"}
EDIGW_MODES = ("edigw", "lineage", "mypyc", "mypyc+lin")


def _compiled_imported() -> bool:
    """Whether any gateway module this process imported is a compiled (mypyc) one."""
    return any(
        (getattr(module, "__file__", None) or "").endswith(".so")
        for name, module in list(sys.modules.items())
        if name.startswith("gateway.")
    )


def _measure(path: str, mode: str) -> None:
    """Child process: read one file with one reader, print wall and CPU seconds, count and
    peak RSS."""
    start, cpu = time.perf_counter(), time.process_time()
    count = READERS[mode](path)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    figures = {"seconds": seconds, "cpu": cpu, "count": count, "peak_mb": peak_kb / 1024}
    print(json.dumps({**figures, "compiled": float(_compiled_imported())}))


def _env(compiled: Path | None) -> dict[str, str]:
    """The environment of a child: the compiled build first on PYTHONPATH, or no PYTHONPATH
    (the pure editable install)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return {**env, "PYTHONPATH": str(compiled)} if compiled else env


def _run(path: Path, mode: str, compiled: Path | None = None) -> dict[str, float] | str:
    """One child's figures, or why there are none (not installed, or its error). The
    `mypyc` modes run with `compiled` first on the path."""
    module = PEER_MODULES.get(mode)
    probe = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({module!r}) is None)"
    if module and subprocess.run([sys.executable, "-c", probe], check=False).returncode:
        return "not installed (pip install '.[bench]')"
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(path), mode],
        check=False,
        capture_output=True,
        text=True,
        env=_env(compiled if mode.startswith("mypyc") else None),
    )
    if out.returncode:
        return f"failed: {(out.stderr.strip().splitlines() or ['?'])[-1]}"
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    if mode in EDIGW_MODES and bool(result["compiled"]) != mode.startswith("mypyc"):
        return f"imported the {'compiled' if result['compiled'] else 'pure'} modules: skipped"
    return result


def _runs(
    path: Path, modes: tuple[str, ...], compiled: Path | None, repeat: int
) -> dict[str, dict[str, float] | str]:
    """Each mode's figures from `repeat` child runs, the modes taking turns (a busy host's
    slow spells fall on all of them alike): the run of least CPU time of each, or why there
    is none."""
    best: dict[str, dict[str, float] | str] = {}
    for _ in range(max(repeat, 1)):
        for mode in modes:
            if isinstance(best.get(mode), str):
                continue
            r = _run(path, mode, compiled)
            held = best.get(mode)
            if isinstance(r, str) or held is None or r["cpu"] < held["cpu"]:  # type: ignore[index]
                best[mode] = r
    return best


def startup(tmp: Path, runs: int = 5, compiled: Path | None = None) -> dict[str, float]:
    """Median wall seconds of `edigw translate` on a ~1 KB 214 and IFTSTA (subprocess,
    after one unmeasured run), with the `compiled` build first on the path if given."""
    script = Path(sys.executable).with_name("edigw")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "gateway"]
    # bytecode is cached as an installed package has it (a first, unmeasured run writes it)
    env = {k: v for k, v in _env(compiled).items() if k != "PYTHONDONTWRITEBYTECODE"}
    args = ["translate", "--selling-party", "999US", "--ship-from", "ABCD"]
    figures = {}
    for name, writer in (("214", write_214), ("IFTSTA", write_iftsta)):
        path = tmp / f"small.{name}"
        if writer is write_iftsta:
            write_iftsta(path, 0.001, consignments=5)
        else:
            writer(path, 0.001)
        walls = []
        for _ in range(runs + 1):
            start = time.perf_counter()
            subprocess.run([*command, *args, str(path)], check=False, capture_output=True, env=env)
            walls.append(time.perf_counter() - start)
        figures[name] = sorted(walls[1:])[runs // 2]
    return figures


def toolchain() -> str:
    """Python, mypy (mypyc) and the C compiler with its flags: what the figures depend on
    beside the code (stop 19's compiled rows were 2x today's on the same commit)."""
    import platform
    import sysconfig
    from importlib.metadata import PackageNotFoundError, version

    try:
        mypy = version("mypy")
    except PackageNotFoundError:
        mypy = "not installed"
    cc = (sysconfig.get_config_var("CC") or "?").split()[0]
    cc_version = subprocess.run([cc, "--version"], capture_output=True, text=True, check=False)
    first = (cc_version.stdout.splitlines() or ["?"])[0]
    flags = sysconfig.get_config_var("CFLAGS") or ""
    opt = " ".join(f for f in flags.split() if f.startswith(("-O", "-march", "-g")))
    return (f"toolchain: Python {platform.python_version()}, mypy {mypy}, {first} ({opt}), "
            f"{os.cpu_count()} CPUs, {platform.machine()}")  # fmt: skip


def stale(compiled: Path) -> list[str]:
    """The gateway sources the build in `compiled` was not made from (missing there, or
    different from its copy): a compiled module built before an edit would be measured."""
    package = COMPILED.parents[1] / "gateway"
    return [
        source.relative_to(package.parent).as_posix()
        for source in sorted(package.rglob("*.py"))
        if not (copy := compiled / source.relative_to(package.parent)).is_file()
        or copy.read_bytes() != source.read_bytes()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0, help="size of each generated file")
    parser.add_argument("--only", choices=["214", "iftsta"], help="measure one file type only")
    parser.add_argument("--no-startup", action="store_true", help="skip the 1 KB start-up run")
    parser.add_argument("--repeat", type=int, default=3,
                        help="child runs a row (taking turns): the least CPU is shown")  # fmt: skip
    parser.add_argument("--compiled", default=str(COMPILED),
                        help="the mypyc build to measure too (none: skip)")  # fmt: skip
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _measure(*args.child)
        return
    compiled = Path(args.compiled).resolve() if args.compiled != "none" else None
    if compiled and not any((compiled / "gateway").rglob("*.so")):
        print(f"no compiled build in {compiled} (`make compiled`): pure figures only")
        compiled = None
    if compiled and (edited := stale(compiled)):
        print(f"the build in {compiled} is older than {edited[0]} (and {len(edited) - 1} more)"
              " (`make compiled`): pure figures only")  # fmt: skip
        compiled = None
    modes = ("edigw", "lineage", *(("mypyc", "mypyc+lin") if compiled else ()))
    print(toolchain())
    # bytecode of every module, as an installed package has it: a host that sets
    # PYTHONDONTWRITEBYTECODE (CI, containers) would otherwise compile every import again in
    # each child (~0.3 s of a 20 MB row)
    for folder in (COMPILED.parents[1] / "gateway", *((compiled,) if compiled else ())):
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(folder)], check=False)
    with tempfile.TemporaryDirectory() as tmp:
        cases = [
            ("X12 214", Path(tmp) / "bench.214", write_214, "pyx12"),
            # the same shipments with a time of their own per scan, as real carriers send
            ("214 own times", Path(tmp) / "times.214",
             partial(write_214, distinct_times=True), "pyx12"),
            # and one interchange per shipment: a mailbag of small files
            ("214 mailbag", Path(tmp) / "mailbag.214", partial(write_214, mailbag=True), "pyx12"),
            ("EDIFACT IFTSTA", Path(tmp) / "bench.iftsta", write_iftsta, "pydifact"),
            # one interchange per shipment, as carriers' mailbags of status messages come
            ("IFTSTA mailbag", Path(tmp) / "mailbag.iftsta",
             partial(write_iftsta, mailbag=True), "pydifact"),
        ]  # fmt: skip
        # CPU MB/s: the file over the child's CPU seconds, steadier than wall on a busy host
        print(f"{'file':15} {'MB':>5} {'reader':9} {'seconds':>8} {'MB/s':>7} {'CPU MB/s':>8} "
              f"{'x edigw':>7} {'events/s':>9} {'peak MB':>8}")  # fmt: skip
        if args.only:
            cases = [case for case in cases if case[1].suffix == f".{args.only}"]
        for name, path, writer, peer in cases:
            expected = writer(path, args.mb)
            size = path.stat().st_size / 1_000_000
            base = 0.0
            seconds: dict[str, float] = {}
            cpus: dict[str, float] = {}
            runs = _runs(path, (*modes, "naive", peer), compiled, args.repeat)
            for mode, r in runs.items():
                if isinstance(r, str):
                    print(f"{name:15} {size:5.1f} {mode:9} {r}")
                    continue
                seconds[mode], cpus[mode] = r["seconds"], r["cpu"]
                base = base or r["seconds"]
                events = f"{expected / r['seconds']:9.0f}" if mode in EDIGW_MODES else ""
                print(f"{name:15} {size:5.1f} {mode:9} {r['seconds']:8.2f} "
                      f"{size / r['seconds']:7.2f} {size / r['cpu']:8.2f} "
                      f"{base / r['seconds']:7.2f} {events:>9} "
                      f"{r['peak_mb']:8.1f}")  # fmt: skip
                if mode in EDIGW_MODES and r["count"] != expected:
                    print(f"  !! {name}: {r['count']:.0f} events released, {expected} expected")
                plain = {"lineage": "edigw", "mypyc+lin": "mypyc"}.get(mode)
                if plain in seconds:
                    print(f"  --lineage costs {r['cpu'] / cpus[plain]:.2f}x a run without it "
                          f"({plain}, CPU)")  # fmt: skip
            if "mypyc" in seconds and "edigw" in seconds:
                print(f"  mypyc build: {seconds['edigw'] / seconds['mypyc']:.2f}x the pure "
                      f"one's (wall), {cpus['edigw'] / cpus['mypyc']:.2f}x (CPU)")  # fmt: skip
        if args.no_startup:
            return
        for build in ("pure", "mypyc") if compiled else ("pure",):
            figures = startup(Path(tmp), compiled=compiled if build == "mypyc" else None)
            walls = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in figures.items())
            print(f"start-up ({build}), `edigw translate` of a 1 KB file (median wall): {walls}")


if __name__ == "__main__":
    main()
