"""The request plan: the boundary cases first and whole, exploration and searches with what is left;
requests in flight at once, within the rate cap, each walk in its order; a churning server never
reported for its churn, run after run."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace
from urllib.parse import parse_qsl

import pytest

from conformance.deviation import Profile
from conformance.emulator import Emulator, serve
from conformance.emulator.data import Job, default_jobs, job_from_item
from conformance.exchange import Request, Response
from conformance.judgement.listing import Universe
from conformance.options import DEFAULT_APP, LIVE_BUDGET
from conformance.probes import PROBES
from conformance.probes.plan import EXPLORATION, TooSmall, boundary_cost, plan
from conformance.probes.run import Run
from tests.suite.helpers import SUITE, totals

JOBS = Universe("app-tg3lbp0a", {f"j-{n:011d}": "successful" for n in range(161)}, 161, True)


@pytest.fixture(autouse=True)
def _demo_credentials(demo_credentials: None) -> None:
    """The emulators check the demo key pair."""


def _run(spent: int) -> Run:
    client = SimpleNamespace(stopper=None, requests=spent, zone="pek3a")
    return Run(client, "app-tg3lbp0a", Profile.DOCUMENTED, JOBS)  # type: ignore[arg-type]


def test_the_plan_reserves_the_boundary_pass_and_splits_what_is_left() -> None:
    run = _run(spent=2)
    boundary = boundary_cost(run, PROBES)

    made = plan(run, PROBES, LIVE_BUDGET)

    assert (made.learning, made.boundary) == (2, boundary)
    left = LIVE_BUDGET - 2 - boundary
    assert made.exploration == int(left * EXPLORATION)
    assert made.exploration + made.search == left
    # Each probe takes an equal part of what exploration has left when its turn comes.
    first = made.exploring(PROBES[0], len(PROBES))
    assert first == made.exploration // len(PROBES)
    made.explored_by(PROBES[0], 3)  # it spent less than its part: the others share the rest
    assert made.exploring(PROBES[1], len(PROBES)) == (made.exploration - 3) // (len(PROBES) - 1)


def test_a_tight_budget_shrinks_exploration_never_the_boundary_pass() -> None:
    run = _run(spent=2)
    smallest = 2 + boundary_cost(run, PROBES)

    tight = plan(run, PROBES, smallest)

    assert tight.boundary == plan(run, PROBES, 10 * smallest).boundary
    assert tight.exploration == tight.search == 0
    with pytest.raises(TooSmall) as refused:
        plan(run, PROBES, smallest - 1)
    assert refused.value.smallest == smallest
    assert str(refused.value).endswith(f"the smallest budget that would do is {smallest}")


def test_a_budget_shared_by_xdist_workers_pays_for_a_boundary_pass_in_each() -> None:
    run = _run(spent=2)  # the controller's learning (and any replay)
    learning = len(run.universe.exchanges)  # what each worker's learning takes again
    each = learning + boundary_cost(run, PROBES)

    with pytest.raises(TooSmall) as refused:
        plan(run, PROBES, 2 + 2 * each - 1, workers=2)

    assert refused.value.smallest == 2 + 2 * each
    assert "in each of 2 xdist workers" in str(refused.value)
    plan(run, PROBES, 2 + 2 * each, workers=2)  # enough
    with pytest.raises(TooSmall) as alone:  # one worker learns again too
        plan(run, PROBES, 2 + each - 1, workers=1)
    assert alone.value.smallest == 2 + each
    assert "in the xdist worker" in str(alone.value)


class _Watched(Emulator):
    """An emulator over HTTP that holds each answer ``LATENCY`` and notes what arrived when, and
    how many requests it was answering at once."""

    LATENCY = 0.03

    def __init__(self, **options: object) -> None:
        super().__init__(**options)  # type: ignore[arg-type]
        self.arrived: list[tuple[float, dict[str, str]]] = []
        self.busy = self.most_busy = 0
        self._watch_lock = threading.Lock()

    def handle(self, request: Request) -> Response:
        raw = request.query or request.body.decode("utf-8", "replace")
        with self._watch_lock:
            self.arrived.append((time.monotonic(), dict(parse_qsl(raw, keep_blank_values=True))))
            self.busy += 1
            self.most_busy = max(self.most_busy, self.busy)
        try:
            time.sleep(self.LATENCY)
            return super().handle(request)
        finally:
            with self._watch_lock:
                self.busy -= 1


def _suite(pytester: pytest.Pytester, url: str, *options: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        *SUITE, f"--conformance-target={url}", *options, timeout=120
    )


def test_requests_go_out_concurrently_and_each_walk_keeps_its_order(
    pytester: pytest.Pytester,
) -> None:
    emulator = _Watched()
    with serve(emulator) as url:
        result = _suite(pytester, url, "--conformance-rate=0", "--conformance-concurrency=4")

    assert result.ret == pytest.ExitCode.OK, "\n".join(result.outlines)
    assert 2 <= emulator.most_busy <= 4
    assert int(totals(result)["requests"]) == len(emulator.arrived) <= LIVE_BUDGET
    # A walk's page at offset k comes after its page at k - limit, whatever else is in flight:
    # no page arrives before the one it follows, when that one arrives at all.
    first: dict[tuple[tuple[tuple[str, str], ...], int], int] = {}
    for position, (_, params) in enumerate(emulator.arrived):
        offset, limit = params.get("offset", "0"), params.get("limit", "")
        if offset.isdigit() and limit.isdigit() and int(limit) > 0:
            first.setdefault((_walk(params), int(offset)), position)
    for (walk, at), position in first.items():
        before = first.get((walk, at - int(dict(walk)["limit"])))
        assert before is None or before < position, (walk, at)


def _walk(params: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """What pages of one walk share: every parameter but the offset and the signing."""
    signing = {"offset", "time_stamp", "signature", "expires", "access_key_id"}
    return tuple(sorted((name, value) for name, value in params.items() if name not in signing))


def test_one_at_a_time_when_asked(pytester: pytest.Pytester) -> None:
    emulator = _Watched()
    with serve(emulator) as url:
        result = _suite(pytester, url, "--conformance-rate=0", "--conformance-concurrency=1")

    assert result.ret == pytest.ExitCode.OK, "\n".join(result.outlines)
    assert emulator.most_busy == 1


def _busiest_second(pytester: pytest.Pytester, rate: int, concurrency: int) -> int:
    """The most requests the emulator saw within one second of a budgeted run at ``rate``."""
    emulator = _Watched()
    with serve(emulator) as url:
        result = _suite(
            pytester,
            url,
            f"--conformance-rate={rate}",
            f"--conformance-concurrency={concurrency}",
            "--conformance-budget=120",
            "-k",
            "RESP-001 or INPUT-001",
        )
    assert result.ret == pytest.ExitCode.OK, "\n".join(result.outlines)
    times = sorted(at for at, _ in emulator.arrived)
    assert len(times) > 2 * rate  # more than a second's worth: the busiest second is a full one
    return max(sum(1 for t in times if start <= t < start + 1.0) for start in times)


def test_requests_in_flight_at_once_keep_to_the_rate_cap(pytester: pytest.Pytester) -> None:
    # Measured against one request at a time at the same cap on the same machine, not against the
    # cap itself: a busy host delays some requests and bunches them, in both runs alike.
    rate = 20
    alone = _busiest_second(pytester, rate, concurrency=1)
    together = _busiest_second(pytester, rate, concurrency=4)

    # The pacer hands out one slot every 1/rate s whatever the threads: four in flight stay at the
    # cap, not at four times it. Halfway to twice tells them apart with room for a loaded machine.
    assert together < 1.5 * alone, (together, alone)


def test_five_budgeted_runs_against_a_churning_server_report_nothing(
    pytester: pytest.Pytester,
) -> None:
    # One server whose jobs are created and advance while it answers, run after run; each run at
    # the default live budget, four requests in flight, the walks sharing their listings.
    emulator = Emulator(churn=True)
    with serve(emulator) as url:
        for seed in range(1, 6):
            result = _suite(pytester, url, "--conformance-rate=0", f"--conformance-seed={seed}")
            assert result.ret == pytest.ExitCode.OK, "\n".join(result.outlines)
            assert totals(result)["deviations"] == "0"
            assert int(totals(result)["requests"]) <= LIVE_BUDGET


def test_a_run_with_a_diff_keeps_its_boundary_pass_and_its_budget(
    pytester: pytest.Pytester,
) -> None:
    # The default budget doubles with --conformance-diff-against; the diff takes its share from
    # exploration, never from what the plan keeps for the boundary pass and the searches.
    emulator = _Watched()
    with serve(emulator) as url:
        result = _suite(
            pytester, url, "--conformance-rate=0", "--conformance-diff-against=emulator"
        )

    assert result.ret == pytest.ExitCode.OK, "\n".join(result.outlines)
    assert not [line for line in result.outlines if line.startswith("STOPPED")]
    assert totals(result)["budget"] == str(2 * LIVE_BUDGET)
    assert int(totals(result)["requests"]) == len(emulator.arrived) <= 2 * LIVE_BUDGET


def _twice_the_jobs() -> tuple[Job, ...]:
    """The default data, and a copy of each of the default app's jobs under another id."""
    jobs = default_jobs()
    taken = {job.job_id for job in jobs}
    copies = []
    for job in jobs:
        if job.app != DEFAULT_APP or job.zone != "pek3a":
            continue
        copy = "j-" + job.job_id[2:][::-1]
        while copy in taken:  # bounded: each turn adds a character no id has
            copy += "0"
        taken.add(copy)
        copies.append(job_from_item(job.app, {**job.item, "job_id": copy}))
    return (*jobs, *copies)


