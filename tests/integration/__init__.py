"""Integration tests: the gateway against real servers on loopback (the SP-API emulator)."""
