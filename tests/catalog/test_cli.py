"""`viblio-pipeline db ...` and `viblio-pipeline media ...` as an operator runs them."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from viblio_pipeline.catalog import close_catalogs, open_catalog
from viblio_pipeline.cli.main import cli
from viblio_pipeline.config import load_config

Run = Callable[..., Result]


@pytest.fixture
def run(conf_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Run]:
    monkeypatch.setenv("VIBLIO_CONF_DIR", str(conf_dir))
    monkeypatch.setenv("VIBLIO__PATHS__ROOT", str(tmp_path))
    monkeypatch.delenv("VIBLIO__CATALOG__URL", raising=False)

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    yield invoke
    close_catalogs()


def _seed(conf_dir: Path, tmp_path: Path) -> None:
    catalog = open_catalog(load_config("local", conf_dir, environ={"VIBLIO__PATHS__ROOT": str(tmp_path)}))
    catalog.create_media("m1", "u1", title="Beach")
    catalog.set_media_status("m1", "processing")
    catalog.add_asset("m1", "main", "file:///main.mp4", "video/mp4", 2048, width=1280, height=720)
    catalog.record_stage("m1", "transcode", "failed", attempt=2, error="ffmpeg died")
    catalog.create_media("m2", "u2")


def test_db_current_on_an_empty_database_says_it_is_behind(run: Run, tmp_path: Path) -> None:
    result = run("db", "current")
    assert result.exit_code == 1 and "(empty) - behind" in result.output


def test_db_upgrade_migrates_then_reports_nothing_to_do(run: Run) -> None:
    first = run("db", "upgrade")
    assert first.exit_code == 0 and "upgraded (empty) -> 0001_initial" in first.output
    again = run("db", "upgrade")
    assert "already at 0001_initial" in again.output
    assert run("db", "current").exit_code == 0


def test_media_show_prints_fields_assets_and_stages(run: Run, conf_dir: Path, tmp_path: Path) -> None:
    _seed(conf_dir, tmp_path)
    output = run("media", "show", "m1").output
    assert "media m1  (user u1)" in output and "Beach" in output
    assert "main" in output and "1280x720" in output and "file:///main.mp4" in output
    assert "transcode  failed  2" in output and "ffmpeg died" in output


def test_media_show_json_is_the_full_record(run: Run, conf_dir: Path, tmp_path: Path) -> None:
    _seed(conf_dir, tmp_path)
    record = json.loads(run("media", "show", "m1", "--json").output)
    assert (record["uuid"], record["status"], record["assets"][0]["kind"]) == ("m1", "processing", "main")
    assert record["stages"][0]["error"] == "ffmpeg died"


def test_media_show_of_an_unknown_media_is_a_clear_error(run: Run) -> None:
    result = run("media", "show", "nope")
    assert result.exit_code == 1 and "no media 'nope'" in result.output


def test_media_list_filters(run: Run, conf_dir: Path, tmp_path: Path) -> None:
    _seed(conf_dir, tmp_path)
    assert run("media", "list").output.count("\n") == 3  # header + 2
    lines = run("media", "list", "--status", "processing", "--json").output.splitlines()
    assert [json.loads(line)["uuid"] for line in lines] == ["m1"]
