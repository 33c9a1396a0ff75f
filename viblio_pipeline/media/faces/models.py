"""Where dlib's model files are: the `face-recognition-models` package, found without importing it.

That package's __init__ imports `pkg_resources`, which current setuptools no
longer ships, so importing it can fail; its data files are found from the
import spec instead, which locates the package without executing it.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "face_recognition_models"
SHAPE_PREDICTOR = "shape_predictor_5_face_landmarks.dat"
DESCRIPTOR_MODEL = "dlib_face_recognition_resnet_model_v1.dat"


class ModelsNotFound(RuntimeError):
    """dlib's model files are missing: face analysis cannot run on this host."""


@dataclass(frozen=True)
class ModelFiles:
    shape_predictor: Path
    descriptor: Path


def package_models_dir() -> Path | None:
    """The models/ folder of the installed face_recognition_models package, if any."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "models"
        if candidate.is_dir():
            return candidate
    return None


def locate_models(models_dir: str | Path | None = None) -> ModelFiles:
    """The two model files, from `models_dir` if given, else from the package."""
    folder = Path(models_dir) if models_dir else package_models_dir()
    if folder is None:
        raise ModelsNotFound(
            f"the {PACKAGE!r} package is not installed and media.faces.models_dir is not set: "
            "install face-recognition-models or point models_dir at a folder with "
            f"{SHAPE_PREDICTOR} and {DESCRIPTOR_MODEL}"
        )
    files = ModelFiles(shape_predictor=folder / SHAPE_PREDICTOR, descriptor=folder / DESCRIPTOR_MODEL)
    missing = [str(p) for p in (files.shape_predictor, files.descriptor) if not p.is_file()]
    if missing:
        raise ModelsNotFound(f"dlib model file(s) missing: {', '.join(missing)}")
    return files
