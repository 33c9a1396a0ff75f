"""The S3 backend (staging and production), through boto3.

Large files go up in parts (boto3's TransferConfig with the configured
threshold); S3's own PUT is atomic, so readers never see a partial object.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

from viblio_pipeline.storage.base import ObjectNotFound, ObjectStore, Progress, StorageError, StoredObject
from viblio_pipeline.storage.keys import check_key

_MISSING = ("404", "NoSuchKey", "NotFound")


class S3Store(ObjectStore):
    def __init__(self, bucket: str, prefix: str = "", region: str | None = None,
                 endpoint_url: str | None = None, multipart_threshold_mb: int = 16,
                 client: Any = None) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self.client = client or boto3.client(
            "s3", region_name=region, endpoint_url=endpoint_url,
            config=BotoConfig(retries={"mode": "standard", "max_attempts": 8}, connect_timeout=10,
                              read_timeout=60),
        )
        threshold = multipart_threshold_mb * 1024 * 1024
        self.transfer = TransferConfig(multipart_threshold=threshold, multipart_chunksize=threshold)

    def _full(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put_file(self, key: str, path: Path, content_type: str | None = None,
                 progress: Progress | None = None) -> StoredObject:
        extra = {"ContentType": content_type} if content_type else None
        with _s3_errors(key):
            self.client.upload_file(str(path), self.bucket, self._full(key), ExtraArgs=extra,
                                    Callback=progress, Config=self.transfer)
        return StoredObject(key=key, uri=self.uri(key), size=path.stat().st_size)

    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> StoredObject:
        extra: dict[str, Any] = {"ContentType": content_type} if content_type else {}
        with _s3_errors(key):
            self.client.put_object(Bucket=self.bucket, Key=self._full(key), Body=data, **extra)
        return StoredObject(key=key, uri=self.uri(key), size=len(data))

    def get_file(self, key: str, dest: Path) -> Path:
        dest.parent.mkdir(parents=True, exist_ok=True)
        # Download beside dest and rename, so dest is never half written.
        with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".tmp-") as tmp:
            partial = Path(tmp) / "download"
            with _s3_errors(key):
                self.client.download_file(self.bucket, self._full(key), str(partial), Config=self.transfer)
            partial.replace(dest)
        return dest

    def get_bytes(self, key: str) -> bytes:
        with _s3_errors(key):
            body: bytes = self.client.get_object(Bucket=self.bucket, Key=self._full(key))["Body"].read()
        return body

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
        except ObjectNotFound:
            return False
        return True

    def size(self, key: str) -> int:
        with _s3_errors(key):
            head = self.client.head_object(Bucket=self.bucket, Key=self._full(key))
        return int(head["ContentLength"])

    def delete(self, key: str) -> None:
        with _s3_errors(key):
            self.client.delete_object(Bucket=self.bucket, Key=self._full(key))

    def list_keys(self, prefix: str) -> list[str]:
        keys: list[str] = []
        paginator = self.client.get_paginator("list_objects_v2")
        with _s3_errors(prefix):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
                keys.extend(item["Key"][len(self.prefix):] for item in page.get("Contents", []))
        return sorted(keys)

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._full(key)}"

    @contextmanager
    def open_local(self, key: str) -> Iterator[Path]:
        with tempfile.TemporaryDirectory(prefix="viblio-s3-") as tmp:
            yield self.get_file(key, Path(tmp) / Path(key).name)


@contextmanager
def _s3_errors(key: str) -> Iterator[None]:
    """botocore's errors as ObjectNotFound / StorageError naming the key."""
    try:
        yield
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in _MISSING:
            raise ObjectNotFound(f"no object {key!r} in S3") from None
        raise StorageError(f"S3 error on {key!r}: {code or exc}") from exc
    except BotoCoreError as exc:
        raise StorageError(f"S3 error on {key!r}: {exc}") from exc
