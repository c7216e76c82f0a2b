"""`edigw translate` of a small file starts without what only the service needs: the start-up
of a 1 KB file is issue 11's target (under 0.5 s, benchmarks/translate.py), and importing
SQLAlchemy, Alembic, FastAPI, asyncssh or the ledger costs more than that budget's half.
Measured by what the command imported, not by a timed test."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SMALL = (
    "ISA*00*          *00*          *02*SCAC           *ZZ*AMAZONDF       *261125*1200*U*"
    "00401*000000001*0*P*>~GS*QM*SCAC*AMAZONDF*20261125*1200*1*X*004010~ST*214*0001~"
    "B10*1*PO1*SCAC~LX*1~AT7*D1*NS***20261124*1030*ET~L11*1Z1*2I~SE*6*0001~GE*1*1~"
    "IEA*1*000000001~"
)
HEAVY = ("sqlalchemy", "alembic", "fastapi", "asyncssh", "gateway.ledger", "gateway.service",
         "uvicorn", "apscheduler")  # fmt: skip
PROBE = """
import json, sys
from gateway.cli import main
sys.argv = ["edigw", "translate", "--selling-party", "999US", "--ship-from", "ABCD", sys.argv[1]]
try:
    main()
except SystemExit:
    pass
heavy = sorted({m.split(".")[0] if not m.startswith("gateway.") else ".".join(m.split(".")[:2])
                for m in sys.modules})
print(json.dumps(heavy), file=sys.stderr)
"""


def test_translate_imports_nothing_of_the_service(tmp_path: Path) -> None:
    source = tmp_path / "small.edi"
    source.write_text(SMALL, encoding="ascii")
    done = subprocess.run([sys.executable, "-c", PROBE, str(source)], capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip
    assert '"accepted": true' in done.stdout, done
    imported = set(json.loads(done.stderr.strip().splitlines()[-1]))
    assert "gateway.cli" in imported and "gateway.pipeline" in imported  # the probe works
    assert not imported & set(HEAVY), sorted(imported & set(HEAVY))
