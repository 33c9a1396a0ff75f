"""The demo's sample video: real public-domain photos with faces, and shots without."""

from __future__ import annotations

from pathlib import Path

from viblio_pipeline.media.faces.samplevideo import Shot, astronaut, faceless_photo, load_portraits, write_video


def build_sample(dest: Path, photo_dir: Path | None = None, seconds_per_shot: float = 1.5) -> tuple[Path, list[str]]:
    """Write the sample and return it with the names of the people shown, in order.

    The astronaut (scikit-image, Eileen Collins) is always there; the
    face_recognition test photos join when they have been fetched.
    """
    people = [astronaut()]
    if photo_dir is not None and photo_dir.is_dir():
        found = load_portraits(photo_dir)
        people += [found[name] for name in ("obama", "biden") if name in found]
    shots: list[Shot] = []
    for portrait in people:
        shots.append(portrait.shot(seconds_per_shot, "zoom"))
        shots.append(Shot(faceless_photo(), seconds_per_shot / 2))
    dest.parent.mkdir(parents=True, exist_ok=True)
    write_video(dest, shots, size=(640, 360), fps=12)
    return dest, [p.name.removesuffix(".jpg") for p in people]
