"""Running ffmpeg: progress is followed, a stall is killed, a failure is explained."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from viblio_pipeline.media.errors import FfmpegFailed, FfmpegStalled
from viblio_pipeline.media.ffmpeg import Progress, ProgressParser, advanced, run_ffmpeg

pytestmark = pytest.mark.timeout(60)

BLOCK = b"frame=%d\nout_time_us=%d\ntotal_size=%d\nspeed=2.5x\nprogress=%s\n"


def _children_named(name: str) -> list[int]:
    """Live (non-zombie) child processes of this test process with that command name."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1: stat.rindex(")")]
        state, ppid = stat[stat.rindex(")") + 2:].split()[:2]
        if int(ppid) == os.getpid() and name in comm and state != "Z":
            found.append(int(entry))
    return found


def test_parser_yields_one_report_per_block_across_split_chunks() -> None:
    parser = ProgressParser(duration=4.0)
    text = BLOCK % (10, 1_000_000, 500, b"continue") + BLOCK % (40, 4_000_000, 900, b"end")
    reports = [r for i in range(0, len(text), 7) for r in parser.feed(text[i:i + 7])]
    assert reports == [
        Progress(out_time=1.0, frame=10, total_size=500, speed=2.5, fraction=0.25, done=False),
        Progress(out_time=4.0, frame=40, total_size=900, speed=2.5, fraction=1.0, done=True),
    ]


def test_parser_tolerates_unknown_values_and_an_unknown_duration() -> None:
    parser = ProgressParser(duration=None)
    [report] = parser.feed(b"frame=0\nout_time_us=N/A\nspeed=N/A\nprogress=continue\n")
    assert (report.out_time, report.speed, report.fraction, report.done) == (0.0, None, None, False)


def test_only_new_output_counts_as_progress() -> None:
    first = Progress(out_time=1.0, frame=10, total_size=500, speed=None, fraction=None, done=False)
    assert advanced(None, first)
    assert not advanced(first, first)
    assert advanced(first, Progress(1.0, 11, 500, None, None, False))
    assert advanced(first, Progress(1.0, 10, 501, None, None, False))


def test_real_progress_is_reported_until_the_end() -> None:
    reports: list[Progress] = []
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=s=64x48:r=10:d=1.5", "-vf", "realtime", "-f", "null", "-"],
               stall_seconds=5, duration=1.5, on_progress=reports.append)
    assert len(reports) >= 2
    times = [r.out_time for r in reports]
    assert times == sorted(times) and times[0] < times[-1]
    assert reports[-1].done and reports[-1].fraction == 1.0


def test_ffmpeg_blocked_on_an_input_that_never_arrives_is_killed_as_stalled(tmp_path: Path) -> None:
    fifo = tmp_path / "never.fifo"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(FfmpegStalled) as caught:
        run_ffmpeg(["-i", str(fifo), "-f", "null", "-"], stall_seconds=1.0, what="transcode")
    assert 1.0 <= time.monotonic() - started < 5
    assert caught.value.retry is True
    assert caught.value.message == "transcode made no progress for 1 s and was killed (no output at all)"
    assert _children_named("ffmpeg") == []


@pytest.fixture
def trickling_fifo(tmp_path: Path) -> Iterator[Path]:
    """A FIFO of raw 32x24 grey frames: one every 0.1 s for 1.2 s, then silence (held open)."""
    fifo = tmp_path / "trickle.fifo"
    os.mkfifo(fifo)
    release = threading.Event()

    def write() -> None:
        with fifo.open("wb") as sink:
            for i in range(12):
                sink.write(bytes([i * 20]) * (32 * 24))
                sink.flush()
                time.sleep(0.1)
            release.wait(30)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    yield fifo
    release.set()
    writer.join(5)


def test_ffmpeg_that_stops_making_progress_midway_is_killed(trickling_fifo: Path) -> None:
    reports: list[Progress] = []
    with pytest.raises(FfmpegStalled) as caught:
        run_ffmpeg(["-f", "rawvideo", "-pix_fmt", "gray", "-s", "32x24", "-r", "10", "-i", str(trickling_fifo),
                    "-f", "null", "-"], stall_seconds=1.5, on_progress=reports.append)
    assert any(r.out_time > 0 for r in reports), "real progress was seen before the stall"
    assert "made no progress for 1.5 s and was killed (last output at" in caught.value.message
    assert _children_named("ffmpeg") == []


def test_an_exception_from_the_progress_callback_kills_ffmpeg_and_propagates() -> None:
    class Cancelled(Exception):
        pass

    def cancel(_: Progress) -> None:
        raise Cancelled

    started = time.monotonic()
    with pytest.raises(Cancelled):
        run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=s=64x48:r=10:d=30", "-vf", "realtime", "-f", "null", "-"],
                   stall_seconds=10, on_progress=cancel)
    assert time.monotonic() - started < 5
    assert _children_named("ffmpeg") == []


WORKER = """
from viblio_pipeline.media.ffmpeg import run_ffmpeg
print("running", flush=True)
run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=s=64x48:r=10:d=60", "-vf", "realtime", "-f", "null", "-"],
           stall_seconds=30)
"""


def _ffmpeg_children_of(pid: int, within: float = 10.0) -> list[int]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        children = [int(p) for p in os.listdir("/proc") if p.isdigit() and _parent_of(int(p)) == pid]
        if children:
            return children
        time.sleep(0.05)
    return []


def _parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat[stat.rindex(")") + 2:].split()[1])


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux-only")
def test_a_worker_killed_outright_takes_its_ffmpeg_with_it() -> None:
    worker = subprocess.Popen([sys.executable, "-c", WORKER], stdout=subprocess.PIPE, text=True)
    try:
        assert worker.stdout is not None and worker.stdout.readline().strip() == "running"
        [ffmpeg] = _ffmpeg_children_of(worker.pid)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        deadline = time.monotonic() + 5
        while _alive(ffmpeg) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(ffmpeg), "ffmpeg outlived its worker"
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()


def test_a_failing_ffmpeg_raises_a_retryable_error_with_its_own_words(tmp_path: Path) -> None:
    missing = tmp_path / "gone.mp4"
    with pytest.raises(FfmpegFailed) as caught:
        run_ffmpeg(["-i", str(missing), "-f", "null", "-"], stall_seconds=10, what="transcode")
    assert caught.value.retry is True
    assert caught.value.message.startswith("transcode failed (exit status ")
    assert "No such file or directory" in caught.value.message
