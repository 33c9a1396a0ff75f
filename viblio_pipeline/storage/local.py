"""The local-directory backend: the embedded default.

Writes go to a temporary file in the target's folder and are renamed into
place, so a reader never sees half an object and a crash leaves no partial one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from viblio_pipeline.storage.base import ObjectNotFound, ObjectStore, Progress, StoredObject, iter_chunks
from viblio_pipeline.storage.keys import check_key

_TMP_PREFIX = ".tmp-"


class LocalStore(ObjectStore):
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put_file(self, key: str, path: Path, content_type: str | None = None,
                 progress: Progress | None = None) -> StoredObject:
        target = self._path(key)
        with _atomic_writer(target) as out:
            for chunk in iter_chunks(path):
                out.write(chunk)
                if progress is not None:
                    progress(len(chunk))
        return StoredObject(key=key, uri=self.uri(key), size=target.stat().st_size)

    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> StoredObject:
        target = self._path(key)
        with _atomic_writer(target) as out:
            out.write(data)
        return StoredObject(key=key, uri=self.uri(key), size=len(data))

    def get_file(self, key: str, dest: Path) -> Path:
        source = self._existing(key)
        with _atomic_writer(dest) as out, source.open("rb") as src:
            shutil.copyfileobj(src, out, 1024 * 1024)
        return dest

    def get_bytes(self, key: str) -> bytes:
        return self._existing(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        return self._existing(key).stat().st_size

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def list_keys(self, prefix: str) -> list[str]:
        # Walk only the deepest folder the prefix names, not the whole store.
        folder = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        start = self._path(folder) if folder else self.root
        if not start.is_dir():
            return []
        keys = []
        for path in start.rglob("*"):
            if path.is_file() and not path.name.startswith(_TMP_PREFIX):
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    keys.append(key)
        return sorted(keys)

    def uri(self, key: str) -> str:
        return self._path(key).as_uri()

    @contextmanager
    def open_local(self, key: str) -> Iterator[Path]:
        yield self._existing(key)

    def _existing(self, key: str) -> Path:
        path = self._path(key)
        if not path.is_file():
            raise ObjectNotFound(f"no object {key!r} in local store {self.root}")
        return path


@contextmanager
def _atomic_writer(target: Path) -> Iterator[IO[bytes]]:
    """A temp file beside target, fsynced and renamed over it on success."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=_TMP_PREFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
