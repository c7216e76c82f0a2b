"""A local stand-in for Amazon: LWA tokens, DF Shipping V1 submits, DF Transactions V1 status,
a real token bucket, business rules and switchable fault injection (`edigw emulator`).
"""

from gateway.emulator.app import create_app
from gateway.emulator.config import EmulatorConfig
from gateway.emulator.faults import Faults
from gateway.emulator.run import running_emulator, serve_emulator

__all__ = ["EmulatorConfig", "Faults", "create_app", "running_emulator", "serve_emulator"]
