"""Fixtures shared by every test package."""

from __future__ import annotations

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
