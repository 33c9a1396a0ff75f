"""Streaming MD5 and SHA-256 of a file: one pass, constant memory."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from viblio_pipeline.storage.base import iter_chunks


@dataclass(frozen=True)
class Digests:
    size: int
    md5: str
    sha256: str


def file_digests(path: Path, progress: Callable[[int], None] | None = None,
                 chunk_size: int = 1024 * 1024) -> Digests:
    """Size and hex digests of path; progress gets the running byte count."""
    md5, sha256, size = hashlib.md5(usedforsecurity=False), hashlib.sha256(), 0
    for chunk in iter_chunks(path, chunk_size):
        md5.update(chunk)
        sha256.update(chunk)
        size += len(chunk)
        if progress is not None:
            progress(size)
    return Digests(size=size, md5=md5.hexdigest(), sha256=sha256.hexdigest())
