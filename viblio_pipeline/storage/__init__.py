"""Object storage: a local directory by default, S3 beyond one machine."""

from __future__ import annotations

from viblio_pipeline.config import Config
from viblio_pipeline.storage.base import ObjectNotFound, ObjectStore, Progress, StorageError, StoredObject
from viblio_pipeline.storage.checksum import Digests, file_digests
from viblio_pipeline.storage.keys import InvalidKey, media_key, media_prefix
from viblio_pipeline.storage.local import LocalStore


def open_store(config: Config) -> ObjectStore:
    """The object store the config selects (storage.backend)."""
    storage = config.settings.storage
    if storage.backend == "s3":
        from viblio_pipeline.storage.s3 import S3Store

        assert storage.s3 is not None  # the schema guarantees it
        s3 = storage.s3
        return S3Store(bucket=s3.bucket, prefix=s3.prefix, region=s3.region or config.settings.swf.region,
                       endpoint_url=s3.endpoint_url, multipart_threshold_mb=s3.multipart_threshold_mb)
    return LocalStore(config.path(storage.local_dir))


__all__ = [
    "Digests",
    "InvalidKey",
    "LocalStore",
    "ObjectNotFound",
    "ObjectStore",
    "Progress",
    "StorageError",
    "StoredObject",
    "file_digests",
    "media_key",
    "media_prefix",
    "open_store",
]
