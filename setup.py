"""Optional mypyc build of the translation hot path (issue 11).

The package is pure Python and that is the default: `pip install .` / `pip install -e .`
build no extension. With `EDIGW_MYPYC=1` in the environment, and a C compiler and the
Python headers present, the modules listed under `[tool.edigw.mypyc]` in pyproject.toml
are compiled with mypyc (mypy's compiler, which needs mypy and the gateway's dependencies
importable at build time: build with `--no-build-isolation` in an environment that has
them, as `make compiled` and the Dockerfile do). Without a compiler the build says why on
stderr and stays pure; `make test` proves which one a run imported
(tests/test_compiled_build.py).

    make compiled   # the compiled modules, with the pure ones beside them, in build/compiled
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import sys
import sysconfig
import tomllib
from pathlib import Path

from setuptools import setup  # type: ignore[import-untyped]
from setuptools.command.build_ext import build_ext  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parent


def compiled_modules(root: Path = ROOT) -> list[str]:
    """The source files mypyc compiles (posix paths relative to `root`): every file the
    `include` globs of `[tool.edigw.mypyc]` match, less the `exclude` globs, sorted."""
    config = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["edigw"]["mypyc"]
    found = {p.relative_to(root).as_posix() for g in config["include"] for p in root.glob(g)}
    return sorted(
        path for path in found if not any(fnmatch.fnmatch(path, g) for g in config["exclude"])
    )


def compiler_ready() -> str | None:
    """None when a C compiler and Python.h are present, else what is missing."""
    cc = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(cc) is None:
        return f"no C compiler ({cc})"
    include = Path(sysconfig.get_paths()["include"]) / "Python.h"
    if not include.is_file():
        return f"no Python headers ({include})"
    return None


def in_place(argv: list[str]) -> bool:
    """Whether the setup command builds into the checkout itself: an editable install
    (`pip install -e .`: editable_wheel), `setup.py develop`, `build_ext --inplace`."""
    commands = {"editable_wheel", "develop", "--inplace", "-i"}
    return any(arg in commands for arg in argv[1:])


def _ext_modules() -> list[object]:
    if os.environ.get("EDIGW_MYPYC") != "1":
        return []
    if in_place(sys.argv):
        # a library beside its .py would shadow every later edit of it in `make run`,
        # `edigw` and the pure test run: the compiled modules live in build/compiled only
        print(
            "edigw: EDIGW_MYPYC=1 is ignored for a build into the checkout (editable or"
            " in place): building pure Python; `make compiled` builds them",
            file=sys.stderr,
        )
        return []
    missing = compiler_ready()
    if missing:
        print(f"edigw: EDIGW_MYPYC=1 but {missing}: building pure Python", file=sys.stderr)
        return []
    from mypyc.build import mypycify

    # separate: one C file and library per module, so `make compiled` builds them on both
    # cores and rebuilds only what changed
    return list(mypycify(compiled_modules(), opt_level="3", debug_level="0", separate=True,
                         target_dir="build/mypyc"))  # fmt: skip


class _BuildExt(build_ext):  # type: ignore[misc]
    """build_ext that also deletes, from a build directory used again (`make compiled`),
    the libraries of a module no longer compiled: they would shadow its .py."""

    def run(self) -> None:
        super().run()
        if self.inplace or not self.extensions:
            return
        built = {Path(self.get_ext_fullpath(ext.name)).resolve() for ext in self.extensions}
        for library in Path(self.build_lib, "gateway").rglob("*.so"):
            if library.resolve() not in built:
                library.unlink()


if __name__ == "__main__":
    setup(ext_modules=_ext_modules(), cmdclass={"build_ext": _BuildExt})
