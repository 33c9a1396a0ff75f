from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from viblio_pipeline.media.faces.models import ModelsNotFound, locate_models


def test_model_files_are_found_without_importing_their_package() -> None:
    code = (
        "import sys; from viblio_pipeline.media.faces.models import locate_models; "
        "files = locate_models(); "
        "print(files.shape_predictor.is_file(), files.descriptor.is_file(), "
        "'face_recognition_models' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "True", "False"]


def test_the_five_point_shape_predictor_is_the_one_used() -> None:
    assert locate_models().shape_predictor.name == "shape_predictor_5_face_landmarks.dat"


def test_a_models_folder_without_the_files_is_reported_with_their_paths(tmp_path: Path) -> None:
    with pytest.raises(ModelsNotFound, match=str(tmp_path / "shape_predictor_5_face_landmarks.dat")):
        locate_models(tmp_path)
