"""Media records: creation, lifecycle, fields, de-duplication lookup."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from viblio_pipeline.catalog import Catalog, CatalogError, IllegalTransition, MediaNotFound


def test_a_new_media_is_pending_with_its_names(catalog: Catalog) -> None:
    catalog.create_media("m1", "u1", title="Beach", source_name="IMG_0001.MOV")
    media = catalog.get_media("m1")
    assert (media.status, media.user_uuid, media.title, media.source_name) == ("pending", "u1", "Beach",
                                                                               "IMG_0001.MOV")
    assert media.assets == () and media.stages == ()


def test_creating_the_same_media_again_is_harmless(catalog: Catalog) -> None:
    catalog.create_media("m1", "u1", title="first")
    catalog.create_media("m1", "u1", title="second")
    assert catalog.get_media("m1").title == "first"


def test_creating_a_media_under_another_user_is_refused(catalog: Catalog) -> None:
    catalog.create_media("m1", "u1")
    with pytest.raises(CatalogError, match="already exists for user 'u1'"):
        catalog.create_media("m1", "u2")


def test_unknown_media_raises_media_not_found(catalog: Catalog) -> None:
    with pytest.raises(MediaNotFound, match="'nope'"):
        catalog.get_media("nope")
    with pytest.raises(MediaNotFound):
        catalog.set_media_status("nope", "processing")


def test_media_walks_its_lifecycle_to_complete(catalog: Catalog) -> None:
    catalog.create_media("m1", "u1")
    for status in ("processing", "visible", "complete"):
        catalog.set_media_status("m1", status)
        assert catalog.get_media("m1").status == status


@pytest.mark.parametrize(("path", "illegal"), [
    ((), "visible"),
    (("processing",), "complete"),
    (("processing", "visible", "complete"), "processing"),
    (("processing", "visible", "complete"), "failed"),
])
def test_illegal_transitions_raise_naming_both_states(catalog: Catalog, path: tuple[str, ...],
                                                      illegal: str) -> None:
    catalog.create_media("m1", "u1")
    for status in path:
        catalog.set_media_status("m1", status)
    current = path[-1] if path else "pending"
    with pytest.raises(IllegalTransition, match=f"from '{current}' to '{illegal}'"):
        catalog.set_media_status("m1", illegal)
    assert catalog.get_media("m1").status == current


def test_repeating_a_status_is_allowed_for_retried_stages(catalog: Catalog) -> None:
    catalog.create_media("m1", "u1")
    catalog.set_media_status("m1", "processing")
    catalog.set_media_status("m1", "processing")
    assert catalog.get_media("m1").status == "processing"


def test_failure_records_the_error_and_a_new_run_may_start_over(catalog: Catalog) -> None:
    catalog.create_media("m1", "u1")
    catalog.set_media_status("m1", "processing")
    catalog.set_media_status("m1", "failed", error="transcode: not a video")
    assert catalog.get_media("m1").error == "transcode: not a video"
    catalog.set_media_status("m1", "processing")
    media = catalog.get_media("m1")
    assert (media.status, media.error) == ("processing", None)


def test_unknown_status_is_refused_listing_the_valid_ones(catalog: Catalog) -> None:
    catalog.create_media("m1", "u1")
    with pytest.raises(ValueError, match="'done' is not one of: pending, processing"):
        catalog.set_media_status("m1", "done")


def test_update_media_sets_descriptive_fields(catalog: Catalog) -> None:
    catalog.create_media("m1", "u1")
    recorded = datetime(2013, 10, 21, 15, 30, 5, 123456, tzinfo=timezone(timedelta(hours=-7)))
    catalog.update_media("m1", duration=12.5, width=1280, height=720, recorded_at=recorded,
                         summary={"transcode": "completed"}, picture_uri="file:///p.jpg")
    media = catalog.get_media("m1")
    assert (media.duration, media.width, media.height) == (12.5, 1280, 720)
    assert media.recorded_at == recorded and media.recorded_at.tzinfo == UTC
    assert media.summary == {"transcode": "completed"}
    assert media.picture_uri == "file:///p.jpg"


def test_update_media_refuses_unknown_fields_and_status(catalog: Catalog) -> None:
    catalog.create_media("m1", "u1")
    with pytest.raises(CatalogError, match="colour"):
        catalog.update_media("m1", colour="red")
    with pytest.raises(CatalogError, match="use set_media_status"):
        catalog.update_media("m1", status="complete")


def test_find_media_by_hash_returns_the_users_earliest_original(catalog: Catalog) -> None:
    for media, user in (("first", "u1"), ("second", "u1"), ("theirs", "u2")):
        catalog.create_media(media, user)
        catalog.update_media(media, unique_hash="abc")
    catalog.update_media("second", duplicate_of="first")
    assert catalog.find_media_by_hash("u1", "abc") == "first"
    assert catalog.find_media_by_hash("u1", "abc", exclude="first") is None
    assert catalog.find_media_by_hash("u2", "abc") == "theirs"
    assert catalog.find_media_by_hash("u1", "other") is None


def test_find_media_by_hash_ignores_failed_media(catalog: Catalog) -> None:
    catalog.create_media("broken", "u1")
    catalog.update_media("broken", unique_hash="abc")
    catalog.set_media_status("broken", "failed", error="x")
    assert catalog.find_media_by_hash("u1", "abc") is None


def test_list_media_filters_by_user_and_status(catalog: Catalog) -> None:
    catalog.create_media("a", "u1")
    catalog.create_media("b", "u1")
    catalog.create_media("c", "u2")
    catalog.set_media_status("b", "processing")
    assert {m.uuid for m in catalog.list_media(user_uuid="u1")} == {"a", "b"}
    assert [m.uuid for m in catalog.list_media(status="processing")] == ["b"]


def test_session_rolls_back_everything_when_the_block_raises(catalog: Catalog) -> None:
    from viblio_pipeline.catalog import Media

    with pytest.raises(RuntimeError), catalog.session() as session:
        session.add(Media(uuid="m1", user_uuid="u1", status="pending"))
        session.flush()
        raise RuntimeError("boom")
    assert not catalog.media_exists("m1")
