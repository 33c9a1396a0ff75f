"""Fixtures shared by every test package."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def conf_dir(tmp_path: Path) -> Path:
    """A private copy of the shipped conf/ that a test may edit."""
    target = tmp_path / "conf"
    shutil.copytree(REPO / "conf", target)
    return target


@pytest.fixture
def free_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    yield port


def isolated_local_env(var: Path, port: int) -> dict[str, str]:
    """The local environment with every piece of state under var and its own SWF port."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIBLIO")}
    env.update({
        "VIBLIO_ENV": "local",
        "VIBLIO__PATHS__VAR_DIR": str(var),
        "VIBLIO__SWF__ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "VIBLIO__SWF__LOCAL_SERVER__PORT": str(port),
        "VIBLIO__SWF__LOCAL_SERVER__POLL_TIMEOUT": "2",
        "VIBLIO__SWF__LOCAL_SERVER__DB_PATH": str(var / "swf.sqlite3"),
        "VIBLIO__CATALOG__URL": f"sqlite:///{var / 'catalog.sqlite3'}",
        "VIBLIO__STORAGE__LOCAL_DIR": str(var / "objects"),
        "VIBLIO__POPEYE__SPOOL_DIR": str(var / "spool"),
    })
    return env


@pytest.fixture
def local_env(tmp_path: Path, free_port: int) -> dict[str, str]:
    """Environment variables for a whole local pipeline isolated in tmp_path."""
    return isolated_local_env(tmp_path / "var", free_port)
