"""One user's face bookkeeping at a time, across processes and hosts.

Two videos of one user recognised at once must not both create "the new
person" they share. On SQLite every catalog transaction starts with BEGIN
IMMEDIATE, which already serialises writers. On MySQL/MariaDB a named lock
(GET_LOCK) per user is taken on the connection before its transaction
starts, so the transaction's snapshot is taken after the previous holder
committed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.orm import Session

from viblio_pipeline.catalog import Catalog

LOCK_WAIT_SECONDS = 120


class UserBusy(RuntimeError):
    """Another process held the user's lock for longer than we wait."""


def lock_name(user_uuid: str) -> str:
    """MySQL lock names are at most 64 characters: hash the user's id."""
    return "viblio.faces." + hashlib.sha1(user_uuid.encode()).hexdigest()


@contextmanager
def user_transaction(catalog: Catalog, user_uuid: str, wait: int = LOCK_WAIT_SECONDS) -> Iterator[Session]:
    """A transaction that no other process runs for the same user at the same time."""
    engine = catalog.engine
    if engine.dialect.name != "mysql":
        with catalog.session() as session:
            yield session
        return
    name = lock_name(user_uuid)
    with engine.connect() as connection:
        got = connection.execute(text("SELECT GET_LOCK(:name, :wait)"), {"name": name, "wait": wait}).scalar()
        connection.commit()
        if got != 1:
            raise UserBusy(f"user {user_uuid!r}: face bookkeeping lock not obtained within {wait} s")
        try:
            with Session(bind=connection, expire_on_commit=False) as session, session.begin():
                yield session
        finally:
            connection.execute(text("SELECT RELEASE_LOCK(:name)"), {"name": name})
            connection.commit()
