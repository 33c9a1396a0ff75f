"""The test photos come with installed packages: nothing is downloaded at test time."""

from __future__ import annotations

from pathlib import Path

import skimage


def test_scikit_image_ships_astronaut_and_coffee_in_its_package() -> None:
    folder = Path(skimage.__file__).parent / "data"
    assert (folder / "astronaut.png").is_file() and (folder / "coffee.png").is_file()
