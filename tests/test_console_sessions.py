"""Console sessions expire after their idle time and are forgotten."""

from __future__ import annotations

import time

from gateway.auth.operators import Operator
from gateway.console.sessions import SessionStore


def test_sessions_expire_and_close() -> None:
    store = SessionStore(ttl=0.2)
    first = store.open(Operator("ops", "operator"))
    session = store.get(first)
    assert session is not None and session.operator.name == "ops" and len(session.csrf) > 30
    assert store.get("made-up") is None and store.get(None) is None
    time.sleep(0.3)
    second = store.open(Operator("eve", "viewer"))  # also forgets the expired first one
    assert store.get(first) is None and len(store._sessions) == 1
    store.close(second)
    assert store.get(second) is None
