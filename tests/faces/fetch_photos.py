"""Fetch the real test photos of face_recognition 1.3.0 into var/test-photos/ (once).

The face tests build their videos from real photos: three of one person
(obama*.jpg) and one of another (biden.jpg). They ship inside the
face_recognition source distribution on PyPI, so pip fetches it; nothing is
downloaded at test time. Run at install time:

    .venv/bin/python tests/faces/fetch_photos.py

Tests that need the photos skip, saying so, when they are absent.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PHOTO_DIR = REPO / "var" / "test-photos"
SDIST = "face-recognition==1.3.0"
PHOTOS = ("obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg")


def missing(folder: Path = PHOTO_DIR) -> list[str]:
    return [name for name in PHOTOS if not (folder / name).is_file()]


def fetch(folder: Path = PHOTO_DIR) -> Path:
    """Download the sdist with pip (no build, no deps) and keep only the photos."""
    if not missing(folder):
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
             SDIST, "-d", tmp],
            check=True,
        )
        archives = list(Path(tmp).glob("face_recognition-*.tar.gz"))
        if not archives:
            raise SystemExit(f"pip download of {SDIST} produced no sdist in {tmp}")
        with tarfile.open(archives[0]) as archive:
            for member in archive.getmembers():
                name = Path(member.name).name
                if member.isfile() and name in PHOTOS and "/tests/test_images/" in member.name:
                    source = archive.extractfile(member)
                    assert source is not None
                    (folder / name).write_bytes(source.read())
    still_missing = missing(folder)
    if still_missing:
        raise SystemExit(f"{SDIST} did not contain {', '.join(still_missing)}")
    return folder


if __name__ == "__main__":
    print(fetch())
