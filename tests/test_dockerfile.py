"""The container image (no Docker daemon needed): built from the package only (no samples, no
demo partners loaded, no partner at all), ports from EDIGW_* so the HEALTHCHECK follows
them; the HEALTHCHECK's own command is run against a local server on another port."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

REPO = Path(__file__).resolve().parents[1]
DOCKERFILE = (REPO / "Dockerfile").read_text()


def _final_stage() -> str:
    return DOCKERFILE.rsplit("\nFROM ", 1)[1]


def test_image_holds_the_package_only() -> None:
    final = _final_stage()
    copies = [line for line in final.splitlines() if line.startswith(("COPY", "ADD"))]
    assert copies == ["COPY --from=build /wheels /wheels"], copies
    assert "samples" not in DOCKERFILE.replace("no samples", "")
    ignored = (REPO / ".dockerignore").read_text().split()
    assert "samples" in ignored and "tests" in ignored
    assert "--demo" not in final and "EDIGW_PARTNERS_DIR=/etc/edigw/partners" in final
    [cmd] = [line for line in final.splitlines() if line.startswith("CMD")]
    assert "port" not in cmd  # options would beat EDIGW_HTTP_PORT, which the check follows


class _Health(BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.seen.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"status": "ok"}')

    def log_message(self, *args: object) -> None:
        pass


def test_healthcheck_follows_the_configured_port() -> None:
    [line] = [x for x in _final_stage().splitlines() if x.startswith("HEALTHCHECK")]
    command = shlex.split(re.sub(r"^HEALTHCHECK .*?CMD ", "", line))
    assert command[:2] == ["python", "-c"]
    server = HTTPServer(("127.0.0.1", 0), _Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        env = {**os.environ, "EDIGW_HTTP_PORT": str(server.server_address[1])}
        check = subprocess.run([sys.executable, "-c", command[2]], env=env, timeout=30,
                               capture_output=True, check=False)  # fmt: skip
        assert check.returncode == 0, check.stderr
        assert _Health.seen == ["/healthz"]
        env["EDIGW_HTTP_PORT"] = "1"  # nothing listens there: unhealthy
        failed = subprocess.run([sys.executable, "-c", command[2]], env=env, timeout=30,
                                capture_output=True, check=False)  # fmt: skip
        assert failed.returncode != 0
    finally:
        server.shutdown()
