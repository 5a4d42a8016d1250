"""A client for one target: builds, signs and sends DescribeClusterJobs requests, and counts them.

Only DescribeClusterJobs is ever sent: the client refuses any other action before it reaches a
target, so the suite can never do anything but read.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from conformance import signing, wire
from conformance.contract import ACTION
from conformance.errors import TargetError, UsageError
from conformance.exchange import Exchange, Request
from conformance.transport import Target

if TYPE_CHECKING:
    from conformance.stopping import Stopper

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, in UTC."""
    return datetime.now(timezone.utc)


class Client:
    """Sends DescribeClusterJobs to ``target`` in ``zone``; every exchange goes to ``observers``.

    With a ``stopper`` (the suite's), a send raises ``RunStopped`` once the run cannot go on; the
    target's ``TargetError`` (no answer after its retries) is one such reason. Without one, a
    ``TargetError`` reaches the caller as it is.
    """

    def __init__(self, target: Target, *, zone: str = "pek3a", clock: Clock = utc_now) -> None:
        self.target = target
        self.zone = zone
        self.clock = clock
        self.requests = 0
        #: Every signature sent: a server may echo one, and a report must not show it.
        self.signatures: set[str] = set()
        self.observers: list[Callable[[Exchange], None]] = []
        self.stopper: Stopper | None = None
        self._lock = threading.Lock()

    def call(self, params: Mapping[str, Any], *, verb: str = "GET") -> Exchange:
        """Send ``params`` (decoded form; action and zone are added unless given), signed."""
        full = {"action": ACTION, "zone": self.zone, **params}
        return self.send_pairs(wire.encode(full), verb=verb, params=full)

    def send_pairs(
        self,
        pairs: Iterable[tuple[str, str]],
        *,
        verb: str = "GET",
        params: Mapping[str, Any] | None = None,
        sign: bool = True,
    ) -> Exchange:
        """Send raw pairs (which may be deliberately malformed), signed unless ``sign`` is False."""
        pairs = list(pairs)
        actions = [value for name, value in pairs if name == "action"]
        if actions != [ACTION]:
            raise UsageError(f"refusing to send action {actions}: only {ACTION} is ever sent")
        credentials = self.target.credentials
        if sign and credentials is not None:
            pairs = signing.sign(
                pairs, credentials, verb=verb, path=self.target.path, now=self.clock()
            )
        return self.send(self._request(pairs, verb), params=params)

    def send(self, request: Request, *, params: Mapping[str, Any] | None = None) -> Exchange:
        """Send a request exactly as built."""
        stopper = self.stopper
        if stopper is not None:
            stopper.before()
        try:
            response = self.target.send(request)
        except TargetError as error:
            if stopper is None:
                raise
            with self._lock:
                self.requests += 1  # it was sent, maybe more than once: the server may count it
            raise stopper.failed(error) from None
        exchange = Exchange(request=request, response=response, params=params)
        with self._lock:
            self.requests += 1
            # A server may echo one, and a report must not show it (an empty one is no secret).
            self.signatures.update(v for name, v in request.pairs() if name == "signature" and v)
        for observe in self.observers:
            observe(exchange)
        if stopper is not None:
            stopper.after(exchange)
        return exchange

    def _request(self, pairs: list[tuple[str, str]], verb: str) -> Request:
        encoded = wire.query_string(pairs)
        if verb == "POST":
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            return Request("POST", self.target.path, "", encoded.encode("ascii"), headers)
        return Request("GET", self.target.path, encoded)
