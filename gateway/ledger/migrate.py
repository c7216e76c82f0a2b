"""Alembic, run in-process: `upgrade(engine)` at start-up, `downgrade(engine, rev)` for tests
and rollbacks. The scripts ship inside the package (migrations/, alembic.ini), so this works
from an installed wheel; `alembic -c gateway/ledger/alembic.ini ...` works from a checkout."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, inspect, text

from gateway.ledger.states import LedgerError

__all__ = [
    "SchemaTooNew", "alembic_config", "check_schema", "current_revision", "downgrade",
    "head_revision", "upgrade",
]  # fmt: skip

_HERE = Path(__file__).resolve().parent


def alembic_config(engine: Engine | None = None) -> Config:
    """Alembic's config for the packaged scripts; with `engine`, its URL."""
    config = Config(str(_HERE / "alembic.ini"))
    config.set_main_option("script_location", str(_HERE / "migrations"))
    if engine is not None:
        url = engine.url.render_as_string(hide_password=False).replace("%", "%%")
        config.set_main_option("sqlalchemy.url", url)
    return config


class SchemaTooNew(LedgerError):
    """The ledger was migrated by a newer release, to a revision this one does not know: it
    is not touched (one line for the operator, not Alembic's traceback)."""


def check_schema(engine: Engine) -> None:
    """Raise SchemaTooNew when the database is at a revision that the packaged scripts do
    not name (a newer release migrated it, or the row is not Alembic's); nothing is
    changed. A database never migrated passes."""
    with engine.connect() as connection:
        _refuse_unknown(connection, alembic_config(engine))


def _refuse_unknown(connection: Connection, config: Config) -> None:
    # read as plain SQL: Alembic's MigrationContext logs its set-up, and a refusal is to be
    # the operator's one line
    if not inspect(connection).has_table("alembic_version"):
        return
    found = list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
    script = ScriptDirectory.from_config(config)
    for current in found:
        try:
            known = bool(current) and script.get_revision(current) is not None
        except CommandError:
            known = False
        if not known:
            head = head_revision()
            raise SchemaTooNew(
                f"the ledger's schema is at revision {current!r}, which this release does not "
                f"know (a newer release migrated it, or the row is not Alembic's); this one "
                f"goes up to {head!r}: run the newer release, or first take the ledger back "
                "with `alembic -c "
                f"gateway/ledger/alembic.ini -x url=... downgrade {head}` from the newer "
                "release's checkout (README, Ledger)"
            )


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Alembic upgrade to `revision`. Raises SchemaTooNew, before any change, when the
    database is at a revision that the packaged scripts do not name (`check_schema`)."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        _refuse_unknown(connection, config)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: never migrated)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
