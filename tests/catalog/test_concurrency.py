"""Several worker processes writing one SQLite catalog at once all succeed."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from viblio_pipeline.catalog import open_catalog
from viblio_pipeline.config import load_config

WRITERS = 3
WRITES = 10

# Each writer is a separate Python process, as the fleet's stage workers are.
WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from viblio_pipeline.catalog import open_catalog
    from viblio_pipeline.config import load_config

    conf_dir, root, index, writes = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    config = load_config("local", Path(conf_dir), environ={"VIBLIO__PATHS__ROOT": root})
    catalog = open_catalog(config)  # every process races to migrate the fresh database
    media = "m" + index
    catalog.create_media(media, "u1")
    for attempt in range(1, writes + 1):
        catalog.record_stage(media, "transcode", "running", attempt)
        catalog.add_asset(media, "rendition", f"file:///{attempt}", "video/mp4", attempt, name=f"r{attempt}")
        catalog.update_media(media, title=f"w{index}-{attempt}")
""")


@pytest.mark.timeout(120)
def test_concurrent_writers_on_a_fresh_sqlite_catalog_all_succeed(conf_dir: Path, tmp_path: Path) -> None:
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(conf_dir), str(tmp_path), str(i), str(WRITES)],
                         stderr=subprocess.PIPE, text=True)
        for i in range(WRITERS)
    ]
    errors = [proc.communicate(timeout=90)[1] for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * WRITERS, errors

    catalog = open_catalog(load_config("local", conf_dir, environ={"VIBLIO__PATHS__ROOT": str(tmp_path)}))
    for index in range(WRITERS):
        media = catalog.get_media(f"m{index}")
        assert len(media.assets) == WRITES
        assert media.title == f"w{index}-{WRITES}"
        stage = media.stage("transcode")
        assert stage is not None and stage.attempts == WRITES
