"""Catalog tests run on SQLite and, when VIBLIO_TEST_MYSQL_URL is set, on MariaDB.

MariaDB tests use a fresh database per test session (created here, dropped at
the end) and empty its tables after each test, so nothing is left behind.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from viblio_pipeline.catalog import Base, Catalog, close_catalogs, open_catalog
from viblio_pipeline.config import Config, load_config

MYSQL_ENV = "VIBLIO_TEST_MYSQL_URL"
ConfigFactory = Callable[..., Config]


def _server_url() -> str:
    url = os.environ.get(MYSQL_ENV)
    if not url:
        pytest.skip(f"MariaDB/MySQL catalog tests need {MYSQL_ENV} (e.g. mysql+pymysql://root@127.0.0.1:3306/test)")
    return url


@pytest.fixture(scope="session")
def mysql_database() -> Iterator[Callable[[], str]]:
    """A factory of fresh, uniquely named databases on the test server; all dropped at the end."""
    created: list[str] = []
    server = None

    def create() -> str:
        nonlocal server
        base = make_url(_server_url())
        server = server or create_engine(base)
        name = f"viblio_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with server.connect() as conn:
            conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
        created.append(name)
        return base.set(database=name).render_as_string(hide_password=False)

    yield create
    close_catalogs()
    if server is not None:
        with server.connect() as conn:
            for name in created:
                conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        server.dispose()


@pytest.fixture(scope="session")
def mysql_url(mysql_database: Callable[[], str]) -> str:
    return mysql_database()


@pytest.fixture(params=["sqlite", pytest.param("mysql", marks=pytest.mark.mysql)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_config(request: pytest.FixtureRequest, backend: str, conf_dir: Path,
                tmp_path: Path) -> ConfigFactory:
    """Config rooted in tmp_path whose catalog is this test's backend."""

    def build(fresh_database: bool = False, **extra: str) -> Config:
        environ = {"VIBLIO__PATHS__ROOT": str(tmp_path), **extra}
        if backend == "mysql":
            url = (request.getfixturevalue("mysql_database")() if fresh_database
                   else request.getfixturevalue("mysql_url"))
            environ["VIBLIO__CATALOG__URL"] = url
        return load_config("local", conf_dir, environ=environ)

    return build


@pytest.fixture
def catalog(make_config: ConfigFactory, backend: str) -> Iterator[Catalog]:
    opened = open_catalog(make_config())
    yield opened
    if backend == "mysql":  # shared database: empty it for the next test
        with opened.engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
    else:
        close_catalogs()
