"""From config to database URL and engine."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from viblio_pipeline.catalog import catalog_url, safe_url
from viblio_pipeline.catalog.engine import make_engine
from viblio_pipeline.config import load_config


def test_relative_sqlite_path_hangs_off_the_project_root(conf_dir: Path, tmp_path: Path) -> None:
    config = load_config("local", conf_dir, environ={"VIBLIO__PATHS__ROOT": str(tmp_path)})
    assert catalog_url(config).database == str(tmp_path / "var" / "catalog.sqlite3")


def test_mysql_password_comes_from_the_secret_and_is_hidden_in_messages(conf_dir: Path) -> None:
    config = load_config("local", conf_dir, environ={
        "VIBLIO__CATALOG__URL": "mysql+pymysql://viblio@db.example:3306/viblio",
        "VIBLIO_DB_PASSWORD": "s3cret/+@",
    })
    url = catalog_url(config)
    assert url.password == "s3cret/+@"
    assert "s3cret" not in safe_url(url)


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(conf_dir: Path, tmp_path: Path) -> None:
    config = load_config("local", conf_dir, environ={"VIBLIO__PATHS__ROOT": str(tmp_path)})
    engine = make_engine(catalog_url(config))
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA busy_timeout")).scalar_one() >= 10_000
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()
