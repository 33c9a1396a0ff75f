"""notify: the last stage. Mark the media complete, pick its picture, tell the web app.

The catalog is written first, so the web application reads finished data when
the webhook reaches it; both steps are idempotent, so a retried notify is safe.
The webhook body is signed: `X-Viblio-Signature: sha256=<HMAC-SHA256(body)>`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from typing import Any

import requests

from viblio_pipeline.activities.base import ActivityContext, ActivityError, Payload, Result, media_ids
from viblio_pipeline.catalog import AssetKind, CatalogError, IllegalTransition, MediaInfo, MediaStatus
from viblio_pipeline.logs import bind

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Viblio-Signature"
RETRYABLE_CLIENT_ERRORS = frozenset({408, 429})


@dataclass(frozen=True)
class Picture:
    uri: str | None
    source: str  # "face", "poster" or "none"


def handle(ctx: ActivityContext, payload: Payload) -> Result:
    media_uuid, user_uuid = media_ids(payload)
    raw_summary = payload.get("summary")
    summary: dict[str, Any] = raw_summary if isinstance(raw_summary, dict) else {}
    with bind(media_uuid=media_uuid, user_uuid=user_uuid):
        catalog = ctx.catalog
        try:
            media = catalog.get_media(media_uuid)
            picture = choose_picture(catalog.best_face_crop(media_uuid), payload.get("results"), media)
            catalog.update_media(media_uuid, summary=summary, picture_uri=picture.uri)
            catalog.set_media_status(media_uuid, MediaStatus.COMPLETE.value)
        except (CatalogError, IllegalTransition) as exc:
            raise ActivityError("bad_media_state", str(exc), retry=False) from None

        result: dict[str, Any] = {"status": MediaStatus.COMPLETE.value, "picture_uri": picture.uri,
                                  "picture_source": picture.source}
        url = ctx.config.settings.media.notify.webhook_url
        if not url:
            result["webhook"] = "not configured"
            return result
        body = webhook_body(media, picture, summary, ctx.workflow_id)
        result["webhook"] = {"status": _post(ctx, url, body)}
        return result


def choose_picture(best_face_crop: str | None, results: Any, media: MediaInfo) -> Picture:
    """The most confident face's crop; else the poster (from previews' result or the catalog)."""
    if best_face_crop:
        return Picture(best_face_crop, "face")
    poster = _dig(results, "previews", "poster", "uri")
    if not poster:
        asset = media.asset(AssetKind.POSTER.value)
        poster = asset.uri if asset is not None else None
    return Picture(poster, "poster") if poster else Picture(None, "none")


def webhook_body(media: MediaInfo, picture: Picture, summary: dict[str, Any],
                 workflow_id: str | None) -> bytes:
    data: dict[str, Any] = {
        "event": "media.complete",
        "media_uuid": media.uuid,
        "user_uuid": media.user_uuid,
        "status": MediaStatus.COMPLETE.value,
        "picture_uri": picture.uri,
        "duplicate_of": media.duplicate_of,
        "workflow_id": workflow_id,
        "summary": summary,
    }
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()


def sign(body: bytes, secret: str) -> str:
    """The signature header's value for body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def classify(status: int) -> bool | None:
    """None when the call succeeded, else whether a retry might help."""
    if 200 <= status < 300:
        return None
    return not (400 <= status < 500 and status not in RETRYABLE_CLIENT_ERRORS)


def _post(ctx: ActivityContext, url: str, body: bytes) -> int:
    secret = ctx.config.secrets.webhook_secret
    if secret is None:
        env = ctx.config.settings.secrets.webhook_secret.env
        raise ActivityError("webhook_secret_missing",
                            f"media.notify.webhook_url is set but the webhook secret ({env}) is not",
                            retry=False)
    headers = {"Content-Type": "application/json",
               SIGNATURE_HEADER: sign(body, secret.get_secret_value())}
    try:
        response = requests.post(url, data=body, headers=headers,
                                 timeout=ctx.config.settings.media.notify.timeout)
    except requests.RequestException as exc:
        raise ActivityError("webhook_unreachable", f"webhook {url}: {type(exc).__name__}: {exc}") from None
    retry = classify(response.status_code)
    if retry is not None:
        raise ActivityError("webhook_rejected",
                            f"webhook {url} answered HTTP {response.status_code}: {response.text[:200]}",
                            retry=retry)
    log.info("web application notified", extra={"webhook_status": response.status_code})
    return response.status_code


def _dig(data: Any, *path: str) -> Any:
    for part in path:
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data
