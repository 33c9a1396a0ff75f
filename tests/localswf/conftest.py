"""A real localswf server process per test module, driven through boto3.

Each test gets a fresh domain (with a workflow type and an activity type) on
the module's shared server, so tests stay isolated without paying a process
start each. Tests that kill or restart the server start their own.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from lswf_kit import ServerProcess, Swf


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("localswf") / "swf.sqlite3").start()
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture(scope="module")
def client(server: ServerProcess) -> Any:
    return server.client()


@pytest.fixture
def swf(client: Any) -> Swf:
    return Swf(client, "d-" + uuid.uuid4().hex[:12]).setup()
