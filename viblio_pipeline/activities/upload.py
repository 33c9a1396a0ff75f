"""upload: move the original from this Popeye host's spool into object storage.

Runs on the host's own task list (only it has the spool). The original is
checksummed (MD5 and SHA-256, streamed), stored under the media's
deterministic key, re-read to verify, recorded in the catalog, and only then
removed from the spool. A retry after a crash that already removed the spool
finds the verified object and completes.
"""

from __future__ import annotations

import logging
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from viblio_pipeline.activities.base import ActivityContext, ActivityError, Payload, Result, media_ids
from viblio_pipeline.catalog import AssetKind, Catalog, CatalogError, IllegalTransition, MediaStatus
from viblio_pipeline.logs import bind
from viblio_pipeline.storage import Digests, InvalidKey, ObjectStore, file_digests, media_key

log = logging.getLogger(__name__)

_EXTENSION = re.compile(r"^\.[a-z0-9]{1,10}$")
DEFAULT_CONTENT_TYPE = "application/octet-stream"


@dataclass(frozen=True)
class UploadRequest:
    media_uuid: str
    user_uuid: str
    spool_path: Path
    filename: str
    content_type: str
    key: str


def handle(ctx: ActivityContext, payload: Payload) -> Result:
    request = parse_request(payload, ctx.config.path(ctx.config.settings.popeye.spool_dir))
    with bind(media_uuid=request.media_uuid, user_uuid=request.user_uuid):
        catalog = ctx.catalog
        _start_processing(catalog, request)
        if not request.spool_path.exists():
            return _resume_after_crash(ctx, request)
        return _upload(ctx, request)


def parse_request(payload: Payload, spool_dir: Path) -> UploadRequest:
    """The validated request, or a final bad_input failure saying what is wrong."""
    media_uuid, user_uuid = media_ids(payload)
    original = payload.get("original")
    if not isinstance(original, dict):
        raise ActivityError("bad_input", "upload input has no 'original' object "
                            "({spool_path, filename, content_type?})", retry=False)
    raw_path, filename = original.get("spool_path"), original.get("filename")
    if not isinstance(raw_path, str) or not Path(raw_path).is_absolute():
        raise ActivityError("bad_input", f"original.spool_path must be an absolute path (got {raw_path!r})",
                            retry=False)
    if not isinstance(filename, str) or not filename:
        raise ActivityError("bad_input", f"original.filename must be a non-empty string (got {filename!r})",
                            retry=False)
    spool_root = spool_dir.resolve()
    spool_path = Path(raw_path).resolve()
    if spool_path == spool_root or not spool_path.is_relative_to(spool_root):
        raise ActivityError("spool_path_outside_spool",
                            f"original.spool_path {raw_path} is not inside this host's spool {spool_root}",
                            retry=False)
    content_type = original.get("content_type") or mimetypes.guess_type(filename)[0] or DEFAULT_CONTENT_TYPE
    try:
        key = media_key(user_uuid, media_uuid, original_name(filename))
    except InvalidKey as exc:
        raise ActivityError("bad_input", str(exc), retry=False) from None
    return UploadRequest(media_uuid=media_uuid, user_uuid=user_uuid, spool_path=spool_path,
                         filename=filename, content_type=str(content_type), key=key)


def original_name(filename: str) -> str:
    """'original' plus the upload's extension when it is a plain one (e.g. original.mov)."""
    suffix = Path(filename).suffix.lower()
    return "original" + (suffix if _EXTENSION.match(suffix) else "")


def _start_processing(catalog: Catalog, request: UploadRequest) -> None:
    try:
        catalog.create_media(request.media_uuid, request.user_uuid, title=Path(request.filename).stem[:255] or None,
                             source_name=request.filename[:255])
        catalog.set_media_status(request.media_uuid, MediaStatus.PROCESSING.value)
    except (CatalogError, IllegalTransition) as exc:
        raise ActivityError("bad_media_state", str(exc), retry=False) from None


