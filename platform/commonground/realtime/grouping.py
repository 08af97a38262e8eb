"""Group commit: requests on one subject that arrive together are carried out together,
in one transaction (issue 15).

A thousand delegates who cast on one motion at the same moment all need the same locks,
the same append to the log and the same running sums; one after the other, each pays for
them alone. Here each socket handler hands its request to the subject's group and waits.
The first to arrive leads: it lets the events already received join (it yields once),
takes up to ``limit`` waiting requests, runs them with ``run(subject, payloads)`` — one
transaction, whose outcome for each request is its answer or the ``ServiceError`` that
refused it alone — and answers each. No request is answered before the commit that holds
it. When more wait, the lead passes to the oldest of them, so every handler returns its
own answer and none leads for ever.

The waits are ``threading`` primitives: cooperative under gevent (the server monkey-patches
them), real locks and events with threads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any


class _Request:
    __slots__ = ("answered", "leads", "outcome", "payload")

    def __init__(self, payload):
        self.payload = payload
        self.answered = threading.Event()
        self.outcome: Any = None
        self.leads = False


class CommitGroups:
    """Groups of requests per subject; ``run(subject, payloads)`` returns one outcome per
    payload, in order: a result, or an exception to raise in that request's handler."""

    def __init__(self, run: Callable[[Hashable, list], list], *, limit: int = 200):
        self._run = run
        self._limit = limit
        self._lock = threading.Lock()
        #: Requests waiting per subject, oldest first; a subject is here while one leads.
        self._waiting: dict[Hashable, list[_Request]] = {}

    def submit(self, subject: Hashable, payload) -> Any:
        """Carry out ``payload`` in the next group of ``subject``; its result, or raise
        what refused it."""
        request = _Request(payload)
        with self._lock:
            waiting = self._waiting.get(subject)
            if waiting is None:
                self._waiting[subject] = [request]
                request.leads = True
            else:
                waiting.append(request)
        if not request.leads:
            request.answered.wait()
        if request.leads:
            self._lead(subject)
        if isinstance(request.outcome, BaseException):
            raise request.outcome
        return request.outcome

    def waiting(self, subject: Hashable) -> int:
        """How many requests on ``subject`` wait for a group to take them."""
        with self._lock:
            return len(self._waiting.get(subject, ()))

    def _lead(self, subject: Hashable) -> None:
        # The events already received get to join before the group is taken.
        time.sleep(0)
        with self._lock:
            waiting = self._waiting[subject]
            group = waiting[: self._limit]
            del waiting[: self._limit]
        outcomes: list = [RuntimeError("the group was interrupted")] * len(group)
        try:
            outcomes = self._run(subject, [request.payload for request in group])
            if len(outcomes) != len(group):
                raise RuntimeError(f"{len(outcomes)} outcomes for {len(group)} requests")
        except Exception as error:
            outcomes = [error] * len(group)
        finally:
            # Whatever happened — even the leader's greenlet being killed — every request
            # of the group is answered and the lead passes on: no request waits for ever.
            self._answer(subject, group, outcomes)

    def _answer(self, subject: Hashable, group: list[_Request], outcomes: list) -> None:
        for request, outcome in zip(group, outcomes, strict=True):
            request.outcome = outcome
            request.leads = False
        with self._lock:
            waiting = self._waiting[subject]
            successor = waiting[0] if waiting else None
            if successor is None:
                del self._waiting[subject]
            else:
                successor.leads = True
        # The leader is in its own group (the oldest waiting request is always taken).
        for request in group:
            request.answered.set()
        if successor is not None:
            successor.answered.set()
