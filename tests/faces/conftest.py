"""Face tests: one dlib engine per session, real photos, tiny videos."""

from __future__ import annotations

from pathlib import Path

import pytest

from viblio_pipeline.config.schema import FacesConfig
from viblio_pipeline.media.faces.engine import FaceEngine
from viblio_pipeline.media.faces.samplevideo import Portrait, load_portraits

REPO = Path(__file__).resolve().parents[2]
PHOTO_DIR = REPO / "var" / "test-photos"
FETCH = "python tests/faces/fetch_photos.py"


@pytest.fixture(scope="session")
def engine() -> FaceEngine:
    return FaceEngine(upsample=1, min_face_px=40)


@pytest.fixture(scope="session")
def portraits() -> dict[str, Portrait]:
    """obama, obama2, obama3 (one person) and biden (another), or a skip saying how to get them."""
    found = load_portraits(PHOTO_DIR)
    if len(found) < 4:
        pytest.skip(f"face_recognition test photos absent from {PHOTO_DIR}: run `{FETCH}` once")
    return found


@pytest.fixture
def faces_config() -> FacesConfig:
    """Low sampling rate and short gaps: tiny clips, lean tests."""
    return FacesConfig(sample_fps=2, track_max_gap_seconds=1.0)
