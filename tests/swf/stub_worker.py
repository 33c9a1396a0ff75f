"""A real ActivityWorker process whose handler follows a test's script.

Usage: stub_worker.py STAGE[,STAGE...] SCRIPTS_JSON MARK_DIR
SCRIPTS_JSON maps stage -> {attempt number (as a string, "*" for any) -> behaviour}:
"ok", "fail_retry", "fail_final", "crash", "sleep:SECONDS" (heartbeating, then ok).
Each task writes MARK_DIR/<stage>-<attempt>.started before it runs and
.finished after, so tests can time their kills.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

from viblio_pipeline.activities.base import ActivityContext, ActivityError
from viblio_pipeline.config import load_config
from viblio_pipeline.logs import setup_logging
from viblio_pipeline.swf.client import make_client
from viblio_pipeline.swf.stopping import StopController
from viblio_pipeline.swf.worker import ActivityWorker


def stub_handler(stage: str, script: dict[str, str], marks: Path) -> Any:
    def handler(ctx: ActivityContext, payload: dict[str, Any]) -> dict[str, Any]:
        behaviour = script.get(str(ctx.attempt), script.get("*", "ok"))
        (marks / f"{stage}-{ctx.attempt}.started").write_text(json.dumps(payload))
        if behaviour == "fail_retry":
            raise ActivityError("stub_failure", f"{stage} failed on attempt {ctx.attempt}", retry=True)
        if behaviour == "fail_final":
            raise ActivityError("stub_final", f"{stage} cannot succeed", retry=False)
        if behaviour == "crash":
            raise RuntimeError("stub crash")
        if behaviour.startswith("sleep:"):
            deadline = time.monotonic() + float(behaviour.split(":")[1])
            while time.monotonic() < deadline:
                ctx.heartbeat(remaining=round(deadline - time.monotonic(), 1))
                time.sleep(0.05)
        (marks / f"{stage}-{ctx.attempt}.finished").write_text("")
        return {"stage": stage, "attempt": ctx.attempt, "deps": sorted(payload.get("results", {}))}

    return handler


def main() -> int:
    stages, scripts, marks = sys.argv[1].split(","), json.loads(sys.argv[2]), Path(sys.argv[3])
    config = load_config()
    setup_logging(config, role=f"stub-{'+'.join(stages)}")
    stop = StopController()
    stop.install()
    client = make_client(config)
    loops = [
        ActivityWorker(client, config, stage, config.settings.stage_task_list(stage, socket.gethostname()),
                       stub_handler(stage, scripts.get(stage, {}), marks), stop)
        for stage in stages
    ]
    if len(loops) == 1:
        return loops[0].run()
    threads = [threading.Thread(target=loop.run, daemon=True) for loop in loops]
    for thread in threads:
        thread.start()
    while not stop.requested.wait(0.2):
        pass
    for thread in threads:
        thread.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())
