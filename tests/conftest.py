"""Fixtures shared by every test package."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
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
def free_port() -> int:
    return _port_of_free_socket()


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


def _port_of_free_socket() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def swf_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One embedded SWF server process per test module (1 s long polls); tests use their own domains."""
    port = _port_of_free_socket()
    db = tmp_path_factory.mktemp("swf") / "swf.sqlite3"
    proc = subprocess.Popen(
        [sys.executable, "-m", "viblio_pipeline.localswf", "--host", "127.0.0.1", "--port", str(port),
         "--db", str(db), "--poll-timeout", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the embedded SWF server did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
