"""One small hierarchy for everything the toolkit refuses.

Third-party exceptions are translated into these at the boundary (``raise ... from None``), so the
command line and the pytest plugin can print one clear line instead of a traceback.
"""

from __future__ import annotations


class ConformanceError(Exception):
    """Base class: the message is one line that says what was wrong, where, and what to do."""


class UsageError(ConformanceError):
    """A wrong option or argument."""


class InputError(ConformanceError):
    """A file or document the user gave us cannot be read or parsed."""


class DataError(InputError):
    """A user's job data set does not match the job schema."""


class TargetError(ConformanceError):
    """A target could not be reached or answered with something that is not an API response."""


class CassetteError(InputError):
    """A cassette is corrupt, truncated, or not a DescribeClusterJobs recording."""


class RunStopped(BaseException):
    """The run cannot go on: the quota is spent, the endpoint stopped answering, time ran out.

    A ``BaseException``, like ``KeyboardInterrupt``: hypothesis treats an ``Exception`` as a test
    failure to shrink, and a probe's ``except Exception`` would swallow it; a stopped run must leave
    every search at once. ``reason`` is one line; ``requests`` counts what the run had sent.
    """

    def __init__(self, reason: str, *, requests: int) -> None:
        super().__init__(reason, requests)
        self.reason = reason
        self.requests = requests

    def __str__(self) -> str:
        return f"the run stopped after {self.requests} request(s): {self.reason}"
