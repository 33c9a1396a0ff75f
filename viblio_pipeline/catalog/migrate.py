"""Alembic, configured in code: no alembic.ini, no dependence on the cwd.

Upgrades hold a lock (SQLite: the write lock of BEGIN IMMEDIATE; MySQL:
GET_LOCK) so several workers starting at once on a fresh database migrate it
exactly once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MYSQL_LOCK = "viblio_catalog_migrate"
MYSQL_LOCK_SECONDS = 120


class MigrationError(RuntimeError):
    """The database's schema is not one this code knows."""


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the catalog has no migrations"
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, target: str = "head") -> tuple[str | None, str | None]:
    """Migrate to target; returns (revision before, revision after)."""
    before = current_revision(engine)
    with engine.connect() as connection, _migration_lock(connection):
        command.upgrade(alembic_config(connection), target)
        connection.commit()
    return before, current_revision(engine)


def ensure_current(engine: Engine) -> None:
    """Migrate a database that is behind; refuse one that is ahead of this code."""
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    known = {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if current is not None and current not in known:
        raise MigrationError(
            f"catalog is at revision {current!r}, unknown to this code (head {head!r}): "
            "is an older viblio-pipeline running against a newer database?"
        )
    upgrade(engine)


@contextmanager
def _migration_lock(connection: Connection) -> Iterator[None]:
    if connection.dialect.name != "mysql":
        yield  # SQLite: env.py runs the migration inside BEGIN IMMEDIATE
        return
    got = connection.execute(text("SELECT GET_LOCK(:name, :wait)"),
                             {"name": MYSQL_LOCK, "wait": MYSQL_LOCK_SECONDS}).scalar()
    if got != 1:
        raise MigrationError(f"could not take the migration lock within {MYSQL_LOCK_SECONDS} s")
    try:
        yield
    finally:
        connection.execute(text("SELECT RELEASE_LOCK(:name)"), {"name": MYSQL_LOCK})
