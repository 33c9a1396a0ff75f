"""The deadline scheduler in-process: on-time firing and compaction of stale entries."""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable

import pytest

from viblio_pipeline.localswf import timeouts

pytestmark = pytest.mark.timeout(30)


def test_fires_in_deadline_order_and_on_time() -> None:
    fired: list[tuple[Hashable, float]] = []
    done = threading.Event()

    def fire(key: Hashable) -> None:
        fired.append((key, time.time()))
        if len(fired) == 3:
            done.set()

    sched = timeouts.Scheduler(fire)
    sched.start()
    try:
        now = time.time()
        sched.at(now + 0.3, "c")
        sched.at(now + 0.1, "a")
        sched.at(now + 0.2, "b")
        assert done.wait(5)
        assert [k for k, _ in fired] == ["a", "b", "c"]
        for (_, at), due in zip(fired, (0.1, 0.2, 0.3), strict=True):
            assert 0 <= at - (now + due) < 0.25
    finally:
        sched.stop()


def test_stale_entries_are_compacted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timeouts, "COMPACT_AT", 100)
    live_keys = {f"live-{i}" for i in range(10)}
    sched = timeouts.Scheduler(lambda key: None, live=lambda key: key in live_keys)
    far = time.time() + 3600
    for i in range(10):
        sched.at(far, f"live-{i}")
    for i in range(200):
        sched.at(far, f"stale-{i}")
    assert len(sched) < 110  # compacted at least once; live entries kept
    for key in live_keys:
        sched.at(far, key)  # still accepted after compaction
