"""From config to a SQLAlchemy engine: SQLite by default, MySQL via PyMySQL.

SQLite runs in WAL mode with a busy timeout, and every transaction starts
with BEGIN IMMEDIATE: concurrent writers (one process per stage) then queue
for the write lock instead of failing with "database is locked" when a read
transaction tries to become a write.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, make_url

from viblio_pipeline.config import Config

SQLITE_BUSY_TIMEOUT_MS = 30_000


def catalog_url(config: Config) -> URL:
    """The configured URL with a relative SQLite path resolved under the project
    root and the MySQL password taken from the secrets."""
    url = make_url(config.settings.catalog.url)
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            path = config.path(database)
            path.parent.mkdir(parents=True, exist_ok=True)
            url = url.set(database=str(path))
    elif url.password is None and config.secrets.db_password is not None:
        url = url.set(password=config.secrets.db_password.get_secret_value())
    return url


def make_engine(url: URL, echo: bool = False) -> Engine:
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url, echo=echo,
                               connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _tune_sqlite(engine)
        return engine
    connect_args = {"charset": "utf8mb4"} if url.get_backend_name() == "mysql" else {}
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_recycle=3600, connect_args=connect_args)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def safe_url(url: URL) -> str:
    """The URL for messages and logs, password hidden."""
    return url.render_as_string(hide_password=True)
