"""Benchmark: peak RSS of `edigw translate` on the file shapes that hold the most until a
trailer, at the default partner profile (issue 11: peak RSS under 100 MB at any file size;
the upload limit is 100 MB). Each file is generated, translated by `edigw translate` in a
child process (its JSON written to /dev/null), and its row gives the size, the verdict
(accepted, or rejected by a limit: `set_too_large` / `interchange_too_large`), the child's
peak RSS (from wait4) and its seconds.

- `groups`: one interchange of one-214-set GS groups, or of one-IFTSTA UNG groups, at the
  profile's max_interchange_groups (10,000) and past it (the group outcomes and the
  997 / CONTRL naming each are held to the IEA / UNZ);
- `faulty groups`: GS / GE faulty in every element (each problem weighs one more group);
- `stray sets`: 214 sets outside any GS (each gets a group of its own);
- `856`: one ship notice of HL / LIN / SN1 items, each LIN with 15 product ID pairs (the
  most elements a segment of it has), at max_ship_notice_segments (5,000) and past it;
- `DESADV`: one message of CPS / PAC / PCI / GIN / LIN / QTY packages, likewise;
- `refused 214`: one 214 of status events the mapping refuses (status ZZ), each a problem
  held for the 824, at max_set_segments (20,000) and past it;
- `856 refused`: an 856 of HL / LIN items with wide LINs and no SN1, every item refused,
  at max_ship_notice_segments;
- `wide 214 MB`: one 214 of segments of 10,000 elements each (max_set_elements);
- `tiny sets MB`: one group of sets of ST and SE alone, each rejected (max_interchange_sets:
  the 997 answers every set);
- `long 214 MB`: one 214 of L11 segments of one 1,000,000-character element each
  (max_set_characters); `long IFTSTA MB`: one IFTSTA of such RFF segments;
- `wide IFTSTA MB`: one IFTSTA of RFF segments of 10,000 components each (max_set_elements
  counts components);
- `long ST02 MB` / `long UNH 0062 MB`: sets / messages whose control numbers are 500,000
  characters each (kept until the interchange's trailer: clipped);
- `faulty 214`: `--faulty-mb` of 214 sets each with a faulty MS2 in one group (a 997 of
  an AK2 .. AK5 per set, about a fifth of the file, written as the sets are read).

    .venv/bin/python benchmarks/translate_shapes.py [--faulty-mb 100]
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

from translate import write_214

ARGS = ["translate", "--selling-party", "999US", "--ship-from", "ABCD"]
ISA = ("ISA*00*          *00*          *02*SCAC           *ZZ*AMAZONDF       "
       "*261125*1200*U*00401*000000001*0*P*>~\n")  # fmt: skip
UNB = "UNA:+.? '\nUNB+UNOC:3+DEMOCARRIER:ZZ+AMAZONDF:ZZ+261124:1830+IC1'\n"


def _214(n: int) -> str:
    return (f"ST*214*{n:04d}~B10*7{n:06d}*PO{n:08d}*SCAC~L11*PO{n:08d}*PO~LX*1~"
            f"AT7*D1*NS***20261124*1030*ET~MS1*SEATTLE*WA*US~L11*1Z{n:012d}*2I~"
            f"SE*8*{n:04d}~\n")  # fmt: skip


def _iftsta(n: int) -> str:
    lines = [f"UNH+{n}+IFTSTA:D:01B:UN", f"BGM+77+ST{n}+9", "DTM+137:202611241830:203",
             "NAD+CA+DEMOCARRIER::9", f"CNI+1+1Z{n:08d}", "STS+1+302::6+000", f"RFF+ON:PO{n}",
             "DTM+334:202611240715-06:303", "LOC+175+USCHI::6:Chicago"]  # fmt: skip
    return "'\n".join([*lines, f"UNT+{len(lines) + 1}+{n}"]) + "'\n"


def gs_groups(n: int) -> str:
    body = "".join(f"GS*QM*SCAC*AMAZONDF*20261125*1200*{g}*X*004010~\n{_214(g % 10_000)}"
                   f"GE*1*{g}~\n" for g in range(1, n + 1))  # fmt: skip
    return ISA + body + f"IEA*{n}*000000001~\n"


def ung_groups(n: int) -> str:
    body = "".join(f"UNG+IFTSTA+DEMOCARRIER:ZZ+AMAZONDF:ZZ+261124:1830+G{g}+UN+D:01B'\n"
                   f"{_iftsta(g)}UNE+1+G{g}'\n" for g in range(1, n + 1))  # fmt: skip
    return UNB + body + f"UNZ+{n}+IC1'\n"


def faulty_groups(n: int) -> str:
    body = "".join(f"GS*QMXYZ*S*A*2026XX25*12XX*{g}X*Z*0040101234567*EXTRA*MORE~GE*ABC*Y{g}~"
                   "GE*1*7~SE*1*1~B10*1~\n" for g in range(1, n + 1))  # fmt: skip
    return ISA + body + f"IEA*{n}*000000001~\n"


def stray_sets(n: int) -> str:
    return ISA + "".join(_214(s % 10_000) for s in range(1, n + 1)) + "IEA*0*000000001~\n"


def ship_notice_856(segments: int) -> str:
    """An 856 of `segments` segments (ST..SE): HL / LIN / SN1 items under one pack."""
    body = ["BSN*00*SHIP1*20261124*1830*0001", "HL*1**S", "TD5**2*UPSN*M*UPS Ground",
            "N1*SF*DC*92*ABCD", "N1*SE*Vendor*92*999US", "HL*2*1*O", "PRF*PO4711",
            "HL*3*2*P", "MAN*CP*1Z999AA10123456784"]  # fmt: skip
    qualifiers = ["BP", "VN", "UP", "EN", "SK", "MG", "IN", "VP", "CB", "PN", "IB", "UK", "ZZ",
                  "BN", "VA"]  # fmt: skip
    for i in range(4, (segments - 12) // 3 + 4):
        pairs = "*".join(f"{q}*X{i:07d}{j:02d}ABCDEFGHIJKLMNOP" for j, q in enumerate(qualifiers))
        body += [f"HL*{i}*3*I", f"LIN*{i}*{pairs}", "SN1**1*EA"]
    lines = ["ST*856*0001", *body, f"CTT*{(segments - 12) // 3 + 3}"]
    lines.append(f"SE*{len(lines) + 1}*0001")
    group = "GS*SH*SCAC*AMAZONDF*20261125*1200*1*X*004010~\n"
    return ISA + group + "~\n".join(lines) + "~\nGE*1*1~\nIEA*1*000000001~\n"


def desadv(segments: int) -> str:
    """A DESADV of about `segments` segments (UNH..UNT) of packages."""
    body = ["BGM+351+DES4711+9", "DTM+137:20261124:102", "RFF+ON:PO4711",
            "NAD+SU+999US::9++Demo Vendor", "NAD+SF+ABCD::9++Demo Vendor DC",
            "TDT+20+V42+30+31:::FEDEX_GROUND+CARR7:172:182", "CPS+1"]  # fmt: skip
    k = 2
    while len(body) + 3 + 6 <= segments:
        body += [f"CPS+{k}+1", "PAC+1++CT", "PCI+33E", f"GIN+BJ+{k:020d}",
                 f"LIN+{k}++4006381333931:EN", "QTY+12:2:PCE"]  # fmt: skip
        k += 1
    lines = ["UNH+1+DESADV:D:96A:UN:EAN005", *body, f"CNT+2:{k - 2}"]
    return UNB + "'\n".join([*lines, f"UNT+{len(lines) + 1}+1"]) + "'\nUNZ+1+IC1'\n"


def refused_214(segments: int) -> str:
    """A 214 of (`segments` - 4) / 4 refused status events (ST, B10, L11 .. SE)."""
    event = "LX*1~AT7*ZZ*QQ***20261124*0715*LT~MS1*DALLAS*TX*US~L11*1Z777*2I~"
    events = (segments - 4) // 4
    body = "ST*214*0001~B10*1Z777*PO7777*DEMO~L11*PO7777*PO~" + event * events
    group = "GS*QM*SCAC*AMAZONDF*20261125*1200*1*X*004010~"
    return ISA + group + body + f"SE*{events * 4 + 4}*0001~GE*1*1~IEA*1*000000001~\n"


def refused_856(segments: int) -> str:
    """An 856 of `segments` segments: HL / LIN items (15 product ID pairs of 47 characters
    each), no SN1, so that the mapping refuses every item."""
    head = ["BSN*00*SHIP1*20261124*1830*0001", "HL*1**S", "TD5**2*UPSN*M*UPS Ground",
            "N1*SF*DC*92*ABCD", "N1*SE*Vendor*92*999US", "HL*2*1*O", "PRF*PO4711",
            "HL*3*2*P", "MAN*CP*1Z999AA10123456784"]  # fmt: skip
    qualifiers = ["BP", "VN", "UP", "EN", "SK", "PI", "CB", "IN", "MG", "UK", "UA", "VP", "PN",
                  "BV", "ZZ"]  # fmt: skip
    body, hl = list(head), 3
    while len(body) < segments - 4:
        hl += 1
        lin = f"LIN*{hl}" + "".join(f"*{q}*{q}{hl:010d}" + "X" * 35 for q in qualifiers)
        body += [f"HL*{hl}*3*I", lin]
    lines = ["ST*856*0001", *body, f"CTT*{hl}"]
    lines.append(f"SE*{len(lines) + 1}*0001")
    group = "GS*SH*SCAC*AMAZONDF*20261125*1200*1*X*004010~\n"
    return ISA + group + "~\n".join(lines) + "~\nGE*1*1~\nIEA*1*000000001~\n"


def wide_214(mb: int) -> str:
    """One 214 of about `mb` MB: L11 segments of 10,000 two-letter elements each."""
    segment = "L11" + "*ab" * 10_000
    count = mb * 1_000_000 // len(segment)
    group = "GS*QM*SCAC*AMAZONDF*20261125*1200*1*X*004010~\n"
    body = "ST*214*0001~\nB10*1Z4711*PO4711*DEMO~\n" + (segment + "~\n") * count
    return ISA + group + body + f"SE*{count + 3}*0001~\nGE*1*1~\nIEA*1*000000001~\n"


def tiny_sets(mb: int) -> str:
    """One group of about `mb` MB of sets of ST and SE alone (each faulty: no B10)."""
    count = mb * 1_000_000 // 22
    body = "".join(f"ST*214*{n % 10_000:04d}~SE*2*{n % 10_000:04d}~" for n in range(count))
    group = "GS*QM*SCAC*AMAZONDF*20261125*1200*1*X*004010~"
    return ISA + group + body + f"GE*{count}*1~IEA*1*000000001~\n"


def long_214(mb: int) -> str:
    """One 214 of about `mb` MB: L11 segments of one element of 1,000,000 characters each
    (under the tokenizer's 1 MiB segment limit; past max_set_characters)."""
    segment = "L11*" + "A" * 1_000_000 + "*PO"
    count = max(mb * 1_000_000 // len(segment), 1)
    group = "GS*QM*SCAC*AMAZONDF*20261125*1200*1*X*004010~\n"
    body = "ST*214*0001~\nB10*1Z4711*PO4711*DEMO~\n" + (segment + "~\n") * count
    return ISA + group + body + f"SE*{count + 3}*0001~\nGE*1*1~\nIEA*1*000000001~\n"


def _iftsta_of(segment: str, mb: int) -> str:
    count = max(mb * 1_000_000 // (len(segment) + 2), 1)
    head = ["UNH+1+IFTSTA:D:01B:UN", "BGM+77+ST1+9", "CNI+1+1Z00000001"]
    body = "'\n".join([*head, *[segment] * count, f"UNT+{count + 4}+1"])
    return UNB + body + "'\nUNZ+1+IC1'\n"


def wide_iftsta(mb: int) -> str:
    """One IFTSTA of about `mb` MB: RFF segments of 10,000 two-letter components each
    (past max_set_elements: components count)."""
    return _iftsta_of("RFF+ON" + ":ab" * 10_000, mb)


def long_iftsta(mb: int) -> str:
    """One IFTSTA of about `mb` MB: RFF segments of one component of 1,000,000 characters
    (past max_set_characters)."""
    return _iftsta_of("RFF+ON:" + "A" * 1_000_000, mb)


def long_controls_214(mb: int) -> str:
    """One group of `mb` 214 sets whose ST02 / SE02 are 500,000 characters (kept until
    the IEA for the 997: clipped)."""
    control = "1" * 500_000
    body = "".join(f"ST*214*{control}~\nB10*1Z4711*PO4711*DEMO~\nSE*3*{control}~\n"
                   for _ in range(mb))  # fmt: skip
    group = "GS*QM*SCAC*AMAZONDF*20261125*1200*1*X*004010~\n"
    return ISA + group + body + f"GE*{mb}*1~\nIEA*1*000000001~\n"


def long_controls_iftsta(mb: int) -> str:
    """One interchange of `mb` IFTSTA messages whose UNH / UNT 0062 are 500,000
    characters."""
    control = "1" * 500_000
    body = "".join(f"UNH+{control}+IFTSTA:D:01B:UN'\nBGM+77+ST1+9'\nUNT+3+{control}'\n"
                   for _ in range(mb))  # fmt: skip
    return UNB + body + f"UNZ+{mb}+IC1'\n"


SHAPES: list[tuple[str, Callable[[int], str], int]] = [
    ("groups X12", gs_groups, 10_000),
    ("groups X12", gs_groups, 200_000),
    ("groups IFTSTA", ung_groups, 10_000),
    ("groups IFTSTA", ung_groups, 100_000),
    ("faulty groups", faulty_groups, 20_000),
    ("stray sets", stray_sets, 20_000),
    ("856 segments", ship_notice_856, 5_000),
    ("856 segments", ship_notice_856, 50_000),
    ("DESADV segments", desadv, 5_000),
    ("DESADV segments", desadv, 50_000),
    ("refused 214", refused_214, 20_000),
    ("refused 214", refused_214, 48_000),
    ("856 refused", refused_856, 5_000),
    ("wide 214 MB", wide_214, 10),
    ("tiny sets MB", tiny_sets, 20),
    ("long 214 MB", long_214, 90),
    ("wide IFTSTA MB", wide_iftsta, 5),
    ("wide IFTSTA MB", wide_iftsta, 20),
    ("long IFTSTA MB", long_iftsta, 90),
    ("long ST02 MB", long_controls_214, 90),
    ("long UNH 0062 MB", long_controls_iftsta, 90),
]


def _command() -> list[str]:
    script = Path(sys.executable).with_name("edigw")
    return [str(script)] if script.exists() else [sys.executable, "-m", "gateway"]


def run(path: Path) -> tuple[float, float, str]:
    """(peak RSS in MB, seconds, verdict) of one `edigw translate` child process."""
    start = time.perf_counter()
    out = path.with_suffix(".json")
    with out.open("wb") as sink:
        child = subprocess.Popen([*_command(), *ARGS, str(path)], stdout=sink)
        _, _, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    text = out.read_text("utf-8", "replace")
    out.unlink()
    verdict = "accepted" if text.rstrip().endswith('"accepted": true}') else "rejected"
    for code in ("set_too_large", "interchange_too_large"):
        if f'"code": "{code}"' in text:
            verdict = code
    return usage.ru_maxrss / 1024, seconds, verdict


def write(name: str, count: int, path: Path) -> None:
    """Generate one row's file (in a child process of its own: the peak RSS wait4 reports
    for a child counts what its parent held when it forked)."""
    makers = {f"{shape} {number}": make for shape, make, number in SHAPES}
    if name == "faulty 214 MB":  # every MS2 with a SCAC too long: one AK3 / AK4 per event
        write_214(path, count)
        with path.open("r+", encoding="ascii") as file:  # a chunk at a time: same lengths
            for start in range(0, path.stat().st_size, 1 << 24):
                file.seek(start)
                chunk = file.read(1 << 24)
                file.seek(start)
                file.write(chunk.replace("MS2*SCAC*TRAILER42", "MS2*SCACXX*TRAILER"))
        return
    path.write_text(makers[f"{name} {count}"](count), "latin-1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faulty-mb", type=float, default=100, help="0: skip that row")
    parser.add_argument("--write", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write:
        name, count, out = args.write
        write(name, int(count), Path(out))
        return
    print(f"{'shape':<16} {'count':>8} {'MB':>6} {'verdict':<22} {'peak RSS MB':>11} {'s':>6}")
    rows: list[tuple[str, int]] = [(name, count) for name, _, count in SHAPES]
    if args.faulty_mb:
        rows.append(("faulty 214 MB", int(args.faulty_mb)))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "shape.edi"
        for name, count in rows:
            writer = [sys.executable, __file__, "--write", name, str(count), str(path)]
            subprocess.run(writer, check=True)
            mb = path.stat().st_size / 1e6
            rss, seconds, verdict = run(path)
            print(f"{name:<16} {count:>8} {mb:>6.1f} {verdict:<22} {rss:>11.1f} {seconds:>6.1f}")


if __name__ == "__main__":
    main()
