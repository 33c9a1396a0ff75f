"""The 39 SWF operations (except RespondDecisionTaskCompleted, in decisions.py).

Each handler takes the validated request dict and returns the response dict
(None for operations without output). They run with the engine lock held;
the dispatcher flushes to SQLite before the response goes out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from viblio_pipeline.localswf import paging
from viblio_pipeline.localswf.engine import (
    DOMAINS_LIMIT,
    OPEN_EXECUTIONS_LIMIT,
    TYPES_LIMIT,
    Engine,
)
from viblio_pipeline.localswf.faults import (
    DefaultUndefinedFault,
    DomainAlreadyExistsFault,
    DomainDeprecatedFault,
    LimitExceededFault,
    TooManyTagsFault,
    TypeAlreadyExistsFault,
    TypeDeprecatedFault,
    TypeNotDeprecatedFault,
    UnknownResourceFault,
    ValidationException,
    WorkflowExecutionAlreadyStartedFault,
    type_desc,
)
from viblio_pipeline.localswf.state import Activity, Domain, Execution, Json, RawJson, TypeRecord, now, prune
from viblio_pipeline.localswf.store import dumps
from viblio_pipeline.localswf.validation import check_name, parse_duration

P = dict[str, Any]
MAX_RESOURCE_TAGS = 50
MAX_EXEC_TIMEOUT = 31_536_000
KIND_LABEL = {"activity": "ActivityType", "workflow": "WorkflowType"}
ACTIVITY_DEFAULTS = ("defaultTaskStartToCloseTimeout", "defaultTaskHeartbeatTimeout",
                     "defaultTaskScheduleToStartTimeout", "defaultTaskScheduleToCloseTimeout")
WORKFLOW_DEFAULTS = ("defaultTaskStartToCloseTimeout", "defaultExecutionStartToCloseTimeout")


def invalid(path: str, value: Any, constraint: str) -> ValidationException:
    return ValidationException(f"1 validation error detected: Value '{value}' at '{path}' "
                               f"failed to satisfy constraint: {constraint}")


def check_retention(value: str) -> None:
    if value == "NONE":
        return
    if not value.isdigit() or not 0 <= int(value) <= 90:
        raise invalid("workflowExecutionRetentionPeriodInDays", value,
                      "Member must be NONE or an integer number of days from 0 to 90")


class Operations:
    """Handlers bound to one Engine; `table()` maps operation names to them."""

    def __init__(self, engine: Engine) -> None:
        self.e = engine

    # -- domains -------------------------------------------------------------------------
    def RegisterDomain(self, p: P) -> None:
        name = p["name"]
        check_name(name, "name")
        retention = p["workflowExecutionRetentionPeriodInDays"]
        check_retention(retention)
        if name in self.e.domains:
            raise DomainAlreadyExistsFault(name)
        if len(self.e.domains) >= DOMAINS_LIMIT:
            raise LimitExceededFault(f"Limit of {DOMAINS_LIMIT} registered domains exceeded")
        tags = p.get("tags") or []
        if len(tags) > MAX_RESOURCE_TAGS:
            raise TooManyTagsFault(f"A resource can have at most {MAX_RESOURCE_TAGS} tags")
        dom = Domain(name=name, retention=retention, description=p.get("description"),
                     tags=[prune({"key": t["key"], "value": t.get("value")}) for t in tags],
                     created=now())
        self.e.domains[name] = dom
        self.e.save_domain(dom)

    def _domain_info(self, dom: Domain) -> Json:
        return prune({"name": dom.name, "status": dom.status, "description": dom.description,
                      "arn": self.e.domain_arn(dom.name)})

    def DescribeDomain(self, p: P) -> Json:
        dom = self.e.domain(p["name"])
        return {"domainInfo": self._domain_info(dom),
                "configuration": {"workflowExecutionRetentionPeriodInDays": dom.retention}}

    def ListDomains(self, p: P) -> Json:
        doms = sorted((d for d in self.e.domains.values() if d.status == p["registrationStatus"]),
                      key=lambda d: d.name, reverse=bool(p.get("reverseOrder")))
        page, token = _keyed_page([(d.name, d) for d in doms], p, reverse=bool(p.get("reverseOrder")))
        return prune({"domainInfos": [self._domain_info(d) for d in page], "nextPageToken": token})

    def DeprecateDomain(self, p: P) -> None:
        dom = self.e.domain(p["name"])
        if dom.status == "DEPRECATED":
            raise DomainDeprecatedFault(f"Domain is already deprecated: {dom.name}")
        dom.status = "DEPRECATED"
        self.e.save_domain(dom)
        ts = now()
        for (domain, _, _, _), rec in self.e.types.items():
            if domain == dom.name and rec.status == "REGISTERED":
                rec.status, rec.deprecated = "DEPRECATED", ts
                self.e.save_type(domain, rec)

    def UndeprecateDomain(self, p: P) -> None:
        dom = self.e.domain(p["name"])
        if dom.status == "REGISTERED":
            raise DomainAlreadyExistsFault(dom.name)
        dom.status = "REGISTERED"
        self.e.save_domain(dom)

    # -- types ---------------------------------------------------------------------------
    def _live_domain(self, name: str) -> Domain:
        dom = self.e.domain(name)
        if dom.status == "DEPRECATED":
            raise DomainDeprecatedFault(f"Domain is deprecated: {name}")
        return dom

    def _register_type(self, kind: str, p: P, defaults: tuple[str, ...]) -> None:
        dom = self._live_domain(p["domain"])
        name, version = p["name"], p["version"]
        check_name(name, "name")
        check_name(version, "version")
        config: Json = {}
        for key in defaults:
            if p.get(key) is not None:
                parse_duration(p[key], key, allow_none=key != "defaultExecutionStartToCloseTimeout")
                config[key] = p[key]
        if (kind == "workflow" and "defaultExecutionStartToCloseTimeout" in config
                and int(config["defaultExecutionStartToCloseTimeout"]) > MAX_EXEC_TIMEOUT):
                raise invalid("defaultExecutionStartToCloseTimeout", config["defaultExecutionStartToCloseTimeout"],
                              f"Member must be at most {MAX_EXEC_TIMEOUT} seconds (1 year)")
        for key in ("defaultTaskList", "defaultTaskPriority", "defaultChildPolicy", "defaultLambdaRole"):
            if p.get(key) is not None:
                config[key] = p[key]
        if "defaultTaskList" in config:
            check_name(config["defaultTaskList"]["name"], "defaultTaskList.name")
        type_key = (dom.name, kind, name, version)
        if type_key in self.e.types:
            raise TypeAlreadyExistsFault(type_desc(KIND_LABEL[kind], name, version))
        if sum(1 for k in self.e.types if k[0] == dom.name and k[1] == kind) >= TYPES_LIMIT:
            raise LimitExceededFault(f"Limit of {TYPES_LIMIT} registered types exceeded")
        rec = TypeRecord(kind=kind, name=name, version=version, description=p.get("description"),
                         config=config, created=now())
        self.e.types[type_key] = rec
        self.e.save_type(dom.name, rec)

    def get_type(self, domain: str, kind: str, ref: Json) -> TypeRecord:
        self.e.domain(domain)
        rec = self.e.types.get((domain, kind, ref["name"], ref["version"]))
        if rec is None:
            raise UnknownResourceFault(f"Unknown type: {type_desc(KIND_LABEL[kind], ref['name'], ref['version'])}")
        return rec

    def _type_info(self, kind: str, rec: TypeRecord) -> Json:
        return prune({f"{kind}Type": {"name": rec.name, "version": rec.version}, "status": rec.status,
                      "description": rec.description, "creationDate": rec.created,
                      "deprecationDate": rec.deprecated})

    def _describe_type(self, kind: str, p: P) -> Json:
        rec = self.get_type(p["domain"], kind, p[f"{kind}Type"])
        return {"typeInfo": self._type_info(kind, rec), "configuration": dict(rec.config)}

    def _list_types(self, kind: str, p: P) -> Json:
        self.e.domain(p["domain"])
        reverse = bool(p.get("reverseOrder"))
        recs = sorted(((k[2], k[3]), r) for k, r in self.e.types.items()
                      if k[0] == p["domain"] and k[1] == kind and r.status == p["registrationStatus"]
                      and (p.get("name") is None or r.name == p["name"]))
        if reverse:
            recs.reverse()
        page, token = _keyed_page([(list(k), r) for k, r in recs], p, reverse=reverse)
        return prune({"typeInfos": [self._type_info(kind, r) for r in page], "nextPageToken": token})

    def _deprecate_type(self, kind: str, p: P) -> None:
        rec = self.get_type(p["domain"], kind, p[f"{kind}Type"])
        if rec.status == "DEPRECATED":
            raise TypeDeprecatedFault(type_desc(KIND_LABEL[kind], rec.name, rec.version))
        rec.status, rec.deprecated = "DEPRECATED", now()
        self.e.save_type(p["domain"], rec)

    def _undeprecate_type(self, kind: str, p: P) -> None:
        rec = self.get_type(p["domain"], kind, p[f"{kind}Type"])
        if rec.status == "REGISTERED":
            raise TypeAlreadyExistsFault(type_desc(KIND_LABEL[kind], rec.name, rec.version))
        rec.status, rec.deprecated = "REGISTERED", None
        self.e.save_type(p["domain"], rec)

    def _delete_type(self, kind: str, p: P) -> None:
        rec = self.get_type(p["domain"], kind, p[f"{kind}Type"])
        if rec.status != "DEPRECATED":
            raise TypeNotDeprecatedFault(type_desc(KIND_LABEL[kind], rec.name, rec.version))
        del self.e.types[(p["domain"], kind, rec.name, rec.version)]
        self.e.store.delete_type(p["domain"], kind, rec.name, rec.version)

    def RegisterActivityType(self, p: P) -> None:
        self._register_type("activity", p, ACTIVITY_DEFAULTS)

    def RegisterWorkflowType(self, p: P) -> None:
        self._register_type("workflow", p, WORKFLOW_DEFAULTS)

    def DescribeActivityType(self, p: P) -> Json:
        return self._describe_type("activity", p)

    def DescribeWorkflowType(self, p: P) -> Json:
        return self._describe_type("workflow", p)

    def ListActivityTypes(self, p: P) -> Json:
        return self._list_types("activity", p)

    def ListWorkflowTypes(self, p: P) -> Json:
        return self._list_types("workflow", p)

    def DeprecateActivityType(self, p: P) -> None:
        self._deprecate_type("activity", p)

    def DeprecateWorkflowType(self, p: P) -> None:
        self._deprecate_type("workflow", p)

    def UndeprecateActivityType(self, p: P) -> None:
        self._undeprecate_type("activity", p)

    def UndeprecateWorkflowType(self, p: P) -> None:
        self._undeprecate_type("workflow", p)

    def DeleteActivityType(self, p: P) -> None:
        self._delete_type("activity", p)

    def DeleteWorkflowType(self, p: P) -> None:
        self._delete_type("workflow", p)

    # -- executions ----------------------------------------------------------------------
    def resolve_workflow(self, domain: str, p: P, wtype: Json,
                         fault: Callable[[str], Exception]) -> Json:
        """Fill task list, timeouts and child policy from the type's defaults.

        fault(message) builds the error for a missing default: a
        DefaultUndefinedFault for API calls, a `...Failed` cause in decisions.
        """
        rec = self.get_type(domain, "workflow", wtype)
        cfg = rec.config
        task_list = (p.get("taskList") or cfg.get("defaultTaskList") or {}).get("name")
        if not task_list:
            raise fault("DEFAULT_TASK_LIST_UNDEFINED")
        exec_text = p.get("executionStartToCloseTimeout") or cfg.get("defaultExecutionStartToCloseTimeout")
        if exec_text is None:
            raise fault("DEFAULT_EXECUTION_START_TO_CLOSE_TIMEOUT_UNDEFINED")
        exec_timeout = parse_duration(exec_text, "executionStartToCloseTimeout", allow_none=False)
        assert exec_timeout is not None
        if exec_timeout > MAX_EXEC_TIMEOUT:
            raise invalid("executionStartToCloseTimeout", exec_text, "Member must be at most 31536000 seconds")
        task_text = p.get("taskStartToCloseTimeout") or cfg.get("defaultTaskStartToCloseTimeout")
        if task_text is None:
            raise fault("DEFAULT_TASK_START_TO_CLOSE_TIMEOUT_UNDEFINED")
        child_policy = p.get("childPolicy") or cfg.get("defaultChildPolicy")
        if child_policy is None:
            raise fault("DEFAULT_CHILD_POLICY_UNDEFINED")
        return {
            "rec": rec, "task_list": task_list, "exec_timeout": exec_timeout,
            "task_timeout": parse_duration(task_text, "taskStartToCloseTimeout"),
            "child_policy": child_policy,
            "priority": p.get("taskPriority") or cfg.get("defaultTaskPriority"),
            "lambda_role": p.get("lambdaRole") or cfg.get("defaultLambdaRole"),
        }

    def StartWorkflowExecution(self, p: P) -> Json:
        dom = self._live_domain(p["domain"])
        check_name(p["workflowId"], "workflowId")
        wtype = p["workflowType"]
        rec = self.get_type(dom.name, "workflow", wtype)
        if rec.status == "DEPRECATED":
            raise TypeDeprecatedFault(type_desc("WorkflowType", rec.name, rec.version))

        def undefined(cause: str) -> Exception:
            field = cause.removeprefix("DEFAULT_").removesuffix("_UNDEFINED").lower()
            return DefaultUndefinedFault(f"No default value specified for {field} in "
                                         f"{type_desc('WorkflowType', rec.name, rec.version)}")

        if p.get("taskList"):
            check_name(p["taskList"]["name"], "taskList.name")
        r = self.resolve_workflow(dom.name, p, wtype, undefined)
        if (dom.name, p["workflowId"]) in self.e.open_ids:
            raise WorkflowExecutionAlreadyStartedFault("Already Started")
        if self.e.open_count.get(dom.name, 0) >= OPEN_EXECUTIONS_LIMIT:
            raise LimitExceededFault(f"Limit of {OPEN_EXECUTIONS_LIMIT} open executions exceeded")
        exe = self.e.new_run(
            domain=dom.name, workflow_id=p["workflowId"],
            workflow_type={"name": rec.name, "version": rec.version}, task_list=r["task_list"],
            priority=r["priority"], child_policy=r["child_policy"], exec_timeout=r["exec_timeout"],
            task_timeout=r["task_timeout"], tag_list=list(p.get("tagList") or []), input=p.get("input"),
            lambda_role=r["lambda_role"], ts=now())
        return {"runId": exe.run_id}

    def SignalWorkflowExecution(self, p: P) -> None:
        exe = self.e.find_run(p["domain"], p["workflowId"], p.get("runId"))
        if not exe.is_open:
            raise _unknown_execution(p)
        ts = now()
        self.e.add_event(exe, "WorkflowExecutionSignaled", {
            "signalName": p["signalName"], "input": p.get("input"), "externalInitiatedEventId": 0}, ts)
        self.e.schedule_decision(exe, ts)

    def RequestCancelWorkflowExecution(self, p: P) -> None:
        exe = self.e.find_run(p["domain"], p["workflowId"], p.get("runId"))
        if not exe.is_open:
            raise _unknown_execution(p)
        ts = now()
        self.e.add_event(exe, "WorkflowExecutionCancelRequested", {"externalInitiatedEventId": 0}, ts)
        exe.cancel_requested = True
        self.e.schedule_decision(exe, ts)

    def TerminateWorkflowExecution(self, p: P) -> None:
        exe = self.e.find_run(p["domain"], p["workflowId"], p.get("runId"))
        if not exe.is_open:
            raise _unknown_execution(p)
        self.e.terminate(exe, now(), reason=p.get("reason"), details=p.get("details"),
                         child_policy=p.get("childPolicy"), cause="OPERATOR_INITIATED")

    # -- decision and activity tasks -----------------------------------------------------
    def PollForDecisionTask(self, p: P) -> Json | RawJson:
        domain, tl = p["domain"], p["taskList"]["name"]
        self.e.domain(domain)
        if p.get("nextPageToken"):
            return self._decision_page(p)

        def take(key: object) -> bool:
            exe = self.e.runs.get(str(key))
            return bool(exe and exe.is_open and exe.dt_scheduled_id and not exe.dt_started_id
                        and exe.dt_task_list == tl)

        key = self.e.decision_lists.wait_pop(domain, tl, self.e.poll_timeout, take)
        if key is None:
            return {"previousStartedEventId": 0, "startedEventId": 0}
        exe = self.e.runs[str(key)]
        started = self.e.start_decision(exe, p.get("identity"), now())
        if not started:
            return {"previousStartedEventId": 0, "startedEventId": 0}
        token = paging.encode(["d", exe.run_id, started])
        first = exe.previous_started_id if p.get("startAtPreviousStartedEvent") and exe.previous_started_id else 1
        return self._decision_response(exe, token, started, first, p, None)

    def _decision_response(self, exe: Execution, token: str, started: int, first: int, p: P,
                           cursor: int | None, previous: int | None = None) -> RawJson:
        reverse = bool(p.get("reverseOrder"))
        ids, nxt = paging.event_page(first, started, reverse, paging.page_size(p), cursor)
        head: Json = {
            "taskToken": token,
            "startedEventId": started,
            "previousStartedEventId": exe.previous_started_id if previous is None else previous,
            "workflowExecution": exe.ref(),
            "workflowType": exe.workflow_type,
        }
        if nxt is not None:
            head["nextPageToken"] = paging.encode(["dp", token, started, first, nxt, head["previousStartedEventId"]])
        text = dumps(head)
        return RawJson(text[:-1] + ',"events":[' + ",".join(self.e.event_texts(exe, ids)) + "]}")

    def _decision_page(self, p: P) -> RawJson:
        data = paging.decode(p["nextPageToken"])
        if not (isinstance(data, list) and len(data) == 6 and data[0] == "dp"):
            raise invalid("nextPageToken", p["nextPageToken"][:64], "Member must be a valid token")
        _, token, started, first, cursor, previous = data
        run_id = paging.decode(token, "taskToken")[1]
        exe = self.e.runs.get(run_id)
        if exe is None:
            raise UnknownResourceFault("Unknown decision task")
        return self._decision_response(exe, token, started, first, p, cursor, previous)

    def PollForActivityTask(self, p: P) -> Json:
        domain, tl = p["domain"], p["taskList"]["name"]
        self.e.domain(domain)

        def take(key: object) -> bool:
            assert isinstance(key, tuple)
            exe = self.e.runs.get(key[0])
            act = exe.activity_by_scheduled(key[1]) if exe and exe.is_open else None
            return bool(act and not act.started_id)

        while True:
            key = self.e.activity_lists.wait_pop(domain, tl, self.e.poll_timeout, take)
            if key is None:
                return {"startedEventId": 0}
            assert isinstance(key, tuple)
            exe = self.e.runs[key[0]]
            act = exe.activity_by_scheduled(key[1])
            assert act is not None
            ts = now()
            started = self.e.add_event(exe, "ActivityTaskStarted", {
                "identity": p.get("identity"), "scheduledEventId": act.scheduled_id}, ts)
            if started:
                break
        act.started_id, act.started_at = started, ts
        exe.latest_activity_ts = ts
        self.e.arm_activity(exe, act)
        return prune({
            "taskToken": paging.encode(["a", exe.run_id, act.scheduled_id, started]),
            "activityId": act.activity_id,
            "startedEventId": started,
            "workflowExecution": exe.ref(),
            "activityType": act.activity_type,
            "input": act.input,
        })

    def activity_from_token(self, token: str) -> tuple[Execution, Activity]:
        data = paging.decode(token, "taskToken")
        if not (isinstance(data, list) and len(data) == 4 and data[0] == "a"):
            raise UnknownResourceFault("Unknown activity task")
        exe = self.e.runs.get(data[1])
        act = exe.activity_by_scheduled(data[2]) if exe is not None and exe.is_open else None
        if exe is None or act is None or act.started_id != data[3]:
            raise UnknownResourceFault("Unknown activity task")
        return exe, act

    def RecordActivityTaskHeartbeat(self, p: P) -> Json:
        exe, act = self.activity_from_token(p["taskToken"])
        act.last_heartbeat = now()
        if p.get("details") is not None:
            act.details = p["details"]
        self.e.touch(exe)
        return {"cancelRequested": bool(act.cancel_requested_id)}

    def _close_activity(self, p: P, event_type: str, attrs: Json) -> None:
        exe, act = self.activity_from_token(p["taskToken"])
        ts = now()
        self.e.drop_activity(exe, act)
        self.e.add_event(exe, event_type, {**attrs, "scheduledEventId": act.scheduled_id,
                                           "startedEventId": act.started_id}, ts)
        self.e.schedule_decision(exe, ts)

    def RespondActivityTaskCompleted(self, p: P) -> None:
        self._close_activity(p, "ActivityTaskCompleted", {"result": p.get("result")})

    def RespondActivityTaskFailed(self, p: P) -> None:
        self._close_activity(p, "ActivityTaskFailed", {"reason": p.get("reason"), "details": p.get("details")})

    def RespondActivityTaskCanceled(self, p: P) -> None:
        _, act = self.activity_from_token(p["taskToken"])
        self._close_activity(p, "ActivityTaskCanceled", {
            "details": p.get("details"),
            "latestCancelRequestedEventId": act.cancel_requested_id or None})

    # -- visibility ----------------------------------------------------------------------
    def execution_info(self, exe: Execution) -> Json:
        return prune({
            "execution": exe.ref(),
            "workflowType": exe.workflow_type,
            "startTimestamp": exe.start_ts,
            "closeTimestamp": exe.close_ts,
            "executionStatus": exe.status,
            "closeStatus": exe.close_status,
            "parent": exe.parent,
            "tagList": exe.tag_list or None,
            "cancelRequested": exe.cancel_requested,
        })

    def DescribeWorkflowExecution(self, p: P) -> Json:
        ref = p["execution"]
        exe = self.e.find_run(p["domain"], ref["workflowId"], ref["runId"])
        return prune({
            "executionInfo": self.execution_info(exe),
            "executionConfiguration": prune({
                "taskStartToCloseTimeout": "NONE" if exe.task_timeout is None else str(exe.task_timeout),
                "executionStartToCloseTimeout": str(exe.exec_timeout),
                "taskList": {"name": exe.task_list},
                "taskPriority": exe.priority,
                "childPolicy": exe.child_policy,
                "lambdaRole": exe.lambda_role,
            }),
            "openCounts": {
                "openActivityTasks": len(exe.activities),
                "openDecisionTasks": 1 if exe.dt_scheduled_id or exe.dt_started_id else 0,
                "openTimers": len(exe.timers),
                "openChildWorkflowExecutions": len(exe.children),
                "openLambdaFunctions": 0,
            },
            "latestActivityTaskTimestamp": exe.latest_activity_ts,
            "latestExecutionContext": exe.latest_context,
        })

    def GetWorkflowExecutionHistory(self, p: P) -> RawJson:
        ref = p["execution"]
        exe = self.e.find_run(p["domain"], ref["workflowId"], ref["runId"])
        cursor = None
        if p.get("nextPageToken"):
            data = paging.decode(p["nextPageToken"])
            if not (isinstance(data, list) and len(data) == 3 and data[0] == "h" and data[1] == exe.run_id):
                raise invalid("nextPageToken", p["nextPageToken"][:64], "Member must be a valid token")
            cursor = int(data[2])
        ids, nxt = paging.event_page(1, exe.event_count, bool(p.get("reverseOrder")), paging.page_size(p), cursor)
        text = '{"events":[' + ",".join(self.e.event_texts(exe, ids)) + "]"
        if nxt is not None:
            text += ',"nextPageToken":"' + paging.encode(["h", exe.run_id, nxt]) + '"'
        return RawJson(text + "}")

    def _filtered(self, p: P, want_open: bool) -> tuple[list[Execution], str]:
        self.e.domain(p["domain"])
        filters = [k for k in ("executionFilter", "typeFilter", "tagFilter", "closeStatusFilter") if p.get(k)]
        if len(filters) > 1:
            raise ValidationException("executionFilter, typeFilter, tagFilter and closeStatusFilter are "
                                      "mutually exclusive. You can specify at most one of these in a request.")
        if want_open:
            if not p.get("startTimeFilter"):
                raise ValidationException("1 validation error detected: Value null at 'startTimeFilter' "
                                          "failed to satisfy constraint: Member must not be null")
            time_key, tfilter = "start", p["startTimeFilter"]
        else:
            if bool(p.get("startTimeFilter")) == bool(p.get("closeTimeFilter")):
                raise ValidationException("startTimeFilter and closeTimeFilter are mutually exclusive. "
                                          "You must specify exactly one of these in a request.")
            time_key = "start" if p.get("startTimeFilter") else "close"
            tfilter = p.get("startTimeFilter") or p["closeTimeFilter"]
        oldest, latest = tfilter["oldestDate"], tfilter.get("latestDate")
        ef, tyf, tagf, csf = (p.get(k) for k in ("executionFilter", "typeFilter", "tagFilter", "closeStatusFilter"))
        out = []
        for exe in self.e.by_domain.get(p["domain"], {}).values():
            if exe.is_open != want_open:
                continue
            stamp = exe.start_ts if time_key == "start" else exe.close_ts
            if stamp is None or stamp < oldest or (latest is not None and stamp > latest):
                continue
            if ef and exe.workflow_id != ef["workflowId"]:
                continue
            if tyf and (exe.workflow_type["name"] != tyf["name"]
                        or (tyf.get("version") and exe.workflow_type["version"] != tyf["version"])):
                continue
            if tagf and tagf["tag"] not in exe.tag_list:
                continue
            if csf and exe.close_status != csf["status"]:
                continue
            out.append(exe)
        return out, time_key

    def _list_executions(self, p: P, want_open: bool) -> Json:
        found, time_key = self._filtered(p, want_open)
        reverse = bool(p.get("reverseOrder"))

        def sort_key(exe: Execution) -> list[Any]:
            return [exe.start_ts if time_key == "start" else exe.close_ts, exe.run_id]

        # Newest first by default; reverseOrder gives oldest first.
        found.sort(key=sort_key, reverse=not reverse)
        page, token = _keyed_page([(sort_key(x), x) for x in found], p, reverse=not reverse)
        return prune({"executionInfos": [self.execution_info(x) for x in page], "nextPageToken": token})

    def ListOpenWorkflowExecutions(self, p: P) -> Json:
        return self._list_executions(p, True)

    def ListClosedWorkflowExecutions(self, p: P) -> Json:
        return self._list_executions(p, False)

    def CountOpenWorkflowExecutions(self, p: P) -> Json:
        return {"count": len(self._filtered(p, True)[0]), "truncated": False}

    def CountClosedWorkflowExecutions(self, p: P) -> Json:
        return {"count": len(self._filtered(p, False)[0]), "truncated": False}

    def CountPendingActivityTasks(self, p: P) -> Json:
        self.e.domain(p["domain"])
        return {"count": self.e.activity_lists.count(p["domain"], p["taskList"]["name"]), "truncated": False}

    def CountPendingDecisionTasks(self, p: P) -> Json:
        self.e.domain(p["domain"])
        return {"count": self.e.decision_lists.count(p["domain"], p["taskList"]["name"]), "truncated": False}

    # -- tags ----------------------------------------------------------------------------
    def _tagged(self, arn: str) -> Domain:
        for dom in self.e.domains.values():
            if self.e.domain_arn(dom.name) == arn:
                return dom
        raise UnknownResourceFault(f"Unknown resource: {arn}")

    def TagResource(self, p: P) -> None:
        dom = self._tagged(p["resourceArn"])
        tags = {t["key"]: t.get("value") for t in dom.tags}
        for tag in p["tags"]:
            tags[tag["key"]] = tag.get("value")
        if len(tags) > MAX_RESOURCE_TAGS:
            raise TooManyTagsFault(f"A resource can have at most {MAX_RESOURCE_TAGS} tags")
        dom.tags = [prune({"key": k, "value": v}) for k, v in tags.items()]
        self.e.save_domain(dom)

    def UntagResource(self, p: P) -> None:
        dom = self._tagged(p["resourceArn"])
        drop = set(p["tagKeys"])
        dom.tags = [t for t in dom.tags if t["key"] not in drop]
        self.e.save_domain(dom)

    def ListTagsForResource(self, p: P) -> Json:
        return {"tags": list(self._tagged(p["resourceArn"]).tags)}


def _unknown_execution(p: P) -> UnknownResourceFault:
    return UnknownResourceFault(f"Unknown execution: WorkflowExecution=[workflowId={p['workflowId']}, "
                                f"runId={p.get('runId')}]")


def _keyed_page(items: list[tuple[Any, Any]], p: P, reverse: bool) -> tuple[list[Any], str | None]:
    """One page of items sorted by key (descending when reverse); token = last key seen."""
    size = paging.page_size(p)
    start = 0
    if p.get("nextPageToken"):
        last = paging.decode(p["nextPageToken"])
        for start, (key, _) in enumerate(items):  # noqa: B007 - start is used after the loop
            if (key < last) if reverse else (key > last):
                break
        else:
            start = len(items)
    chunk = items[start:start + size]
    token = paging.encode(chunk[-1][0]) if start + size < len(items) and chunk else None
    return [value for _, value in chunk], token