def _upload(ctx: ActivityContext, request: UploadRequest) -> Result:
    spool = request.spool_path
    total = spool.stat().st_size
    digests = file_digests(spool, lambda done: ctx.heartbeat(phase="checksum", bytes=done, total=total))
    duplicate_of = _duplicate_of(ctx, request, digests)

    sent = 0

    def on_sent(chunk: int) -> None:
        nonlocal sent
        sent += chunk
        ctx.heartbeat(phase="storing", bytes=sent, total=total)

    ctx.store.put_file(request.key, spool, request.content_type, progress=on_sent)
    _verify(ctx, ctx.store, request.key, digests)
    catalog = ctx.catalog
    catalog.add_asset(request.media_uuid, AssetKind.ORIGINAL.value, ctx.store.uri(request.key),
                      request.content_type, digests.size,
                      metadata={"key": request.key, "md5": digests.md5, "sha256": digests.sha256,
                                "filename": request.filename})
    catalog.update_media(request.media_uuid, unique_hash=digests.sha256, duplicate_of=duplicate_of)
    _remove_spool(spool, request)
    log.info("original stored", extra={"key": request.key, "bytes": digests.size, "duplicate_of": duplicate_of})
    return _result(ctx, request, digests, duplicate_of)


def _duplicate_of(ctx: ActivityContext, request: UploadRequest, digests: Digests) -> str | None:
    earlier = ctx.catalog.find_media_by_hash(request.user_uuid, digests.sha256, exclude=request.media_uuid)
    if earlier is not None and ctx.config.settings.media.upload.duplicate_policy == "fail":
        raise ActivityError(
            "duplicate_upload",
            f"media {request.media_uuid}: user {request.user_uuid} already uploaded this content "
            f"as media {earlier} (sha256 {digests.sha256[:16]}...; media.upload.duplicate_policy is 'fail')",
            retry=False,
        )
    return earlier


def _verify(ctx: ActivityContext, store: ObjectStore, key: str, expected: Digests) -> None:
    """Re-read the stored copy: its size and SHA-256 must match the spool's."""
    size = store.size(key)
    if size != expected.size:
        raise ActivityError("verify_failed", f"stored {key} has {size} bytes, the spool file {expected.size}")
    with store.open_local(key) as local:
        stored = file_digests(local, lambda done: ctx.heartbeat(phase="verify", bytes=done, total=size))
    if stored.sha256 != expected.sha256:
        raise ActivityError("verify_failed", f"stored {key} reads back with a different SHA-256")


def _resume_after_crash(ctx: ActivityContext, request: UploadRequest) -> Result:
    """The spool file is gone: fine only if an earlier attempt stored and recorded it."""
    media = ctx.catalog.get_media(request.media_uuid)
    asset = media.asset(AssetKind.ORIGINAL.value)
    recorded = (asset.metadata or {}) if asset is not None else {}
    if recorded.get("key") != request.key or not ctx.store.exists(request.key):
        raise ActivityError("spool_missing",
                            f"original.spool_path {request.spool_path} does not exist and no earlier attempt "
                            f"stored {request.key}", retry=False)
    digests = Digests(size=int(asset.size_bytes if asset else 0), md5=str(recorded.get("md5")),
                      sha256=str(recorded.get("sha256")))
    _verify(ctx, ctx.store, request.key, digests)
    log.info("original already stored by an earlier attempt", extra={"key": request.key})
    return _result(ctx, request, digests, media.duplicate_of, resumed=True)


def _remove_spool(spool: Path, request: UploadRequest) -> None:
    spool.unlink(missing_ok=True)
    folder = spool.parent
    if folder.name == request.media_uuid:  # Popeye spools each media in its own folder
        try:
            folder.rmdir()
        except OSError:
            pass  # not empty: something else lives there, leave it


def _result(ctx: ActivityContext, request: UploadRequest, digests: Digests, duplicate_of: str | None,
            resumed: bool = False) -> Result:
    result: dict[str, Any] = {
        "key": request.key, "uri": ctx.store.uri(request.key), "size": digests.size,
        "sha256": digests.sha256, "md5": digests.md5, "content_type": request.content_type,
    }
    if duplicate_of is not None:
        result["duplicate_of"] = duplicate_of
    if resumed:
        result["resumed"] = True
    return result
