"""The optional mypyc build (issue 11): which modules a run imports, and setup.py's opt-in.

`make test` runs the suite twice: against the pure-Python editable install, then with
`build/compiled` (`make compiled`) first on PYTHONPATH and EDIGW_EXPECT_COMPILED=1. The
first test fails when a run did not import the build it claims to test: a compiled run that
silently fell back to the pure modules, or a pure run that picked up a compiled module.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import gateway

REPO = Path(__file__).resolve().parents[1]


def _setup() -> ModuleType:
    """setup.py as a module (its `setup()` call runs only as __main__)."""
    spec = importlib.util.spec_from_file_location("edigw_setup", REPO / "setup.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _module_name(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".")


def test_the_run_imports_the_build_it_expects() -> None:
    expected = os.environ.get("EDIGW_EXPECT_COMPILED") == "1"
    listed = _setup().compiled_modules(REPO)
    assert "gateway/parse/x12_common.py" in listed
    for path in listed:
        module = importlib.import_module(_module_name(path))
        assert module.__file__ is not None
        assert module.__file__.endswith(".so") is expected, (module.__file__, expected)
    # and no other: every extension module in the imported package is a listed one (or
    # the shared library mypyc makes for one, `<module>__mypyc`)
    package = Path(gateway.__file__).parent
    names = (p.relative_to(package).as_posix().split(".")[0] for p in package.rglob("*.so"))
    extensions = {_module_name(f"gateway/{name}") for name in names}
    extensions = {name for name in extensions if not name.endswith("__mypyc")}
    assert extensions == ({_module_name(p) for p in listed} if expected else set())


def test_a_subprocess_from_the_checkout_imports_the_same_build() -> None:
    # as test_cli runs `python -m gateway` with the checkout as its working directory:
    # Python puts that directory first on the path, before PYTHONPATH's build/compiled,
    # unless PYTHONSAFEPATH (make unit-compiled) says not to
    expected = os.environ.get("EDIGW_EXPECT_COMPILED") == "1"
    done = subprocess.run(
        [sys.executable, "-c", "import gateway.parse.x12_common as m; print(m.__file__)"],
        capture_output=True, text=True, cwd=REPO, timeout=60, check=True,
    )  # fmt: skip
    assert done.stdout.strip().endswith(".so") is expected, (done.stdout, expected)


def test_the_compiled_list_leaves_out_the_excluded_modules() -> None:
    listed = _setup().compiled_modules(REPO)
    for pure in ("gateway/mapping/payloads.py", "gateway/mapping/codes.py",
                 "gateway/parse/__init__.py"):  # fmt: skip
        assert (REPO / pure).is_file() and pure not in listed
    assert all((REPO / path).is_file() for path in listed)


def test_no_extension_without_the_opt_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EDIGW_MYPYC", raising=False)
    assert _setup()._ext_modules() == []
    monkeypatch.setenv("EDIGW_MYPYC", "0")
    assert _setup()._ext_modules() == []


@pytest.mark.parametrize(
    "argv",
    [["setup.py", "editable_wheel", "--dist-info-dir", "x"], ["setup.py", "develop"],
     ["setup.py", "build_ext", "--inplace"], ["setup.py", "-q", "build_ext", "-i"]],
)  # fmt: skip
def test_never_compiled_into_the_checkout(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # a library beside its .py would run instead of the edited source ever after
    setup = _setup()
    monkeypatch.setenv("EDIGW_MYPYC", "1")
    monkeypatch.setattr(sys, "argv", argv)
    assert setup._ext_modules() == []
    assert "ignored for a build into the checkout" in capsys.readouterr().err
    # and the builds that do compile are not taken for one
    for build in (["setup.py", "bdist_wheel"], ["setup.py", "--quiet", "build_py",
                  "--build-lib", "build/compiled", "build_ext", "--build-lib", "b"]):  # fmt: skip
        assert not setup.in_place(build)


def test_pure_build_when_the_compiler_is_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    setup = _setup()
    monkeypatch.setenv("EDIGW_MYPYC", "1")
    cc = "no-such-cc-edigw -pthread"
    monkeypatch.setattr(setup.sysconfig, "get_config_var", lambda n: cc if n == "CC" else None)
    assert setup.compiler_ready() == "no C compiler (no-such-cc-edigw)"
    assert setup._ext_modules() == []
    assert "EDIGW_MYPYC=1 but no C compiler (no-such-cc-edigw): building pure" in (
        capsys.readouterr().err
    )


def test_pure_build_when_the_python_headers_are_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    setup = _setup()
    monkeypatch.setattr(setup.sysconfig, "get_config_var", lambda name: sys.executable)
    monkeypatch.setattr(setup.sysconfig, "get_paths", lambda: {"include": str(tmp_path)})
    assert setup.compiler_ready() == f"no Python headers ({tmp_path / 'Python.h'})"


def _patched_names(tree: ast.Module) -> Iterator[tuple[str, str, int]]:
    """(module, name, line) of every `monkeypatch.setattr(module, "name", ...)` (or
    `setattr("module.name", ...)`) in a test module, `module` resolved through its imports."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            aliases.update((a.asname or a.name, a.name) for a in node.names if a.asname)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            aliases.update((a.asname or a.name, f"{node.module}.{a.name}") for a in node.names)
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "setattr" and node.args):  # fmt: skip
            continue
        target = node.args[0]
        if isinstance(target, ast.Constant) and isinstance(target.value, str):
            module, _, name = target.value.rpartition(".")
            yield module, name, node.lineno
        elif len(node.args) > 1 and isinstance(node.args[1], ast.Constant):
            dotted = ast.unparse(target)  # `pipeline` or `gateway.pipeline`
            head, _, rest = dotted.partition(".")
            module = f"{aliases[head]}.{rest}".rstrip(".") if head in aliases else dotted
            yield module, str(node.args[1].value), node.lineno


def test_no_test_patches_what_a_compiled_module_calls_directly() -> None:
    # Code that mypyc compiled calls a function or class of a compiled module, and reads its
    # Final names, directly: a test that patches one there proves nothing in the compiled
    # run (its plain module-level values are read from the module's namespace, and may be
    # patched). Patch the caller's seam instead (test_memory_recording.py).
    compiled = {_module_name(path) for path in _setup().compiled_modules(REPO)}
    found = []
    for path in sorted((REPO / "tests").rglob("*.py")):
        for module, name, line in _patched_names(ast.parse(path.read_text(encoding="utf-8"))):
            if module not in compiled:
                continue
            imported = importlib.import_module(module)
            value = getattr(imported, name, None)
            final = "Final" in str(getattr(imported, "__annotations__", {}).get(name))
            if callable(value) or final:
                found.append(f"{path.relative_to(REPO)}:{line}: {module}.{name}")
    assert found == []


def test_the_benchmark_skips_a_build_older_than_the_sources(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("edigw_bench", REPO / "benchmarks/translate.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    for source in (REPO / "gateway").rglob("*.py"):
        copy = tmp_path / source.relative_to(REPO)
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(source.read_bytes())
    assert bench.stale(tmp_path) == []
    edited = tmp_path / "gateway/parse/x12_214.py"
    edited.write_bytes(edited.read_bytes() + b"\n# before an edit\n")
    (tmp_path / "gateway/origin.py").unlink()
    assert bench.stale(tmp_path) == ["gateway/origin.py", "gateway/parse/x12_214.py"]
