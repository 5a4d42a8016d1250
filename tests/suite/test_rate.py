"""The request-rate cap holds for the whole run, however many xdist workers share it."""

from __future__ import annotations

import threading
import time

import pytest

from conformance.emulator import Emulator, serve
from conformance.exchange import Request, Response
from conformance.session import worker_rate
from tests.suite.helpers import SUITE

RATE = 10.0


class _Clocked(Emulator):
    """An emulator that notes when each request came."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []
        self._times_lock = threading.Lock()

    def handle(self, request: Request) -> Response:
        with self._times_lock:
            self.times.append(time.monotonic())
        return super().handle(request)


def test_each_worker_gets_its_share_of_the_rate() -> None:
    assert worker_rate(10.0, 1) == 10.0
    assert worker_rate(10.0, 4) == 2.5
    assert worker_rate(0.0, 2) is None  # 0: no cap


def _busiest_second(pytester: pytest.Pytester, *workers: str) -> int:
    """The most requests the emulator saw within one second of a run at RATE of one response rule
    and one rejection rule (with ``-n 2``, each worker surveys one of them)."""
    emulator = _Clocked()
    with serve(emulator) as url:
        result = pytester.runpytest_subprocess(
            *SUITE,
            f"--conformance-target={url}",
            f"--conformance-rate={RATE}",
            "--conformance-max-examples=1",
            "-k",
            "DCJ-RESP-001 or DCJ-INPUT-001",
            *workers,
            timeout=60,
        )
    assert result.ret == pytest.ExitCode.OK, "\n".join(result.outlines)
    times = sorted(emulator.times)
    # More requests than one second at the cap allows: the busiest second is a full one.
    assert len(times) > RATE + 1
    return max(sum(1 for t in times if start <= t < start + 1.0) for start in times)


def test_two_workers_together_keep_to_the_cap(
    pytester: pytest.Pytester, demo_credentials: None
) -> None:
    # Measured against one process at the same cap on the same machine, not against RATE itself:
    # a busy host delays some requests and bunches them, in both runs alike (one process sees
    # RATE + 1 in its busiest second on an idle machine, two workers RATE + 2).
    alone = _busiest_second(pytester)
    together = _busiest_second(pytester, "-n", "2")

    # Each worker spaces its own requests; together they stay at the cap, not at twice it. Halfway
    # between the two tells them apart with room for a loaded machine either way.
    assert together < 1.5 * alone, (together, alone)
