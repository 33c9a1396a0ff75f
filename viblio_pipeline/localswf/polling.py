"""Task lists with long-poll waiters.

Every task list has its own condition variable built on the engine lock, so a
scheduling call wakes exactly the pollers of that list, and hand-out happens
under the same lock as the state change: a task goes to exactly one poller.
Higher taskPriority values are handed out first, FIFO within a priority.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

_request = threading.local()


def set_liveness(check: Callable[[], bool] | None) -> None:
    """Register, for this request thread, how to tell whether its client is still connected."""
    _request.alive = check


def client_connected() -> bool:
    check: Callable[[], bool] | None = getattr(_request, "alive", None)
    return check is None or check()


class TaskList:
    def __init__(self, lock: threading.RLock) -> None:
        self.cond = threading.Condition(lock)
        self.by_priority: dict[int, OrderedDict[Hashable, None]] = {}
        self.size = 0
        self.waiters = 0

    def push(self, key: Hashable, priority: int) -> None:
        bucket = self.by_priority.setdefault(priority, OrderedDict())
        if key not in bucket:
            bucket[key] = None
            self.size += 1
        self.cond.notify()

    def remove(self, key: Hashable, priority: int) -> None:
        bucket = self.by_priority.get(priority)
        if bucket is not None and key in bucket:
            del bucket[key]
            self.size -= 1

    def pop(self) -> Hashable | None:
        if not self.size:
            return None
        for priority in sorted(self.by_priority, reverse=True):
            bucket = self.by_priority[priority]
            if bucket:
                key, _ = bucket.popitem(last=False)
                self.size -= 1
                return key
        return None


def priority_value(text: str | None) -> int:
    try:
        return int(text) if text else 0
    except ValueError:
        return 0


class TaskLists:
    """All task lists of one kind ("activity" or "decision"), keyed by (domain, name)."""

    def __init__(self, lock: threading.RLock) -> None:
        self.lock = lock
        self.lists: dict[tuple[str, str], TaskList] = {}
        self.closing = False

    def get(self, domain: str, name: str) -> TaskList:
        key = (domain, name)
        tl = self.lists.get(key)
        if tl is None:
            tl = self.lists[key] = TaskList(self.lock)
        return tl

    def push(self, domain: str, name: str, key: Hashable, priority: str | None) -> None:
        self.get(domain, name).push(key, priority_value(priority))

    def remove(self, domain: str, name: str, key: Hashable, priority: str | None) -> None:
        tl = self.lists.get((domain, name))
        if tl is not None:
            tl.remove(key, priority_value(priority))

    def count(self, domain: str, name: str) -> int:
        tl = self.lists.get((domain, name))
        return tl.size if tl else 0

    def wait_pop(self, domain: str, name: str, timeout: float,
                 take: Callable[[Hashable], bool]) -> Hashable | None:
        """Block (lock held by caller) until take(key) accepts a task or timeout passes.

        take() returns False for a stale entry, which is then dropped. The loop
        re-checks the list after every wake-up, timed out or not, so a notify
        racing with a timeout never loses a task; and it checks that the
        poller is still connected before taking one.
        """
        tl = self.get(domain, name)
        deadline = time.monotonic() + timeout
        while True:
            if not client_connected():
                # A poller that hung up must not take a task: it would be lost until
                # its start-to-close timeout. Pass the wake-up on to a live one.
                if tl.size:
                    tl.cond.notify()
                return None
            key = tl.pop()
            while key is not None:
                if take(key):
                    return key
                key = tl.pop()
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.closing:
                return None
            tl.waiters += 1
            try:
                tl.cond.wait(remaining)
            finally:
                tl.waiters -= 1

    def wake_all(self) -> None:
        self.closing = True
        for tl in self.lists.values():
            tl.cond.notify_all()
