"""The key layout: deterministic, per user and media, impossible to escape."""

from __future__ import annotations

import pytest

from viblio_pipeline.storage import InvalidKey, media_key, media_prefix


def test_media_key_nests_the_media_under_its_user() -> None:
    assert media_key("u-1", "m-2", "renditions", "720p.mp4") == "users/u-1/media/m-2/renditions/720p.mp4"


def test_media_key_is_deterministic_so_retries_overwrite() -> None:
    assert media_key("u", "m", "poster.jpg") == media_key("u", "m", "poster.jpg")


def test_media_prefix_holds_every_key_of_the_media() -> None:
    assert media_key("u", "m", "a", "b.json").startswith(media_prefix("u", "m"))


@pytest.mark.parametrize("part", ["..", ".", "a/b", "a\\b", "", " x", "x\x00"])
def test_a_part_that_could_walk_the_tree_is_refused(part: str) -> None:
    with pytest.raises(InvalidKey, match="key part"):
        media_key("u", "m", part)


@pytest.mark.parametrize("bad", ["", "../u", "a/b", "-lead", "x" * 65, "sp ace"])
def test_a_malformed_uuid_is_refused_naming_the_field(bad: str) -> None:
    with pytest.raises(InvalidKey, match="user_uuid"):
        media_key(bad, "m", "original.mp4")
    with pytest.raises(InvalidKey, match="media_uuid"):
        media_key("u", bad, "original.mp4")


def test_a_key_needs_a_part_after_the_uuids() -> None:
    with pytest.raises(InvalidKey, match="at least one part"):
        media_key("u", "m")
