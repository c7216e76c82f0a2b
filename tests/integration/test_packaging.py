"""A plain `pip install .` (the wheel pip builds, not editable) runs with no extra variables:
the code tables ship with the package, the wheel carries the SP-API models' licence notice,
`edigw --version` answers. The dependencies come from this checkout's environment (no
network): the fresh environment sees them through a .pth line, the gateway itself only
through the install."""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
from pathlib import Path

from tests.integration.service import REPO


def test_installed_package_finds_its_code_tables(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    where_lib = "import sysconfig; print(sysconfig.get_path('purelib'))"
    purelib = subprocess.run([python, "-c", where_lib], capture_output=True, text=True,
                             check=True).stdout.strip()  # fmt: skip
    (Path(purelib) / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EDIGW_", "PYTHON"))}
    wheels = tmp_path / "wheels"  # built as `pip install .` builds it
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                            "--wheel-dir", str(wheels), str(REPO)],
                           capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert build.returncode == 0, build.stderr
    [wheel] = wheels.glob("edigw-*.whl")
    install = subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps",
                              "--no-index", str(wheel)],
                             capture_output=True, text=True, timeout=300, env=env,
                             check=False)  # fmt: skip
    assert install.returncode == 0, install.stderr
    where = subprocess.run([python, "-c", "import gateway; print(gateway.__file__)"], cwd=tmp_path,
                           capture_output=True, text=True, env=env, check=True).stdout  # fmt: skip
    assert where.startswith(str(venv)), where  # the installed copy, not the checkout
    assert (Path(where).parent / "data" / "NOTICE.md").is_file()
    console = Path(where).parent / "console"  # the ops console's pages and assets
    assert (console / "templates" / "file.html").is_file()
    assert (console / "static" / "console.css").is_file()

    edigw = venv / "bin" / "edigw"
    version = subprocess.run([edigw, "--version"], capture_output=True, text=True, env=env,
                             cwd=tmp_path, check=False)  # fmt: skip
    assert version.returncode == 0 and version.stdout.startswith("edigw 0."), version
    sample = REPO / "samples" / "01-x12-214-delivered" / "input.edi"
    translated = subprocess.run([edigw, "translate", str(sample), "--partner", "demo"],
                                capture_output=True, text=True, env=env, cwd=tmp_path,
                                timeout=120, check=False)  # fmt: skip
    assert translated.returncode == 0, translated.stderr
    result = json.loads(translated.stdout)
    assert result["accepted"] is True and result["requests"], result
