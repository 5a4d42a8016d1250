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
        self.busied: set[tuple[str, bytes]] = set()
        self._lock = threading.Lock()

    def handle(self, request: Request) -> Response:
        with self._lock:
            self.received += 1
            # Never twice for one request: its retry is answered, or two workers' requests
            # interleaving could land every attempt of one on a busy turn and stop the run early.
            sent = (request.query, request.body)
            busy = (
                self.busy_every and self.received % self.busy_every == 0 and sent not in self.busied
            )
            if busy:
                self.busied.add(sent)
        if busy:  # now and then ServerBusy, which the live target retries: a retry is a request
            return Response(200, b'{"ret_code":5100,"message":"ServerBusy, try again"}')
        return super().handle(request)


@pytest.fixture(autouse=True)
def _demo_credentials(demo_credentials: None) -> None:
    """The emulator checks the demo key pair."""


# Against the default data (161 jobs of the app), learning takes 2 requests and the boundary pass
# up to 98: the smallest budget is 100, and 2 + 2 x 100 for two xdist workers (each learns again).
SMALLEST = 100


@pytest.mark.parametrize(
    ("workers", "budget"),
    [((), SMALLEST + 4), (("-n", "2"), 2 + 2 * (SMALLEST + 4))],
    ids=["one-process", "xdist"],
)
def test_a_run_never_sends_more_than_its_budget(
    pytester: pytest.Pytester, workers: tuple[str, ...], budget: int
) -> None:
    # Every 3rd answer is ServerBusy, which the live target retries: the retries the plan did not
    # foresee spend more than the budget's slack (exploration gives way first, then the boundary
    # pass runs out), and the run stops at its budget, not one request later.
    emulator = _Counting(busy_every=3)
    with serve(emulator) as url:
        result = pytester.runpytest_subprocess(
            *SUITE,
            f"--conformance-target={url}",
            "--conformance-rate=0",
            f"--conformance-budget={budget}",
            "--conformance-report=report.json",
            *workers,
            timeout=120,
        )

    assert emulator.received <= budget, f"{emulator.received} requests reached the server"
    assert result.ret == pytest.ExitCode.USAGE_ERROR, "\n".join(result.outlines)
    said = [line for line in result.outlines if line.startswith("STOPPED: ")]
    assert len(said) == 1, "\n".join(result.outlines)
    assert "its request budget of" in said[0]
    assert int(totals(result)["requests"]) == emulator.received
    assert totals(result)["budget"] == str(budget)


@pytest.mark.parametrize(
    ("workers", "budget", "smallest"),
    [
        ((), SMALLEST - 1, SMALLEST),
        # One worker learns again too: what one process may spend is not enough under -n 1.
        (("-n", "1"), SMALLEST, 2 + SMALLEST),
        (("-n", "2"), 2 * SMALLEST, 2 + 2 * SMALLEST),
    ],
    ids=["one-process", "one-worker", "two-workers"],
)
def test_a_budget_too_small_for_the_boundary_pass_is_refused_up_front(
    pytester: pytest.Pytester, workers: tuple[str, ...], budget: int, smallest: int
) -> None:
    emulator = _Counting()
    with serve(emulator) as url:
        result = pytester.runpytest_subprocess(
            *SUITE,
            f"--conformance-target={url}",
            "--conformance-rate=0",
            f"--conformance-budget={budget}",
            *workers,
            timeout=120,
        )

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    said = [line for line in result.errlines + result.outlines if "cannot pay" in line]
    assert len(said) == 1, "\n".join(result.errlines + result.outlines)
    assert said[0].endswith(f"the smallest budget that would do is {smallest}")
    assert emulator.received == 2  # learning only: no check was sent
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


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


def test_a_budget_learning_alone_could_spend_is_refused_before_any_request(
    pytester: pytest.Pytester,
) -> None:
    emulator = _Counting()
    with serve(emulator) as url:
        result = pytester.runpytest_subprocess(
            *SUITE, f"--conformance-target={url}", "--conformance-budget=5", timeout=60
        )

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*a budget of 5 request(s) cannot pay for learning the app's jobs*"]
    )
    assert emulator.received == 0
