"""Both object-store backends honour one contract (S3 through moto's mock)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from viblio_pipeline.config import Config, load_config
from viblio_pipeline.storage import LocalStore, ObjectNotFound, ObjectStore, media_key, open_store
from viblio_pipeline.storage.s3 import S3Store

BUCKET = "viblio-test-media"
KEY = media_key("user-1", "media-1", "original.mp4")


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
        yield


def _config(conf_dir: Path, tmp_path: Path, backend: str) -> Config:
    environ = {"VIBLIO__PATHS__ROOT": str(tmp_path), "VIBLIO__STORAGE__BACKEND": backend}
    if backend == "s3":
        environ |= {"VIBLIO__STORAGE__S3__BUCKET": BUCKET, "VIBLIO__STORAGE__S3__PREFIX": "pre/",
                    "VIBLIO__STORAGE__S3__MULTIPART_THRESHOLD_MB": "5"}
    return load_config("local", conf_dir, environ=environ)


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, conf_dir: Path, tmp_path: Path) -> ObjectStore:
    if request.param == "s3":
        request.getfixturevalue("aws_env")
    return open_store(_config(conf_dir, tmp_path, request.param))


def test_config_selects_the_local_directory_under_the_project_by_default(conf_dir: Path,
                                                                         tmp_path: Path) -> None:
    store = open_store(_config(conf_dir, tmp_path, "local"))
    assert isinstance(store, LocalStore)
    assert store.root == (tmp_path / "var" / "objects").resolve()


def test_bytes_round_trip(store: ObjectStore) -> None:
    stored = store.put_bytes(KEY, b"hello", content_type="text/plain")
    assert (stored.key, stored.size) == (KEY, 5)
    assert store.get_bytes(KEY) == b"hello"
    assert store.exists(KEY) and store.size(KEY) == 5


def test_file_round_trip_reports_progress(store: ObjectStore, tmp_path: Path) -> None:
    source = tmp_path / "in.bin"
    source.write_bytes(os.urandom(300_000))
    seen: list[int] = []
    stored = store.put_file(KEY, source, content_type="video/mp4", progress=seen.append)
    assert stored.size == 300_000 and sum(seen) == 300_000
    out = store.get_file(KEY, tmp_path / "out" / "copy.bin")
    assert out.read_bytes() == source.read_bytes()


def test_put_overwrites_the_earlier_object(store: ObjectStore) -> None:
    store.put_bytes(KEY, b"first attempt, longer")
    store.put_bytes(KEY, b"retry")
    assert store.get_bytes(KEY) == b"retry"
    assert store.list_keys("users/user-1/") == [KEY]


def test_missing_object_raises_object_not_found_naming_the_key(store: ObjectStore, tmp_path: Path) -> None:
    assert not store.exists(KEY)
    for attempt in (lambda: store.get_bytes(KEY), lambda: store.size(KEY),
                    lambda: store.get_file(KEY, tmp_path / "x")):
        with pytest.raises(ObjectNotFound, match="original.mp4"):
            attempt()


def test_delete_removes_and_tolerates_absence(store: ObjectStore) -> None:
    store.put_bytes(KEY, b"x")
    store.delete(KEY)
    store.delete(KEY)
    assert not store.exists(KEY)


def test_list_keys_is_sorted_and_limited_to_the_prefix(store: ObjectStore) -> None:
    other = media_key("user-1", "media-2", "poster.jpg")
    crop = media_key("user-1", "media-1", "faces", "track-0.jpg")
    for key in (other, KEY, crop):
        store.put_bytes(key, b"x")
    assert store.list_keys("users/user-1/media/media-1/") == sorted([KEY, crop])


def test_open_local_yields_a_readable_local_file(store: ObjectStore) -> None:
    store.put_bytes(KEY, b"frames")
    with store.open_local(KEY) as path:
        assert path.read_bytes() == b"frames"


def test_keys_that_escape_are_refused(store: ObjectStore) -> None:
    with pytest.raises(ValueError, match="key part"):
        store.put_bytes("users/../../etc/passwd", b"x")


def test_local_uri_is_a_file_uri_of_the_object(conf_dir: Path, tmp_path: Path) -> None:
    store = open_store(_config(conf_dir, tmp_path, "local"))
    store.put_bytes(KEY, b"x")
    assert store.uri(KEY) == (tmp_path / "var" / "objects" / KEY).resolve().as_uri()


def test_s3_uri_names_bucket_and_prefix(aws_env: None, conf_dir: Path, tmp_path: Path) -> None:
    store = open_store(_config(conf_dir, tmp_path, "s3"))
    assert store.uri(KEY) == f"s3://{BUCKET}/pre/{KEY}"
    store.put_bytes(KEY, b"x", content_type="video/mp4")
    head = boto3.client("s3", region_name="us-east-1").head_object(Bucket=BUCKET, Key=f"pre/{KEY}")
    assert head["ContentType"] == "video/mp4"


def test_s3_sends_files_above_the_threshold_in_parts(aws_env: None, conf_dir: Path, tmp_path: Path) -> None:
    store = open_store(_config(conf_dir, tmp_path, "s3"))
    assert isinstance(store, S3Store)
    source = tmp_path / "big.bin"
    source.write_bytes(os.urandom(6 * 1024 * 1024))
    store.put_file(KEY, source)
    etag = boto3.client("s3", region_name="us-east-1").head_object(Bucket=BUCKET, Key=f"pre/{KEY}")["ETag"]
    assert etag.strip('"').endswith("-2")  # a multipart upload's ETag counts its parts
    with store.open_local(KEY) as path:
        assert hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256(source.read_bytes()).digest()


def test_local_write_interrupted_midway_keeps_the_old_object_and_no_temp(conf_dir: Path,
                                                                         tmp_path: Path) -> None:
    store = open_store(_config(conf_dir, tmp_path, "local"))
    assert isinstance(store, LocalStore)
    store.put_bytes(KEY, b"the good copy")
    source = tmp_path / "in.bin"
    source.write_bytes(os.urandom(3 * 1024 * 1024))

    def crash(_: int) -> None:
        raise RuntimeError("disk went away")

    with pytest.raises(RuntimeError, match="disk went away"):
        store.put_file(KEY, source, progress=crash)
    assert store.get_bytes(KEY) == b"the good copy"
    leftovers = [p.name for p in (store.root / KEY).parent.iterdir()]
    assert leftovers == ["original.mp4"]
