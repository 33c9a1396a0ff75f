"""Migrations: a fresh database comes up at head, and matches the models."""

from __future__ import annotations

from collections.abc import Callable

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from viblio_pipeline.catalog import Base, MigrationError, catalog_url, open_catalog
from viblio_pipeline.catalog.engine import make_engine
from viblio_pipeline.catalog.migrate import current_revision, ensure_current, head_revision, upgrade
from viblio_pipeline.config import Config

ConfigFactory = Callable[..., Config]
TABLES = {"media", "media_assets", "stage_records", "faces", "contacts", "alembic_version"}


def test_opening_a_fresh_database_migrates_it_to_head(make_config: ConfigFactory) -> None:
    config = make_config(fresh_database=True)
    catalog = open_catalog(config)
    assert current_revision(catalog.engine) == head_revision()
    assert set(inspect(catalog.engine).get_table_names()) >= TABLES


def test_upgrade_from_empty_reports_the_revisions_and_is_idempotent(make_config: ConfigFactory) -> None:
    engine = make_engine(catalog_url(make_config(fresh_database=True)))
    try:
        assert upgrade(engine) == (None, head_revision())
        assert upgrade(engine) == (head_revision(), head_revision())
    finally:
        engine.dispose()


def test_migrations_create_exactly_what_the_models_declare(make_config: ConfigFactory, backend: str) -> None:
    engine = make_engine(catalog_url(make_config(fresh_database=True)))
    try:
        upgrade(engine)
        with engine.connect() as conn:
            # MariaDB reports JSON columns as LONGTEXT, so types are compared on SQLite only.
            context = MigrationContext.configure(conn, opts={"compare_type": backend == "sqlite"})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_a_database_from_a_newer_release_is_refused(make_config: ConfigFactory) -> None:
    engine = make_engine(catalog_url(make_config(fresh_database=True)))
    try:
        upgrade(engine)
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
        try:
            ensure_current(engine)
        except MigrationError as exc:
            assert "9999_future" in str(exc) and "unknown to this code" in str(exc)
        else:
            raise AssertionError("a newer schema was accepted")
    finally:
        engine.dispose()
