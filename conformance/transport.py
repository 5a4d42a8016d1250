"""The interface every target implements (``conformance.targets`` holds one class per kind)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType

from conformance.exchange import Request, Response
from conformance.signing import Credentials


class Target(ABC):
    """Something that answers DescribeClusterJobs requests.

    ``send`` raises ``conformance.errors.TargetError`` (one line: what and where) when the target
    gives no complete answer (unreachable, too slow, cut short: after any retries), or one that can
    never be an API answer (not HTTP, a body too big to be one or that does not decode); any HTTP
    answer in full, even a 500 with an HTML body, is a ``Response`` for the checks to judge. The
    suite's client takes a ``TargetError`` to mean the run cannot go on (``conformance.stopping``).
    """

    #: What a report calls this target: "emulator", the endpoint URL, the cassette path.
    name: str
    #: The request path, exactly as signed ("/iaas/" or "/iaas").
    path: str = "/iaas/"
    #: The key pair requests are signed with; None sends them unsigned.
    credentials: Credentials | None = None
    #: The base URL a replay command should use; None when there is none (in-process).
    url: str | None = None
    #: For an in-process target: the ``conformance emulator`` options that serve the same behaviour
    #: over HTTP, so a replay command reproduces a finding (its faults, churn).
    replay_options: str | None = None
    #: Whether requests in flight at once save time: each waits for a round trip.
    concurrent: bool = False

    @abstractmethod
    def send(self, request: Request) -> Response:
        """Send one request, return the response."""

    def close(self) -> None:  # noqa: B027 - most targets hold nothing to release
        """Release connections and files."""

    def __enter__(self) -> Target:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
