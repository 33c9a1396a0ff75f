"""`viblio-pipeline replay FILE`: a saved history in, the decisions out."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from viblio_pipeline.workflow import WorkflowSpec, decide

if TYPE_CHECKING:
    from .conftest import Run

SEED = Path(__file__).parent / "histories" / "seed_decision_timeout.pprint.txt"


def replay(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "viblio_pipeline", "--env", "local", "replay", *args],
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture
def saved_run(run: Callable[..., Run], tmp_path: Path) -> tuple[Path, Run]:
    execution = run()
    execution.run_until("transcode")
    execution.complete("transcode-1")
    execution.history.start_decision()
    path = tmp_path / "history.json"
    path.write_text(json.dumps({"events": execution.events}))
    return path, execution


@pytest.mark.timeout(60)
def test_replay_prints_stages_and_readable_decisions(saved_run: tuple[Path, Run]) -> None:
    path, _ = saved_run
    result = replay(str(path))
    assert result.returncode == 0, result.stderr
    assert re.search(r"^ +transcode +completed +1 attempt\(s\)", result.stdout, re.MULTILINE)
    assert re.search(r"^ +previews +running +0 attempt\(s\)", result.stdout, re.MULTILINE)
    assert "1. schedule previews-1 (previews 1.0.0) on task list previews-local" in result.stdout
    assert "2. schedule detect_faces-1 (detect_faces 1.0.0)" in result.stdout


@pytest.mark.timeout(60)
def test_replay_json_prints_exactly_the_deciders_decisions(saved_run: tuple[Path, Run], spec: WorkflowSpec) -> None:
    path, execution = saved_run
    result = replay(str(path), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == decide(execution.events, spec)


@pytest.mark.timeout(60)
def test_replay_reads_a_pprint_dump_up_to_an_event() -> None:
    result = replay(str(SEED), "--upto", "6")
    assert result.returncode == 0, result.stderr
    assert "1. fail the workflow: invalid workflow input: popeye_host is required" in result.stdout


@pytest.mark.timeout(60)
def test_replay_of_an_unreadable_file_says_why(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"nextPageToken": "abc"}')
    result = replay(str(bad))
    assert result.returncode != 0
    assert f"{bad}: a history object needs an 'events' list" in result.stderr
