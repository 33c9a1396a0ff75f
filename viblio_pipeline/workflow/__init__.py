"""The VideoProcessing workflow: a DAG of stages from config and a pure decider.

`WorkflowSpec.from_settings(settings)` freezes the DAG and per-stage policy;
`decide(events, spec)` turns a full SWF history into boto3 decisions.
"""

from viblio_pipeline.workflow.decider import decide
from viblio_pipeline.workflow.failure import FailureDetails, encode_failure_details, parse_failure_details
from viblio_pipeline.workflow.history import HistoryError, load_history
from viblio_pipeline.workflow.ids import activity_id, workflow_id_for
from viblio_pipeline.workflow.input import InvalidWorkflowInput, WorkflowInput, parse_workflow_input
from viblio_pipeline.workflow.spec import StagePolicy, Timeouts, WorkflowSpec

__all__ = [
    "FailureDetails",
    "HistoryError",
    "InvalidWorkflowInput",
    "StagePolicy",
    "Timeouts",
    "WorkflowInput",
    "WorkflowSpec",
    "activity_id",
    "decide",
    "encode_failure_details",
    "load_history",
    "parse_failure_details",
    "parse_workflow_input",
    "workflow_id_for",
]
