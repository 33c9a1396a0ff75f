"""Run the pinned ffmpeg binary, follow its progress, kill it when it stalls.

ffmpeg comes from imageio-ffmpeg (a static build shipped as a wheel), so hosts
need no system ffmpeg and every host runs the same version. Progress is read
from `-progress pipe:1`; "progress" means the output advanced (time, frames or
bytes). A process that shows none for `stall_seconds` is killed with its whole
process group and the attempt fails as retryable: a hung read or a wedged
encoder must not hold a worker until SWF's much longer timeouts fire.
"""

from __future__ import annotations

import ctypes
import os
import selectors
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from viblio_pipeline.media.errors import FfmpegFailed, FfmpegStalled, MediaError

STATS_PERIOD = 0.5
"""Seconds between ffmpeg's progress reports; also bounds stall-check latency."""

STDERR_TAIL_BYTES = 8192
PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Progress:
    """One progress report of a running ffmpeg."""

    out_time: float
    frame: int
    total_size: int
    speed: float | None
    fraction: float | None
    done: bool


ProgressCallback = Callable[[Progress], None]


@lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    """The path of the pinned ffmpeg (IMAGEIO_FFMPEG_EXE overrides it)."""
    import imageio_ffmpeg

    try:
        exe: str = imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as exc:
        raise MediaError(f"ffmpeg binary not found (imageio-ffmpeg): {exc}") from exc
    return exe


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value.rstrip("x"))
    except ValueError:
        return None


class ProgressParser:
    """Turns `-progress` key=value lines into Progress reports, one per block."""

    def __init__(self, duration: float | None = None) -> None:
        self.duration = duration if duration and duration > 0 else None
        self._fields: dict[str, str] = {}
        self._buffer = b""

    def feed(self, chunk: bytes) -> Iterator[Progress]:
        self._buffer += chunk
        *lines, self._buffer = self._buffer.split(b"\n")
        for raw in lines:
            key, sep, value = raw.decode("utf-8", "replace").strip().partition("=")
            if not sep:
                continue
            if key != "progress":
                self._fields[key] = value
                continue
            yield self._report(done=value == "end")
            self._fields = {}

    def _report(self, done: bool) -> Progress:
        micros = _number(self._fields.get("out_time_us")) or 0.0
        out_time = max(micros / 1_000_000, 0.0)
        fraction = None
        if self.duration:
            fraction = 1.0 if done else min(out_time / self.duration, 1.0)
        return Progress(
            out_time=out_time,
            frame=int(_number(self._fields.get("frame")) or 0),
            total_size=int(_number(self._fields.get("total_size")) or 0),
            speed=_number(self._fields.get("speed")),
            fraction=fraction,
            done=done,
        )


def advanced(before: Progress | None, after: Progress) -> bool:
    """Whether ffmpeg did real work between two reports."""
    if before is None:
        return True
    return (
        after.done
        or after.out_time > before.out_time
        or after.frame > before.frame
        or after.total_size > before.total_size
    )


def run_ffmpeg(
    args: Sequence[str],
    *,
    stall_seconds: float,
    duration: float | None = None,
    on_progress: ProgressCallback | None = None,
    what: str = "ffmpeg",
) -> None:
    """Run ffmpeg with args (inputs, filters, outputs) until it finishes.

    Raises FfmpegStalled if no progress is seen for stall_seconds (counted from
    start, so a hung open counts too), FfmpegFailed on a non-zero exit. Any
    exception from on_progress (e.g. a cancel request) kills ffmpeg and
    propagates.
    """
    command = [
        ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-nostats",
        "-progress", "pipe:1", "-stats_period", str(STATS_PERIOD), "-y", *args,
    ]
    proc = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True, preexec_fn=_die_with_parent(),
    )
    try:
        stderr_tail = _follow(proc, ProgressParser(duration), stall_seconds, on_progress, what)
        returncode = proc.wait()
    finally:
        _kill(proc)
    if returncode != 0:
        raise FfmpegFailed(f"{what} failed ({_exit_text(returncode)}): {_last_lines(stderr_tail)}")


def _die_with_parent() -> Callable[[], None] | None:
    """Linux: the kernel SIGKILLs ffmpeg if the worker dies, even by SIGKILL.

    ffmpeg runs in its own session (so a stall kill takes its whole group), which
    also puts it out of reach of supervisord's stopasgroup; without this a killed
    worker would leave an orphan encoding for nobody.
    """
    prctl = _prctl()
    if prctl is None:
        return None
    parent = os.getpid()

    def in_child() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return in_child


@lru_cache(maxsize=1)
def _prctl() -> Callable[[int, int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl: Callable[[int, int], int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return prctl


def _follow(
    proc: subprocess.Popen[bytes],
    parser: ProgressParser,
    stall_seconds: float,
    on_progress: ProgressCallback | None,
    what: str,
) -> bytes:
    """Pump ffmpeg's pipes until both close; return the tail of its stderr."""
    assert proc.stdout is not None and proc.stderr is not None
    stderr_tail: deque[bytes] = deque()
    tail_size = 0
    last: Progress | None = None
    last_advance = time.monotonic()
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ, "out")
        selector.register(proc.stderr, selectors.EVENT_READ, "err")
        while selector.get_map():
            idle = time.monotonic() - last_advance
            if idle > stall_seconds:
                _kill(proc)
                raise FfmpegStalled(
                    f"{what} made no progress for {stall_seconds:g} s and was killed"
                    + (f" (last output at {last.out_time:.1f} s)" if last else " (no output at all)")
                )
            for key, _ in selector.select(timeout=min(STATS_PERIOD, stall_seconds - idle + 0.01)):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    selector.unregister(key.fileobj)
                    continue
                if key.data == "err":
                    stderr_tail.append(chunk)
                    tail_size += len(chunk)
                    while tail_size > STDERR_TAIL_BYTES and len(stderr_tail) > 1:
                        tail_size -= len(stderr_tail.popleft())
                    continue
                for report in parser.feed(chunk):
                    if advanced(last, report):
                        last_advance = time.monotonic()
                    last = report
                    if on_progress is not None:
                        on_progress(report)
    return b"".join(stderr_tail)[-STDERR_TAIL_BYTES:]


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """Kill ffmpeg's whole process group (if still running) and reap it."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None and not pipe.closed:
            pipe.close()


def _exit_text(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"killed by signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit status {returncode}"


def _last_lines(stderr: bytes, limit: int = 200) -> str:
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    text = " | ".join(lines[-3:]) or "no error message"
    return text if len(text) <= limit else "..." + text[-limit:]
