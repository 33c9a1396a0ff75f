"""Decider CPU time per decision as the history grows (100 ... 25,000 events).

Builds realistic long histories with the SWF history simulation: a stage that
keeps failing and is retried after backoff timers, heartbeat timeouts retried at
once, unknown signals and rejected injections answered with markers. Then times
one `decide()` call (CPU time, time.process_time, median of --repeat) on each
full history: the cost the decider pays on every decision task.

    .venv/bin/python benchmarks/decider_cpu.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from viblio_pipeline.config import load_config
from viblio_pipeline.workflow import WorkflowSpec, decide
from viblio_pipeline.workflow.simulation import HistoryBuilder

SIZES = (100, 1_000, 10_000, 25_000)
TARGET_SECONDS_AT_25K = 0.2


def benchmark_spec() -> WorkflowSpec:
    """The shipped local config, with upload allowed to retry forever (so the history can grow)."""
    settings = load_config("local", environ={}, require_secrets=False).settings
    stages = dict(settings.stages)
    stages["upload"] = stages["upload"].model_copy(update={"retries_on_failure": 10**6, "retries_on_timeout": 10**6})
    return WorkflowSpec.from_settings(settings.model_copy(update={"stages": stages}))


def build_history(spec: WorkflowSpec, size: int) -> list[dict[str, Any]]:
    """A history of about size events, answered as the real decider answers.

    Deciding costs O(history) per decision task, so building 25,000 events by
    calling the decider every time would be quadratic; the repetitive answers are
    scripted instead, and every CHECK_EVERY-th one is checked against decide().
    """
    history = HistoryBuilder(decider_task_list=spec.decider_task_list)
    history.start({"media_uuid": "bench-media", "user_uuid": "bench-user", "popeye_host": "popeye-1"})
    policy = spec.stage("upload")
    respond = Responder(spec)
    history.decide(respond.real)  # schedules upload-1
    attempt, failures, timeouts, cycle = 1, 0, 0, 0
    while len(history.events) < size:
        cycle += 1
        history.advance(1)
        history.activity_started(f"upload-{attempt}")
        history.advance(2)
        if cycle % 5 == 0:
            history.activity_timed_out(f"upload-{attempt}", "HEARTBEAT")
            timeouts += 1
            attempt += 1
            history.decide(respond.scripted(schedule(spec, attempt, timeouts)))
        else:
            history.activity_failed(f"upload-{attempt}", reason="io: disk busy",
                                    details={"retry": True, "error": "io", "message": "disk busy"})
            failures += 1
            history.decide(respond.scripted(timer(failures, policy.backoff_seconds(failures - 1))))
            history.advance(5).fire_timer(f"retry-upload-{failures}")
            attempt += 1
            history.decide(respond.scripted(schedule(spec, attempt, timeouts)))
        if cycle % 3 == 0:
            history.signal("progress-report", {"cycle": cycle})
            history.decide(respond.scripted(marker("signal-ignored")))
        if cycle % 7 == 0:
            history.signal("inject", {"stage": "thumbnails"})
            history.decide(respond.scripted(marker("inject-rejected")))
    return history.events


Answer = list[dict[str, Any]]
CHECK_EVERY = 50


class Responder:
    """Gives scripted answers, checking a sample of them against the real decider."""

    def __init__(self, spec: WorkflowSpec) -> None:
        self.spec = spec
        self.count = 0

    def real(self, events: list[dict[str, Any]]) -> Answer:
        return decide(events, self.spec)

    def scripted(self, answer: Answer) -> Callable[[list[dict[str, Any]]], Answer]:
        def respond(events: list[dict[str, Any]]) -> Answer:
            self.count += 1
            if self.count % CHECK_EVERY == 1:
                expected = [essence(d) for d in decide(events, self.spec)]
                if [essence(d) for d in answer] != expected:
                    raise AssertionError(f"scripted {answer} but the decider says {expected}")
            return answer
        return respond


def essence(decision: dict[str, Any]) -> tuple[Any, ...]:
    kind = decision["decisionType"]
    attrs = decision[kind[:1].lower() + kind[1:] + "DecisionAttributes"]
    keys = ("activityId", "timerId", "markerName", "startToFireTimeout", "taskList", "startToCloseTimeout",
            "heartbeatTimeout", "scheduleToStartTimeout", "scheduleToCloseTimeout")
    return (kind, *(str(attrs.get(key)) for key in keys))


def timer(serial: int, seconds: int) -> Answer:
    return [{"decisionType": "StartTimer", "startTimerDecisionAttributes": {
        "timerId": f"retry-upload-{serial}", "startToFireTimeout": str(seconds),
        "control": '{"stage":"upload","cause":"failure"}'}}]


def schedule(spec: WorkflowSpec, attempt: int, timeouts: int) -> Answer:
    policy = spec.stage("upload")
    payload = ('{"media_uuid":"bench-media","user_uuid":"bench-user","popeye_host":"popeye-1","results":{},'
               '"summary":{}}')
    return [{"decisionType": "ScheduleActivityTask", "scheduleActivityTaskDecisionAttributes": {
        "activityType": policy.activity_type, "activityId": f"upload-{attempt}",
        "taskList": {"name": "upload-local-popeye-1"}, "input": payload,
        "control": f'{{"stage":"upload","attempt":{attempt}}}',
        **policy.timeouts_for(False, timeouts).swf_attributes()}}]


def marker(name: str) -> Answer:
    return [{"decisionType": "RecordMarker", "recordMarkerDecisionAttributes": {
        "markerName": name, "details": '{"reason":"benchmark"}'}}]


def cpu_seconds(spec: WorkflowSpec, events: list[dict[str, Any]], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.process_time()
        decide(events, spec)
        samples.append(time.process_time() - started)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="decide() calls per size; the median is shown")
    args = parser.parse_args()
    spec = benchmark_spec()
    rows = []
    for size in SIZES:
        events = build_history(spec, size)
        seconds = cpu_seconds(spec, events, args.repeat)
        rows.append((len(events), seconds))
    print(f"{'events':>8}  {'CPU s/decision':>15}  {'µs/event':>9}")
    for count, seconds in rows:
        print(f"{count:>8}  {seconds:>15.4f}  {seconds / count * 1e6:>9.2f}")
    largest = rows[-1][1]
    verdict = "ok" if largest < TARGET_SECONDS_AT_25K else "TOO SLOW"
    print(f"target: < {TARGET_SECONDS_AT_25K} s at 25,000 events: {verdict}")


if __name__ == "__main__":
    main()
