"""When a run must stop: answers that say the target can no longer be judged, and the time limit.

Green means judged: a run that can no longer ask stops at once and says why, rather than let the
rules it did not reach pass. What stops it (``Stopper``, which the client consults around each send):

* QuotaExceeded, ``ret_code`` 2500: every later answer is the same until the quota refills.
* ServerBusy, 5100, still there after the target's retries.
* No answer at all after the retries: the target raised ``TargetError`` (refused, dropped, timed
  out, cut short): the retries were the breaker's "few consecutive failures".
* ``IN_A_ROW`` answers in a row that are not the API (not a JSON object, HTTP 5xx, or InternalError
  5000), and a plain listing, sent to tell the two cases apart, failing the same way. One input that
  makes a server fail is a deviation to report (DCJ-ROBUST-001), not a reason to stop.
* ``max_time`` seconds since the run began (``--conformance-max-time``).
* ``budget`` requests sent (``--conformance-budget``), counted as the server counts them: every
  request the client sends (``before``) and every retry a live target makes of one (``spend``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from conformance import codes
from conformance.errors import RunStopped, TargetError
from conformance.exchange import NOT_JSON, Exchange, Response
from conformance.jsontext import is_int
from conformance.shown import shown

IN_A_ROW = 3


def unusable(response: Response) -> str | None:
    """What makes ``response`` no API answer at all (None: it is one, right or wrong)."""
    document = response.document
    if document is NOT_JSON:
        kind = (response.header("Content-Type") or "no content type").split(";")[0].strip()
        return f"not JSON (HTTP {response.status}, {shown(kind, 40)})"
    if not isinstance(document, dict):
        return f"JSON but not an object (HTTP {response.status})"
    if response.status >= 500:
        return f"HTTP {response.status}"
    if document.get("ret_code") == codes.INTERNAL_ERROR:
        return "InternalError (ret_code 5000)"
    return None


class Stopper:
    """Decides when a run stops; once it has, every later send raises the same ``RunStopped``.

    ``spent`` counts the requests the run sent, retries included; ``health`` sends a plain listing
    (None: the breaker stops on ``IN_A_ROW`` unusable answers alone). Thread-safe.
    """

    def __init__(
        self,
        *,
        health: Callable[[], Exchange] | None = None,
        max_time: float | None = None,
        budget: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.health = health
        self.max_time = max_time
        self.budget = budget
        self.spent = 0
        self.clock = clock
        self.deadline = clock() + max_time if max_time else None
        self.stopped: RunStopped | None = None
        #: When the breaker stopped the run: the unusable answers that tripped it. A violation they
        #: show is the outage, not the server's conformance, and is not reported.
        self.outage: tuple[Exchange, ...] = ()
        self._streak: list[Exchange] = []
        self._checking = False
        self._lock = threading.Lock()

    def stop(self, reason: str) -> RunStopped:
        """Stop the run (the first reason wins); the exception to raise."""
        with self._lock:
            if self.stopped is None:
                self.stopped = RunStopped(reason, requests=self.spent)
            first = self.stopped
        return RunStopped(first.reason, requests=first.requests)

    def before(self) -> None:
        """Before a request: raise ``RunStopped`` when the run has stopped, its time is up or its
        budget spent; else count the request."""
        if self.stopped is not None:
            raise self.stop(self.stopped.reason)
        if self.deadline is not None and self.clock() >= self.deadline:
            raise self.stop(
                f"its time limit of {self.max_time:g} s (--conformance-max-time) ran out"
            )
        self.spend()

    def spend(self) -> None:
        """Count one request about to reach the server (a live target's retry counts too); raise
        ``RunStopped`` instead when that would pass the budget: the budget is never exceeded."""
        with self._lock:
            if self.budget is None or self.spent < self.budget:
                self.spent += 1
                return
        raise self.stop(f"its request budget of {self.budget} is spent (--conformance-budget)")

    def failed(self, error: TargetError) -> RunStopped:
        """The exception that stops the run when the target gave no answer after its retries."""
        return self.stop(f"the endpoint stopped answering: {error}")

    def after(self, exchange: Exchange) -> None:
        """Raise ``RunStopped`` when the answer says the run cannot go on."""
        document = exchange.response.document
        code = document.get("ret_code") if isinstance(document, dict) else None
        if is_int(code) and code == codes.QUOTA_EXCEEDED:
            raise self.stop("the API quota is exhausted: the endpoint answered ret_code 2500")
        if is_int(code) and code == codes.SERVER_BUSY:
            raise self.stop("the endpoint is busy: ret_code 5100 (ServerBusy) after every retry")
        why = unusable(exchange.response)
        with self._lock:
            self._streak = [*self._streak, exchange] if why else []
            trip = why is not None and len(self._streak) >= IN_A_ROW and not self._checking
            if trip:
                self._checking = True
        if not trip:
            return
        try:
            again = unusable(self.health().response) if self.health is not None else why
        finally:
            with self._lock:
                self._checking = False
        if again is None:
            with self._lock:
                self._streak = []
            return
        with self._lock:
            self.outage = tuple(self._streak)
        raise self.stop(
            f"{IN_A_ROW} answers in a row were not the API, the last {why}, "
            f"and a plain listing sent to check was {again}"
        )
