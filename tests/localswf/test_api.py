"""Wire protocol, validation, domains, types and tags."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError
from lswf_kit import ServerProcess, Swf

pytestmark = pytest.mark.timeout(60)


def raw(server: ServerProcess, target: str, body: Any, content_type: str = "application/x-amz-json-1.0"
        ) -> tuple[int, dict[str, str], bytes]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(server.url + "/", data=data, method="POST",
                                 headers={"X-Amz-Target": target, "Content-Type": content_type})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_every_model_operation_is_served(server: ServerProcess) -> None:
    model = botocore.session.get_session().get_service_model("swf")
    assert len(model.operation_names) == 39
    for name in model.operation_names:
        status, _, body = raw(server, f"SimpleWorkflowService.{name}", {})
        # An empty request reaches validation (or a handler), never "unknown operation".
        assert b"UnknownOperationException" not in body, name
        assert status in (200, 400), name


def test_error_body_format_and_headers(server: ServerProcess) -> None:
    status, headers, body = raw(server, "SimpleWorkflowService.DescribeDomain", {"name": "no-such"})
    assert status == 400
    assert json.loads(body) == {"__type": "com.amazonaws.swf.base.model#UnknownResourceFault",
                                "message": "Unknown domain: no-such"}
    assert headers["Content-Type"] == "application/x-amz-json-1.0"
    assert headers.get("x-amzn-RequestId")
    status, _, body = raw(server, "SimpleWorkflowService.NoSuchThing", {})
    assert status == 400 and json.loads(body)["__type"].endswith("#UnknownOperationException")
    status, _, body = raw(server, "SimpleWorkflowService.ListDomains", b"{not json")
    assert status == 400 and json.loads(body)["__type"].endswith("#SerializationException")


def test_legacy_target_prefix_and_empty_output(server: ServerProcess) -> None:
    name = "legacy-" + uuid.uuid4().hex[:8]
    status, _, body = raw(server, "com.amazonaws.swf.service.model.SimpleWorkflowService.RegisterDomain",
                          {"name": name, "workflowExecutionRetentionPeriodInDays": "1"}, "application/json")
    assert (status, body) == (200, b"")
    status, _, body = raw(server, "SimpleWorkflowService.DescribeDomain", {"name": name})
    assert json.loads(body)["domainInfo"]["status"] == "REGISTERED"


def test_validation_max_length_enum_required(server: ServerProcess, client: Any) -> None:
    with pytest.raises(ClientError) as exc:
        client.register_domain(name="x" * 257, workflowExecutionRetentionPeriodInDays="1")
    assert code(exc) == "ValidationException"
    assert exc.value.response["Error"]["Message"] == (
        f"1 validation error detected: Value '{'x' * 257}' at 'name' failed to satisfy constraint: "
        "Member must have length less than or equal to 256")
    status, _, body = raw(server, "SimpleWorkflowService.ListDomains", {"registrationStatus": "BOGUS"})
    assert status == 400
    err = json.loads(body)
    assert err["__type"] == "com.amazon.coral.validate#ValidationException"
    assert "Member must satisfy enum value set: [REGISTERED, DEPRECATED]" in err["message"]
    status, _, body = raw(server, "SimpleWorkflowService.DescribeDomain", {})
    assert "Value null at 'name' failed to satisfy constraint: Member must not be null" in json.loads(body)["message"]
    with pytest.raises(ClientError) as exc:
        client.register_domain(name="bad:name", workflowExecutionRetentionPeriodInDays="1")
    assert code(exc) == "ValidationException"
    with pytest.raises(ClientError) as exc:
        client.register_domain(name="r-" + uuid.uuid4().hex, workflowExecutionRetentionPeriodInDays="91")
    assert code(exc) == "ValidationException"


def test_payload_size_limits(swf: Swf) -> None:
    with pytest.raises(ClientError) as exc:
        swf.start("big", input="x" * 32_769)
    assert code(exc) == "ValidationException"
    swf.start("ok", input="x" * 32_768)


def test_domain_lifecycle(client: Any) -> None:
    name = "dom-" + uuid.uuid4().hex[:8]
    client.register_domain(name=name, workflowExecutionRetentionPeriodInDays="3", description="test")
    with pytest.raises(client.exceptions.DomainAlreadyExistsFault):
        client.register_domain(name=name, workflowExecutionRetentionPeriodInDays="3")
    info = client.describe_domain(name=name)
    assert info["domainInfo"] == {"name": name, "status": "REGISTERED", "description": "test",
                                  "arn": f"arn:aws:swf:us-east-1:000000000000:/domain/{name}"}
    assert info["configuration"] == {"workflowExecutionRetentionPeriodInDays": "3"}
    client.register_workflow_type(domain=name, name="T", version="1")
    client.deprecate_domain(name=name)
    with pytest.raises(client.exceptions.DomainDeprecatedFault):
        client.deprecate_domain(name=name)
    # Deprecating a domain deprecates its types; a deprecated domain starts nothing.
    assert client.describe_workflow_type(domain=name, workflowType={"name": "T", "version": "1"}
                                         )["typeInfo"]["status"] == "DEPRECATED"
    with pytest.raises(ClientError) as exc:
        client.start_workflow_execution(domain=name, workflowId="w", workflowType={"name": "T", "version": "1"})
    assert code(exc) == "DomainDeprecatedFault"
    with pytest.raises(ClientError) as exc:
        client.register_activity_type(domain=name, name="A", version="1")
    assert code(exc) == "DomainDeprecatedFault"
    names = [d["name"] for d in client.list_domains(registrationStatus="DEPRECATED")["domainInfos"]]
    assert name in names
    client.undeprecate_domain(name=name)
    with pytest.raises(client.exceptions.DomainAlreadyExistsFault):
        client.undeprecate_domain(name=name)


def test_type_lifecycle(swf: Swf) -> None:
    c, d = swf.c, swf.domain
    ref = {"name": "Job", "version": "2"}
    c.register_activity_type(domain=d, **ref, description="job", defaultTaskList={"name": "jobs"},
                             defaultTaskStartToCloseTimeout="30")
    with pytest.raises(c.exceptions.TypeAlreadyExistsFault) as exc:
        c.register_activity_type(domain=d, **ref)
    assert exc.value.response["Error"]["Message"] == "ActivityType=[name=Job, version=2]"
    desc = c.describe_activity_type(domain=d, activityType=ref)
    assert desc["typeInfo"]["activityType"] == ref and desc["typeInfo"]["status"] == "REGISTERED"
    assert "deprecationDate" not in desc["typeInfo"]
    assert desc["configuration"] == {"defaultTaskStartToCloseTimeout": "30", "defaultTaskList": {"name": "jobs"}}
    with pytest.raises(c.exceptions.TypeNotDeprecatedFault):
        c.delete_activity_type(domain=d, activityType=ref)
    with pytest.raises(c.exceptions.TypeAlreadyExistsFault):
        c.undeprecate_activity_type(domain=d, activityType=ref)
    c.deprecate_activity_type(domain=d, activityType=ref)
    with pytest.raises(c.exceptions.TypeDeprecatedFault):
        c.deprecate_activity_type(domain=d, activityType=ref)
    listed = c.list_activity_types(domain=d, registrationStatus="DEPRECATED")["typeInfos"]
    assert [t["activityType"] for t in listed] == [ref]
    assert "deprecationDate" in listed[0]
    c.delete_activity_type(domain=d, activityType=ref)
    with pytest.raises(c.exceptions.UnknownResourceFault) as exc:
        c.describe_activity_type(domain=d, activityType=ref)
    assert exc.value.response["Error"]["Message"] == "Unknown type: ActivityType=[name=Job, version=2]"
    wref = {"name": "Flow", "version": "1"}
    c.register_workflow_type(domain=d, **wref, defaultChildPolicy="ABANDON")
    c.deprecate_workflow_type(domain=d, workflowType=wref)
    c.undeprecate_workflow_type(domain=d, workflowType=wref)
    assert c.describe_workflow_type(domain=d, workflowType=wref)["configuration"] == {"defaultChildPolicy": "ABANDON"}
    infos = c.list_workflow_types(domain=d, registrationStatus="REGISTERED")["typeInfos"]
    names = [t["workflowType"]["name"] for t in infos]
    assert names == ["Flow", "W"]
    with pytest.raises(c.exceptions.UnknownResourceFault):
        c.list_workflow_types(domain="nope-" + d, registrationStatus="REGISTERED")


def test_tags(client: Any) -> None:
    name = "tag-" + uuid.uuid4().hex[:8]
    client.register_domain(name=name, workflowExecutionRetentionPeriodInDays="1", tags=[{"key": "team", "value": "a"}])
    arn = client.describe_domain(name=name)["domainInfo"]["arn"]
    client.tag_resource(resourceArn=arn, tags=[{"key": "env", "value": "dev"}, {"key": "team", "value": "b"}])
    tags = client.list_tags_for_resource(resourceArn=arn)["tags"]
    assert sorted((t["key"], t["value"]) for t in tags) == [("env", "dev"), ("team", "b")]
    client.untag_resource(resourceArn=arn, tagKeys=["env"])
    assert client.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "team", "value": "b"}]
    with pytest.raises(client.exceptions.TooManyTagsFault):
        client.tag_resource(resourceArn=arn, tags=[{"key": f"k{i}"} for i in range(50)])
    with pytest.raises(client.exceptions.UnknownResourceFault):
        client.list_tags_for_resource(resourceArn=arn + "x")


def test_filters_are_exclusive_and_time_filters_required(swf: Swf) -> None:
    c, d = swf.c, swf.domain
    with pytest.raises(ClientError) as exc:
        c.list_open_workflow_executions(domain=d, startTimeFilter={"oldestDate": 0},
                                        executionFilter={"workflowId": "x"}, tagFilter={"tag": "t"})
    assert code(exc) == "ValidationException"
    with pytest.raises(ClientError) as exc:
        c.list_closed_workflow_executions(domain=d)
    assert code(exc) == "ValidationException"
    with pytest.raises(ClientError) as exc:
        c.count_closed_workflow_executions(domain=d, startTimeFilter={"oldestDate": 0},
                                           closeTimeFilter={"oldestDate": 0})
    assert code(exc) == "ValidationException"


def test_http_framing_keepalive_close_and_health(server: ServerProcess) -> None:
    import socket

    body = b'{"registrationStatus":"REGISTERED","maximumPageSize":1}'
    request = (b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: SimpleWorkflowService.ListDomains\r\n"
               b"Content-Type: application/x-amz-json-1.0\r\nContent-Length: " + str(len(body)).encode()
               + b"\r\n\r\n" + body)
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request + request)  # two pipelined requests on one keep-alive connection
        data = b""
        while data.count(b"HTTP/1.1 200 OK") < 2:
            chunk = sock.recv(65536)
            assert chunk, "connection closed early"
            data += chunk
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
        reply = b""
        while chunk := sock.recv(65536):  # HTTP/1.0 without keep-alive: the server closes
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 200 OK") and reply.endswith(b'{"status":"ok","service":"localswf"}')
    status, _, err = raw(server, "SimpleWorkflowService.ListDomains", b"{" + b" " * (1024 * 1024 + 1) + b"}")
    assert status == 400 and json.loads(err)["__type"] == "com.amazon.coral.validate#ValidationException"
