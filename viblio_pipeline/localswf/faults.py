"""SWF fault types with the wire names and HTTP statuses real SWF uses.

Clients (botocore) map the `__type` suffix to an exception class, so the names
must match the service model exactly.
"""

from __future__ import annotations

SWF_PREFIX = "com.amazonaws.swf.base.model#"


class SwfError(Exception):
    """An error answered to the client as `{"__type": ..., "message": ...}`."""

    wire_type = SWF_PREFIX + "InternalFailure"
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> dict[str, str]:
        return {"__type": self.wire_type, "message": self.message}


class UnknownResourceFault(SwfError):
    """Modelled SWF fault UnknownResourceFault."""

    wire_type = SWF_PREFIX + "UnknownResourceFault"


class TypeAlreadyExistsFault(SwfError):
    """Modelled SWF fault TypeAlreadyExistsFault."""

    wire_type = SWF_PREFIX + "TypeAlreadyExistsFault"


class DomainAlreadyExistsFault(SwfError):
    """Modelled SWF fault DomainAlreadyExistsFault."""

    wire_type = SWF_PREFIX + "DomainAlreadyExistsFault"


class DomainDeprecatedFault(SwfError):
    """Modelled SWF fault DomainDeprecatedFault."""

    wire_type = SWF_PREFIX + "DomainDeprecatedFault"


class TypeDeprecatedFault(SwfError):
    """Modelled SWF fault TypeDeprecatedFault."""

    wire_type = SWF_PREFIX + "TypeDeprecatedFault"


class TypeNotDeprecatedFault(SwfError):
    """Modelled SWF fault TypeNotDeprecatedFault."""

    wire_type = SWF_PREFIX + "TypeNotDeprecatedFault"


class WorkflowExecutionAlreadyStartedFault(SwfError):
    """Modelled SWF fault WorkflowExecutionAlreadyStartedFault."""

    wire_type = SWF_PREFIX + "WorkflowExecutionAlreadyStartedFault"


class DefaultUndefinedFault(SwfError):
    """Modelled SWF fault DefaultUndefinedFault."""

    wire_type = SWF_PREFIX + "DefaultUndefinedFault"


class LimitExceededFault(SwfError):
    """Modelled SWF fault LimitExceededFault."""

    wire_type = SWF_PREFIX + "LimitExceededFault"


class OperationNotPermittedFault(SwfError):
    """Modelled SWF fault OperationNotPermittedFault."""

    wire_type = SWF_PREFIX + "OperationNotPermittedFault"


class TooManyTagsFault(SwfError):
    """Modelled SWF fault TooManyTagsFault."""

    wire_type = SWF_PREFIX + "TooManyTagsFault"


class ValidationException(SwfError):
    """Bad or missing request fields (coral validation)."""

    wire_type = "com.amazon.coral.validate#ValidationException"


class SerializationException(SwfError):
    """A body that is not a JSON object."""

    wire_type = "com.amazon.coral.service#SerializationException"


class UnknownOperationException(SwfError):
    """An X-Amz-Target naming no SWF operation."""

    wire_type = "com.amazon.coral.service#UnknownOperationException"


class ThrottlingException(SwfError):
    """Too many requests; clients retry these."""

    wire_type = "com.amazon.coral.availability#ThrottlingException"


class InternalFailure(SwfError):
    """An unexpected server error (500, retried by clients)."""

    wire_type = "com.amazon.coral.service#InternalFailure"
    status = 500


def type_desc(kind: str, name: str, version: str) -> str:
    """`WorkflowType=[name=N, version=V]`, the form SWF messages use."""
    return f"{kind}=[name={name}, version={version}]"


def execution_desc(workflow_id: str, run_id: str | None) -> str:
    return f"WorkflowExecution=[workflowId={workflow_id}, runId={run_id}]"
