"""A real activity worker process whose handler takes a known time (heartbeating).

Usage: slow_worker.py STAGE SECONDS MARK_DIR. The worker runtime, signal
handling and SWF calls are the product's; only the handler's work is a
timed stand-in, so a test can stop the process while a task is in hand.
Each task writes MARK_DIR/<stage>-<attempt>.started and .finished.
"""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path
from typing import Any

from viblio_pipeline.activities.base import ActivityContext
from viblio_pipeline.config import load_config
from viblio_pipeline.logs import setup_logging
from viblio_pipeline.swf.client import make_client
from viblio_pipeline.swf.stopping import StopController
from viblio_pipeline.swf.worker import ActivityWorker


def main() -> int:
    stage, seconds, marks = sys.argv[1], float(sys.argv[2]), Path(sys.argv[3])
    stop = StopController()
    stop.install()
    config = load_config()
    setup_logging(config, role=f"slow-{stage}")

    def handler(ctx: ActivityContext, payload: dict[str, Any]) -> dict[str, Any]:
        (marks / f"{stage}-{ctx.attempt}.started").write_text("")
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            ctx.heartbeat(remaining=round(deadline - time.monotonic(), 1))
            time.sleep(0.05)
        (marks / f"{stage}-{ctx.attempt}.finished").write_text("")
        return {"stage": stage, "attempt": ctx.attempt}

    task_list = config.settings.stage_task_list(stage, socket.gethostname())
    return ActivityWorker(make_client(config), config, stage, task_list, handler, stop).run()


if __name__ == "__main__":
    sys.exit(main())
