"""Running the emulator with uvicorn: blocking (`edigw emulator`) or in a background thread
for tests and benchmarks (`running_emulator`).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from gateway.emulator.app import create_app
from gateway.emulator.config import EmulatorConfig, Settle
from gateway.emulator.faults import quiet_dropped_connections

__all__ = ["running_emulator", "serve_emulator"]


def serve_emulator(
    port: int,
    host: str = "127.0.0.1",
    *,
    client_id: str,
    client_secret: str,
    refresh_token: str,
    rate: float,
    burst: int,
    settle: Settle,
    settle_after: float,
) -> None:
    """Serve the emulator until interrupted (Ctrl-C)."""
    config = EmulatorConfig(
        client_id=client_id,
        client_secret=client_secret,
        refresh_token=refresh_token,
        rate=rate,
        burst=burst,
        settle=settle,
        settle_after=settle_after,
    )
    server = uvicorn.Server(uvicorn.Config(create_app(config), host=host, port=port))
    print(
        f"edigw emulator on http://{host}:{port} (settle={settle}, "
        f"settle_after={settle_after:g} s)",
        flush=True,
    )
    quiet_dropped_connections()
    server.run()


@contextmanager
def running_emulator(config: EmulatorConfig | None = None) -> Iterator[str]:
    """Run the emulator on a free loopback port in a thread; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app(config or EmulatorConfig())
    uv_config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(uv_config)
    quiet_dropped_connections()
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="edigw-emulator", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + 10.0
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the SP-API emulator did not start")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10.0)
        sock.close()
