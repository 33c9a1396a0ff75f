"""The upload stage: spool -> object storage, checksummed, verified, de-duplicated."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from viblio_pipeline.activities.base import ActivityContext, ActivityError
from viblio_pipeline.activities.upload import handle
from viblio_pipeline.catalog import close_catalogs
from viblio_pipeline.config import Config, load_config

USER = "user-1"
CONTENT = os.urandom(2 * 1024 * 1024 + 17)

ContextFactory = Callable[..., ActivityContext]


@pytest.fixture
def make_ctx(conf_dir: Path, tmp_path: Path) -> Iterator[ContextFactory]:
    def build(**overrides: str) -> ActivityContext:
        environ = {"VIBLIO__PATHS__ROOT": str(tmp_path), **overrides}
        return ActivityContext(config=load_config("local", conf_dir, environ=environ), stage="upload")

    yield build
    close_catalogs()


@pytest.fixture
def ctx(make_ctx: ContextFactory) -> ActivityContext:
    return make_ctx()


def spool(config: Config, media_uuid: str, name: str = "Beach Day.MOV", data: bytes = CONTENT) -> Path:
    path = config.path(config.settings.popeye.spool_dir) / media_uuid / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def payload(media_uuid: str, path: Path, user: str = USER, **original: str) -> dict[str, object]:
    return {"media_uuid": media_uuid, "user_uuid": user,
            "original": {"spool_path": str(path), "filename": path.name, **original}}


def test_the_original_is_stored_under_its_media_and_recorded(ctx: ActivityContext) -> None:
    path = spool(ctx.config, "m1")
    result = handle(ctx, payload("m1", path))

    sha256 = hashlib.sha256(CONTENT).hexdigest()
    assert result["key"] == "users/user-1/media/m1/original.mov"
    assert (result["size"], result["sha256"], result["md5"]) == (len(CONTENT), sha256,
                                                                 hashlib.md5(CONTENT).hexdigest())
    assert result["content_type"] == "video/quicktime" and "duplicate_of" not in result
    assert ctx.store.get_bytes(result["key"]) == CONTENT
    media = ctx.catalog.get_media("m1")
    assert (media.status, media.unique_hash) == ("processing", sha256)
    assert (media.title, media.source_name) == ("Beach Day", "Beach Day.MOV")
    original = media.asset("original")
    assert original is not None
    assert (original.uri, original.size_bytes, original.mime_type) == (result["uri"], len(CONTENT),
                                                                       "video/quicktime")
    assert original.metadata is not None and original.metadata["sha256"] == sha256


def test_the_spool_file_and_its_media_folder_are_removed_once_stored(ctx: ActivityContext) -> None:
    path = spool(ctx.config, "m1")
    handle(ctx, payload("m1", path))
    assert not path.exists() and not path.parent.exists()


def test_progress_is_heartbeated_in_bytes(ctx: ActivityContext) -> None:
    handle(ctx, payload("m1", spool(ctx.config, "m1")))
    progress = ctx.progress()
    assert progress["bytes"] == progress["total"] == len(CONTENT)


def test_an_explicit_content_type_wins_over_the_guess(ctx: ActivityContext) -> None:
    result = handle(ctx, payload("m1", spool(ctx.config, "m1", name="clip"), content_type="video/mp4"))
    assert (result["key"].rsplit("/", 1)[-1], result["content_type"]) == ("original", "video/mp4")


def test_same_content_again_from_the_same_user_links_to_the_first(ctx: ActivityContext) -> None:
    first = handle(ctx, payload("m1", spool(ctx.config, "m1")))
    second = handle(ctx, payload("m2", spool(ctx.config, "m2", name="copy.mov")))
    assert second["duplicate_of"] == "m1" and second["sha256"] == first["sha256"]
    assert ctx.catalog.get_media("m2").duplicate_of == "m1"
    assert ctx.catalog.get_media("m1").duplicate_of is None


def test_same_content_from_another_user_is_not_a_duplicate(ctx: ActivityContext) -> None:
    handle(ctx, payload("m1", spool(ctx.config, "m1")))
    result = handle(ctx, payload("m2", spool(ctx.config, "m2"), user="user-2"))
    assert "duplicate_of" not in result


def test_fail_policy_refuses_a_duplicate_naming_the_earlier_media(make_ctx: ContextFactory) -> None:
    ctx = make_ctx(VIBLIO__MEDIA__UPLOAD__DUPLICATE_POLICY="fail")
    handle(ctx, payload("m1", spool(ctx.config, "m1")))
    path = spool(ctx.config, "m2")
    with pytest.raises(ActivityError, match="as media m1") as caught:
        handle(ctx, payload("m2", path))
    assert (caught.value.code, caught.value.retry) == ("duplicate_upload", False)
    assert path.exists()
    assert not ctx.store.exists("users/user-1/media/m2/original.mov")


@pytest.mark.parametrize("where", ["elsewhere", "traversal"])
def test_a_spool_path_outside_the_spool_is_refused_for_good(ctx: ActivityContext, tmp_path: Path,
                                                            where: str) -> None:
    spool_dir = ctx.config.path(ctx.config.settings.popeye.spool_dir)
    outside = tmp_path / "secret.mov"
    outside.write_bytes(b"x")
    path = outside if where == "elsewhere" else spool_dir / ".." / ".." / "secret.mov"
    with pytest.raises(ActivityError, match="not inside this host's spool") as caught:
        handle(ctx, payload("m1", path))
    assert caught.value.retry is False and outside.exists()


def test_a_missing_spool_file_never_stored_is_refused_for_good(ctx: ActivityContext) -> None:
    path = ctx.config.path(ctx.config.settings.popeye.spool_dir) / "m1" / "gone.mov"
    with pytest.raises(ActivityError, match="does not exist") as caught:
        handle(ctx, payload("m1", path))
    assert (caught.value.code, caught.value.retry) == ("spool_missing", False)


def test_a_retry_after_the_spool_was_removed_completes_from_the_stored_copy(ctx: ActivityContext) -> None:
    path = spool(ctx.config, "m1")
    first = handle(ctx, payload("m1", path))
    again = handle(ctx, payload("m1", path))
    assert again.pop("resumed") is True
    assert again == first


def test_a_retry_with_the_spool_still_there_overwrites_without_calling_itself_a_duplicate(
        ctx: ActivityContext) -> None:
    handle(ctx, payload("m1", spool(ctx.config, "m1")))
    result = handle(ctx, payload("m1", spool(ctx.config, "m1")))
    assert "duplicate_of" not in result
    assert ctx.store.list_keys("users/user-1/media/m1/") == [result["key"]]
    assert len(ctx.catalog.get_media("m1").assets) == 1


def test_a_stored_copy_that_reads_back_wrong_is_a_retryable_failure(ctx: ActivityContext) -> None:
    path = spool(ctx.config, "m1")
    result = handle(ctx, payload("m1", path))
    ctx.store.put_bytes(result["key"], b"\0" * len(CONTENT))  # bit rot on the stored copy
    with pytest.raises(ActivityError, match="different SHA-256") as caught:
        handle(ctx, payload("m1", path))
    assert (caught.value.code, caught.value.retry) == ("verify_failed", True)


@pytest.mark.parametrize(("broken", "message"), [
    ({"original": None}, "no 'original'"),
    ({"user_uuid": ""}, "no user_uuid"),
    ({"original": {"spool_path": "relative/x.mov", "filename": "x.mov"}}, "absolute path"),
    ({"media_uuid": "../m"}, "media_uuid"),
])
def test_bad_input_is_a_final_failure_saying_what_is_wrong(ctx: ActivityContext, broken: dict[str, object],
                                                          message: str) -> None:
    with pytest.raises(ActivityError, match=message) as caught:
        handle(ctx, {**payload("m1", spool(ctx.config, "m1")), **broken})
    assert caught.value.retry is False


def test_upload_to_s3_stores_and_verifies(make_ctx: ContextFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="media-bucket")
        ctx = make_ctx(VIBLIO__STORAGE__BACKEND="s3", VIBLIO__STORAGE__S3__BUCKET="media-bucket",
                       VIBLIO__STORAGE__S3__PREFIX="test/")
        path = spool(ctx.config, "m1")
        result = handle(ctx, payload("m1", path))
        assert result["uri"] == "s3://media-bucket/test/users/user-1/media/m1/original.mov"
        assert ctx.store.get_bytes(result["key"]) == CONTENT and not path.exists()
