"""Server-side request validation driven by the botocore SWF service model.

botocore checks only required fields, types and minimums on the client; real
SWF also rejects over-long strings, unknown enum values and out-of-range
numbers. The limits are read from the installed model, never copied by hand,
and messages follow the coral style real SWF answers with.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import botocore.session
from botocore.model import ListShape, OperationModel, ServiceModel, Shape, StructureShape

from viblio_pipeline.localswf.faults import ValidationException

MAX_ERRORS_REPORTED = 10


@lru_cache(maxsize=1)
def service_model() -> ServiceModel:
    """The SWF model shipped with botocore (loaded once)."""
    return botocore.session.get_session().get_service_model("swf")


@lru_cache(maxsize=64)
def operation_model(name: str) -> OperationModel:
    return service_model().operation_model(name)


def operation_names() -> list[str]:
    return list(service_model().operation_names)


def _show(value: Any) -> str:
    if value is None:
        return "null"
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return f"'{text}'" if isinstance(value, str) else text


def _check(shape: Shape, value: Any, path: str, errors: list[str]) -> None:
    kind = shape.type_name

    def fail(constraint: str) -> None:
        errors.append(f"Value {_show(value)} at '{path}' failed to satisfy constraint: {constraint}")

    meta = shape.metadata
    if kind == "structure":
        assert isinstance(shape, StructureShape)
        if not isinstance(value, dict):
            fail("Member must be a structure")
            return
        for name in shape.required_members:
            if value.get(name) is None:
                errors.append(f"Value null at '{_join(path, name)}' failed to satisfy constraint: "
                              "Member must not be null")
        for name, member in shape.members.items():
            if name in value and value[name] is not None:
                _check(member, value[name], _join(path, name), errors)
    elif kind == "list":
        assert isinstance(shape, ListShape)
        if not isinstance(value, list):
            fail("Member must be a list")
            return
        if "max" in meta and len(value) > meta["max"]:
            fail(f"Member must have length less than or equal to {meta['max']}")
        if "min" in meta and len(value) < meta["min"]:
            fail(f"Member must have length greater than or equal to {meta['min']}")
        for index, item in enumerate(value, start=1):
            _check(shape.member, item, f"{path}.{index}.member", errors)
    elif kind == "string":
        if not isinstance(value, str):
            fail("Member must be a string")
            return
        if "max" in meta and len(value) > meta["max"]:
            fail(f"Member must have length less than or equal to {meta['max']}")
        if "min" in meta and len(value) < meta["min"]:
            fail(f"Member must have length greater than or equal to {meta['min']}")
        enum: list[str] = getattr(shape, "enum", None) or []
        if enum and value not in enum:
            fail("Member must satisfy enum value set: [" + ", ".join(enum) + "]")
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            fail("Member must be a number")
            return
        if "max" in meta and value > meta["max"]:
            fail(f"Member must have value less than or equal to {meta['max']}")
        if "min" in meta and value < meta["min"]:
            fail(f"Member must have value greater than or equal to {meta['min']}")
    elif kind == "boolean":
        if not isinstance(value, bool):
            fail("Member must be a boolean")
    elif kind == "timestamp" and (isinstance(value, bool) or not isinstance(value, (int, float))):
        fail("Member must be a timestamp")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def validate(operation: str, params: dict[str, Any]) -> None:
    """Raise ValidationException if params break the model's constraints."""
    shape = operation_model(operation).input_shape
    if shape is None:
        return
    errors: list[str] = []
    _check(shape, params, "", errors)
    if errors:
        raise_errors(errors)


def raise_errors(errors: list[str]) -> None:
    shown = errors[:MAX_ERRORS_REPORTED]
    noun = "error" if len(errors) == 1 else "errors"
    raise ValidationException(f"{len(errors)} validation {noun} detected: " + "; ".join(shown))


FORBIDDEN_CHARS = frozenset(":/|")


def check_name(value: str, path: str) -> None:
    """SWF's rule for names and ids: no edge whitespace, `:/|`, control chars or `arn`."""
    bad = (
        value != value.strip()
        or value == "arn"
        or any(ch in FORBIDDEN_CHARS or ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in value)
    )
    if bad:
        raise ValidationException(
            f"1 validation error detected: Value '{value}' at '{path}' failed to satisfy constraint: "
            "Member must not start or end with whitespace, contain ':', '/', '|', control characters, "
            "or be the literal string 'arn'"
        )


def parse_duration(value: str | None, path: str, allow_none: bool = True) -> int | None:
    """Seconds from an SWF duration string; None means NONE (unlimited)."""
    if value is None:
        return None
    if value == "NONE":
        if not allow_none:
            raise ValidationException(
                f"1 validation error detected: Value 'NONE' at '{path}' failed to satisfy constraint: "
                "Member must be a number of seconds; NONE is not allowed here")
        return None
    if not value.isdigit():
        raise ValidationException(
            f"1 validation error detected: Value '{value}' at '{path}' failed to satisfy constraint: "
            "Member must be an integer number of seconds or NONE")
    return int(value)
