"""Console sessions expire after their idle time and are forgotten."""

from __future__ import annotations

from gateway.auth.operators import Operator
from gateway.console.sessions import SessionStore


def test_sessions_expire_and_close() -> None:
    store = SessionStore(ttl=3600)
    first = store.open(Operator("ops", "operator"))
    session = store.get(first)
    assert session is not None and session.operator.name == "ops" and len(session.csrf) > 30
    assert store.get("made-up") is None and store.get(None) is None
    store.ttl = -1  # every session is now past its idle time
    second = store.open(Operator("eve", "viewer"))  # also forgets the expired first one
    assert list(store._sessions) == [second]
    store.ttl = 3600
    assert store.get(first) is None and store.get(second) is not None
    store.close(second)
    assert store.get(second) is None
