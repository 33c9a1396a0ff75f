"""The object-store interface every backend implements."""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

Progress = Callable[[int], None]
"""Called with the number of bytes transferred since the previous call."""


class StorageError(Exception):
    """The object store could not do what was asked."""


class ObjectNotFound(StorageError, KeyError):
    """No object under that key."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "object not found"


@dataclass(frozen=True)
class StoredObject:
    key: str
    uri: str
    size: int


class ObjectStore(abc.ABC):
    """A flat key -> bytes store; keys are '/'-separated relative paths."""

    @abc.abstractmethod
    def put_file(self, key: str, path: Path, content_type: str | None = None,
                 progress: Progress | None = None) -> StoredObject:
        """Store a local file under key, replacing any earlier object."""

    @abc.abstractmethod
    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> StoredObject:
        """Store bytes under key, replacing any earlier object."""

    @abc.abstractmethod
    def get_file(self, key: str, dest: Path) -> Path:
        """Copy the object to dest (created or replaced); returns dest."""

    @abc.abstractmethod
    def get_bytes(self, key: str) -> bytes:
        """The whole object; for small objects only."""

    @abc.abstractmethod
    def exists(self, key: str) -> bool: ...

    @abc.abstractmethod
    def size(self, key: str) -> int:
        """The object's size in bytes; ObjectNotFound if absent."""

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; removing an absent object is not an error."""

    @abc.abstractmethod
    def list_keys(self, prefix: str) -> list[str]:
        """Every key starting with prefix, sorted."""

    @abc.abstractmethod
    def uri(self, key: str) -> str:
        """Where the object lives, as a URI (file:// or s3://)."""

    @abc.abstractmethod
    def open_local(self, key: str) -> AbstractContextManager[Path]:
        """A local path to read the object from while the context is open."""

    def stored(self, key: str) -> StoredObject:
        return StoredObject(key=key, uri=self.uri(key), size=self.size(key))


def iter_chunks(path: Path, chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
    """A file's bytes in fixed-size chunks: constant memory whatever the size."""
    with path.open("rb") as handle:
        while chunk := handle.read(chunk_size):
            yield chunk
