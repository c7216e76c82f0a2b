"""Benchmark: instructions `edigw translate` executes per MB, counted by valgrind (issue 11).

Seconds on a shared host scatter by a quarter from one run to the next, so a change worth a
few per cent cannot be told from noise by timing (`benchmarks/translate.py`). The count of
instructions a child executes is the same to 0.05% run after run: this prints it. Each row
translates a generated file of each kind (the ones `benchmarks/translate.py` makes: the
issue's 214, the same with a time of its own per scan, a 214 mailbag, an IFTSTA, an IFTSTA
mailbag) at two sizes, as `edigw translate` does (`translate._edigw`, bytecode compiled
first), under `valgrind --tool=cachegrind --cache-sim=no`; the difference of the two counts
over the difference of the sizes is the cost of a MB of that kind (imports and start-up,
the same at both sizes, fall out), and the smaller run's count is shown too. Give several
checkouts (`--checkout DIR`, e.g. a `git worktree` of the commit before a change) to see
them side by side, each the ratio to the first.

    .venv/bin/python benchmarks/translate_instructions.py [--mb 1 2] [--only 214|iftsta]
        [--checkout DIR ...]

Needs valgrind (Debian: `apt-get install valgrind`); about 15 s a run. Instructions are
not time (a cache miss costs more than an add), but on the same interpreter and files a
change that removes work shows here first.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

from translate import write_214, write_iftsta  # the same generated files

HERE = Path(__file__).resolve().parent
KINDS: list[tuple[str, str, Callable[[Path, float], int]]] = [
    ("X12 214", "214", write_214),
    ("214 own times", "214", partial(write_214, distinct_times=True)),
    ("214 mailbag", "214", partial(write_214, mailbag=True)),
    ("EDIFACT IFTSTA", "iftsta", write_iftsta),
    ("IFTSTA mailbag", "iftsta", partial(write_iftsta, mailbag=True)),
]
_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")
# the child: translate one file as `edigw translate` does (translate._edigw); exit 3 when
# it translated no event (a build that drops them must not pass for a fast one)
_CHILD = (
    "import sys; sys.path.insert(0, {here!r}); import translate; "
    "sys.exit(0 if translate._edigw(sys.argv[1], False) else 3)"
)


def instructions(path: Path, checkout: Path) -> int:
    """The instructions a child translating `path` with the gateway of `checkout` executes
    (valgrind cachegrind's "I refs"). RuntimeError when valgrind prints none, or the
    child translated no event."""
    env = {**os.environ, "PYTHONPATH": str(checkout), "PYTHONSAFEPATH": "1"}
    out = subprocess.run(
        ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
         sys.executable, "-c", _CHILD.format(here=str(HERE)), str(path)],
        check=False, capture_output=True, text=True, env=env, cwd=tempfile.gettempdir(),
    )  # fmt: skip
    found = _REFS.search(out.stderr)
    if out.returncode == 3:
        raise RuntimeError(f"{checkout} translated no event of {path}")
    if found is None:
        raise RuntimeError(f"valgrind gave no count: {out.stderr.strip()[-300:]}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, nargs=2, default=(1.0, 2.0),
                        help="the two sizes of each generated file")  # fmt: skip
    parser.add_argument("--only", choices=["214", "iftsta"], help="one file type only")
    parser.add_argument("--checkout", action="append", type=Path,
                        help="a checkout to measure (default: this one)")  # fmt: skip
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind): nothing measured")
        return
    checkouts = [c.resolve() for c in (args.checkout or [HERE.parent])]
    for checkout in checkouts:  # bytecode first, as an installed package has it
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(checkout / "gateway")],
                       check=False)  # fmt: skip
    small, large = sorted(args.mb)
    print(f"{'file':15} {'checkout':30} {'M instr/MB':>10} {'x first':>7} "
          f"{'M instr at ' + f'{small:g} MB':>16}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        for name, suffix, writer in KINDS:
            if args.only and suffix != args.only:
                continue
            paths = []
            for mb in (small, large):
                path = Path(tmp) / f"{name.replace(' ', '_')}_{mb:g}.{suffix}"
                writer(path, mb)
                paths.append(path)
            megabytes = (paths[1].stat().st_size - paths[0].stat().st_size) / 1_000_000
            first = 0.0
            for checkout in checkouts:
                try:
                    low, high = (instructions(p, checkout) for p in paths)
                except RuntimeError as exc:
                    print(f"{name:15} {str(checkout)[-30:]:30} {exc}")
                    continue
                per_mb = (high - low) / megabytes / 1e6
                first = first or per_mb
                print(f"{name:15} {str(checkout)[-30:]:30} {per_mb:10.0f} "
                      f"{per_mb / first:7.3f} {low / 1e6:16.0f}")  # fmt: skip


if __name__ == "__main__":
    main()