class _Growing(Emulator):
    """The default data for the controller's learning (its first two requests), then twice as many
    jobs: a live app whose jobs grew between the controller's learning and a worker's."""

    def __init__(self) -> None:
        super().__init__()
        self.later = Emulator(jobs=_twice_the_jobs())
        self.received = 0
        self._grow_lock = threading.Lock()

    def handle(self, request: Request) -> Response:
        with self._grow_lock:
            self.received += 1
            early = self.received <= 2
        return super().handle(request) if early else self.later.handle(request)


def test_a_worker_whose_share_fell_short_stops_its_run_and_says_so_once(
    pytester: pytest.Pytester,
) -> None:
    # Just enough for the controller's plan under -n 1 (learning, then the worker's learning and
    # boundary pass on the data it saw); the worker sees twice the jobs and needs more.
    emulator = _Growing()
    smallest = 2 + 2 + 98  # the controller's learning; the worker's learning and boundary pass
    with serve(emulator) as url:
        result = _suite(
            pytester, url, "--conformance-rate=0", f"--conformance-budget={smallest}", "-n", "1"
        )

    assert result.ret == pytest.ExitCode.USAGE_ERROR, "\n".join(result.outlines)
    said = [line for line in result.outlines if line.startswith("STOPPED: ")]
    assert len(said) == 1, "\n".join(result.outlines)
    assert "cannot pay for the boundary cases" in said[0]
    outcomes = result.parseoutcomes()
    assert not {"errors", "error", "passed"} & set(outcomes), outcomes  # every rule not checked
    assert emulator.received <= smallest
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
