"""What the demo prints: stage progress while it runs, then a summary from the catalog."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from viblio_pipeline.catalog import AssetInfo, Catalog, Contact, Face, MediaInfo

Echo = Callable[[str], None]


class ProgressPrinter:
    """Prints each stage record's change once, with the seconds since submission."""

    def __init__(self, echo: Echo) -> None:
        self.echo = echo
        self.seen: dict[str, tuple[str, int]] = {}

    def update(self, media: MediaInfo, elapsed: float) -> None:
        for stage in media.stages:
            state = (stage.status, stage.attempts)
            if self.seen.get(stage.stage) != state:
                self.seen[stage.stage] = state
                attempt = f" (attempt {stage.attempts})" if stage.attempts > 1 else ""
                error = f": {stage.error}" if stage.error else ""
                self.echo(f"  {elapsed:6.1f}s  {stage.stage:<16} {stage.status}{attempt}{error}")


def faces_of(catalog: Catalog, media_uuid: str) -> list[dict[str, Any]]:
    """The media's faces, best first, with who they were recognised as."""
    query = (select(Face, Contact).outerjoin(Contact, Face.contact_id == Contact.id)
             .where(Face.media_uuid == media_uuid).order_by(Face.confidence.desc()))
    with catalog.session() as session:
        return [{
            "track": face.track_index, "confidence": round(face.confidence, 3),
            "seen": f"{face.first_seen or 0:.1f}-{face.last_seen or 0:.1f}s",
            "crop": face.crop_uri, "review": face.review_status,
            "contact": (contact.name or f"unnamed contact {contact.uuid[:8]}") if contact else "not assigned",
            "contact_faces": contact.face_count if contact else 0,
        } for face, contact in session.execute(query)]


def _asset_line(label: str, asset: AssetInfo) -> str:
    return f"  {label:<16} {asset.width}x{asset.height}  {asset.size_bytes:>9,} bytes  {asset.uri}"


def summary_lines(media: MediaInfo, faces: list[dict[str, Any]], object_root: str) -> list[str]:
    lines = [f"media {media.uuid}: {media.status}"
             + (f" ({media.error})" if media.error else ""),
             f"  title {media.title!r}, {media.duration or 0:.1f} s, {media.width}x{media.height}"]
    if media.duplicate_of:
        lines.append(f"  same content as media {media.duplicate_of} (linked as a duplicate)")
    for asset in media.assets:
        if asset.kind in ("rendition", "main"):
            lines.append(_asset_line("main rendition" if asset.kind == "main" else f"rendition {asset.name}", asset))
    for kind in ("poster", "thumbnail", "animated"):
        preview = media.asset(kind)
        if preview is not None:
            lines.append(_asset_line(kind, preview))
    lines.append(f"  faces found: {len(faces)}")
    for face in faces:
        lines.append(f"    track {face['track']}: {face['contact']} (confidence {face['confidence']}, "
                     f"seen {face['seen']}, review {face['review']})  {face['crop']}")
    lines.append(f"  chosen picture: {media.picture_uri or 'none'}")
    lines.append("  time per stage:")
    for stage in media.stages:
        took = (stage.finished_at - stage.started_at).total_seconds() if stage.finished_at and stage.started_at \
            else None
        took_text = f"{took:6.2f} s" if took is not None else "      -"
        lines.append(f"    {stage.stage:<16} {stage.status:<10} {took_text}  attempts {stage.attempts}")
    lines.append(f"  files are under {object_root}")
    return lines
