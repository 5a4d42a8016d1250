"""A request budget is never exceeded: counted as the server counts them, learning, retries and
xdist workers included, by a real HTTP emulator that counts what it receives."""

from __future__ import annotations

import threading

import pytest

from conformance.emulator import Emulator, serve
from conformance.exchange import Request, Response
from tests.suite.helpers import SUITE, totals


class _Counting(Emulator):
    """The emulator, counting every request that reaches it (each retry too)."""

    def __init__(self, *, busy_every: int = 0) -> None:
        super().__init__()
        self.received = 0
        self.busy_every = busy_every
        self._lock = threading.Lock()

    def handle(self, request: Request) -> Response:
        with self._lock:
            self.received += 1
            busy = self.busy_every and self.received % self.busy_every == 0
        if busy:  # now and then ServerBusy, which the live target retries: a retry is a request
            return Response(200, b'{"ret_code":5100,"message":"ServerBusy, try again"}')
        return super().handle(request)


@pytest.fixture(autouse=True)
def _demo_credentials(demo_credentials: None) -> None:
    """The emulator checks the demo key pair."""


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["one-process", "xdist"])
def test_a_run_never_sends_more_than_its_budget(
    pytester: pytest.Pytester, workers: tuple[str, ...]
) -> None:
    emulator = _Counting(busy_every=7)
    with serve(emulator) as url:
        result = pytester.runpytest_subprocess(
            *SUITE,
            f"--conformance-target={url}",
            "--conformance-rate=0",
            "--conformance-budget=60",
            "--conformance-report=report.json",
            *workers,
            timeout=120,
        )

    assert emulator.received <= 60, f"{emulator.received} requests reached the server"
    assert result.ret == pytest.ExitCode.USAGE_ERROR, "\n".join(result.outlines)
    said = [line for line in result.outlines if line.startswith("STOPPED: ")]
    assert len(said) == 1, "\n".join(result.outlines)
    assert "its request budget of" in said[0]
    assert int(totals(result)["requests"]) == emulator.received
    assert totals(result)["budget"] == "60"


def test_a_budget_the_run_does_not_reach_changes_nothing(pytester: pytest.Pytester) -> None:
    emulator = _Counting()
    with serve(emulator) as url:
        result = pytester.runpytest_subprocess(
            *SUITE,
            f"--conformance-target={url}",
            "--conformance-rate=0",
            "--conformance-max-examples=1",
            "--conformance-budget=100000",
            timeout=120,
        )

    assert result.ret == pytest.ExitCode.OK, "\n".join(result.outlines)
    assert int(totals(result)["requests"]) == emulator.received
