"""load_history: the saved-history formats operators have at hand."""

from __future__ import annotations

import json

import pytest

from viblio_pipeline.workflow import HistoryError, load_history

EVENTS = [
    {"eventId": 2, "eventTimestamp": 1382306943.5, "eventType": "DecisionTaskScheduled",
     "decisionTaskScheduledEventAttributes": {"taskList": {"name": "d"}, "startToCloseTimeout": "60"}},
    {"eventId": 1, "eventTimestamp": 1382306943.108, "eventType": "WorkflowExecutionStarted",
     "workflowExecutionStartedEventAttributes": {"childPolicy": "TERMINATE", "taskList": {"name": "d"},
                                                 "workflowType": {"name": "W", "version": "1"}}},
]


def test_get_workflow_execution_history_json_is_read_in_event_order() -> None:
    events = load_history(json.dumps({"events": EVENTS, "nextPageToken": None}))
    assert [e["eventId"] for e in events] == [1, 2]


def test_a_bare_list_of_events_is_read() -> None:
    assert len(load_history(json.dumps(EVENTS))) == 2


def test_a_python_pprint_dump_is_read() -> None:
    text = ">>> print pp.pprint( execution.history() )\n" + repr(EVENTS) + "\nNone\n"
    assert [e["eventType"] for e in load_history(text)] == ["WorkflowExecutionStarted", "DecisionTaskScheduled"]


@pytest.mark.parametrize("stamp", [
    "2013-10-20T22:09:03.108000+00:00",  # AWS CLI
    "2013-10-20 22:09:03.108000+00:00",  # str(datetime), as `viblio-pipeline history --json` writes it
    "2013-10-20T22:09:03.108Z",
])
def test_text_timestamps_become_epoch_seconds(stamp: str) -> None:
    events = load_history(json.dumps([{**EVENTS[1], "eventTimestamp": stamp}]))
    assert events[0]["eventTimestamp"] == pytest.approx(1382306943.108)


@pytest.mark.parametrize("text, message", [
    ("", "not JSON"),
    ('{"nextPageToken": "x"}', "needs an 'events' list"),
    ('"events"', "a history is a list of events"),
    ('[{"eventType": "X", "eventTimestamp": 1}]', "event #1: eventId must be a positive integer"),
    ('[{"eventId": 1, "eventTimestamp": 1}]', "event #1 (eventId 1): eventType is missing"),
    ('[{"eventId": 1, "eventType": "X", "eventTimestamp": "soon"}]', "neither epoch seconds nor ISO 8601"),
    ('[{"eventId": 1, "eventType": "X", "eventTimestamp": 1}, {"eventId": 1, "eventType": "Y", '
     '"eventTimestamp": 1}]', "eventId 1 appears twice"),
])
def test_unreadable_histories_say_where_and_why(text: str, message: str) -> None:
    with pytest.raises(HistoryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_history(text)
