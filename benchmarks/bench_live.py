"""A default live run against a distant server, side by side with Schemathesis: requests, wall time,
faults found.

Run: ``python benchmarks/bench_live.py [--schemathesis PATH_TO_st] [--latency 40] [--jobs 3]``

Every server is the emulator over HTTP on 127.0.0.1, holding each answer ``--latency`` ms as
``conformance emulator --latency`` does, and counting the requests it receives (retries too: what a
quota counts). One clean server measures wall time and requests; then each fault of the emulator's
list gets a server of its own, and each tool is run against it once.

* **ours, default**: ``conformance run --target URL``: the default budget (200) and concurrency (4),
  and the default rate cap of 10 requests a second, which binds here: the figure a CI job sees.
* **ours, no cap**: the same with ``--rate 0``, as Schemathesis runs (it has no cap): the like for
  like comparison, and the one the wall-time target is held to.
* **Schemathesis** (pinned: 4.32.5, in a virtual environment of its own): ``st run
  benchmarks/openapi.yaml --checks all --continue-on-failure --seed 1``; without
  ``--continue-on-failure`` it stops at its first failure, which against this API it meets on a
  conformant server too (ST201, ST204 below), and would miss the faults behind it. Schemathesis
  cannot sign QingCloud requests, so its servers check no signature; ours check the demo key pair.

A fault counts as found by our suite when the run's JSON report confirms the fault's rule (in the
profile where breaking it fails a run: strict for the two rules the documented profile only notes),
and by Schemathesis when it reports a failure kind (ST…) it does not report against the clean
server. The smallest budget at which ours still finds every fault is searched from the smallest the
plan accepts (the boundary pass) upwards.

Targets: every fault found within the default budget; at most 200 requests per default run, counted
at the server, learning included; ours (no cap) at most a third of Schemathesis's wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.deviation import Profile, Severity
from conformance.emulator import DEMO_CREDENTIALS, FAULTS, Emulator, serve
from conformance.exchange import Request, Response
from conformance.options import LIVE_BUDGET
from conformance.rules import rule

HERE = Path(__file__).resolve().parent
SCHEMATHESIS = "4.32.5"
_FAILURE_KIND = re.compile(r"(ST\d+) [^:\n]*: \d+")
_SMALLEST = re.compile(r"the smallest budget that would do is (\d+)")


class Counting(Emulator):
    """The emulator, counting every request it receives."""

    def __init__(self, **options: object) -> None:
        super().__init__(**options)  # type: ignore[arg-type]
        self.received = 0
        self._count_lock = threading.Lock()

    def handle(self, request: Request) -> Response:
        with self._count_lock:
            self.received += 1
        return super().handle(request)


@contextmanager
def server(
    latency: float, *, faults: Sequence[str] = (), signed: bool = True
) -> Iterator[tuple[Counting, str]]:
    """A counting emulator over HTTP, ``latency`` ms away."""
    emulator = Counting(faults=faults, credentials=DEMO_CREDENTIALS if signed else None)
    with serve(emulator, latency_ms=latency) as url:
        yield emulator, url


@dataclass(frozen=True)
class Outcome:
    """One run: requests the server received, wall seconds, and what it found."""

    requests: int
    seconds: float
    found: frozenset[str]
    said: str = ""


def ours(url: str, *options: str) -> tuple[float, dict[str, Any] | None, str]:
    """Run ``conformance run`` against ``url``; its wall time, JSON report and output."""
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        command = [
            sys.executable,
            "-c",
            "import sys; from conformance.cli import main; sys.exit(main())",
            "run",
            "--target",
            url,
            "--seed",
            "1",
            "--report",
            str(report),
            *options,
        ]
        env = {
            **os.environ,
            "QINGCLOUD_ACCESS_KEY_ID": DEMO_CREDENTIALS.access_key_id,
            "QINGCLOUD_SECRET_ACCESS_KEY": DEMO_CREDENTIALS.secret_access_key.reveal(),
        }
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=scratch)
        seconds = time.perf_counter() - started
        loaded = json.loads(report.read_text()) if report.exists() else None
        return seconds, loaded, done.stdout + done.stderr


def confirmed(report: dict[str, Any] | None) -> frozenset[str]:
    """The rules a report confirms broken."""
    entries = report.get("deviations", []) if report else []
    return frozenset(
        entry["rule"]
        for entry in entries
        if isinstance(entry, dict) and entry.get("severity") == "violation"
    )


def profile_for(rule_id: str) -> str:
    """The profile in which breaking ``rule_id`` fails a run."""
    documented = rule(rule_id).severity_in(Profile.DOCUMENTED) is Severity.VIOLATION
    return "documented" if documented else "strict"


def ours_on_fault(name: str, latency: float, *options: str) -> Outcome:
    fault = FAULTS[name]
    with server(latency, faults=[name]) as (emulator, url):
        seconds, report, said = ours(url, "--profile", profile_for(fault.rule), *options)
        return Outcome(emulator.received, seconds, confirmed(report), said)


def schemathesis(st: str, url: str) -> tuple[float, frozenset[str]]:
    """Run Schemathesis against ``url``; its wall time and the failure kinds it reported."""
    command = [
        st,
        "run",
        str(HERE / "openapi.yaml"),
        "--url",
        url.removesuffix("/iaas/"),
        "--checks",
        "all",
        "--continue-on-failure",
        "--seed",
        "1",
    ]
    with tempfile.TemporaryDirectory() as scratch:  # it leaves a .schemathesis/ folder
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, cwd=scratch)
        seconds = time.perf_counter() - started
    summary = done.stdout.split("SUMMARY")[-1]
    return seconds, frozenset(_FAILURE_KIND.findall(summary))


def st_on_fault(st: str, name: str, latency: float, clean: frozenset[str]) -> Outcome:
    with server(latency, faults=[name], signed=False) as (emulator, url):
        seconds, kinds = schemathesis(st, url)
        return Outcome(emulator.received, seconds, kinds - clean)


def smallest_budget(latency: float, jobs: int, start: int) -> tuple[int, list[str]]:
    """The smallest budget, from ``start`` up by tens, at which our run finds every fault (no cap
    on the rate, so the search is quick; the rate changes no request); and the faults missed at
    ``start``."""
    budget, first = start, None
    while True:
        missed = sweep_ours(latency, jobs, "--rate", "0", "--budget", str(budget))
        first = missed if first is None else first
        if not missed or budget >= LIVE_BUDGET * 4:
            return budget, first
        budget += 10


def sweep_ours(latency: float, jobs: int, *options: str) -> list[str]:
    """The faults our run misses with ``options``."""
    with ThreadPoolExecutor(jobs) as pool:
        outcomes = dict(
            zip(
                FAULTS,
                pool.map(lambda name: ours_on_fault(name, latency, *options), FAULTS),
                strict=True,
            )
        )
    return [name for name, outcome in outcomes.items() if FAULTS[name].rule not in outcome.found]


def main(argv: list[str] | None = None) -> int:
    """Measure and print the figures; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--schemathesis", default=shutil.which("st"), help="the st executable")
    parser.add_argument("--latency", type=float, default=40.0, help="ms each answer is held (40)")
    parser.add_argument("--jobs", type=int, default=3, help="fault servers run at once (3)")
    args = parser.parse_args(argv)
    if not args.schemathesis:
        print(
            f"Schemathesis's `st` was not found: pip install schemathesis=={SCHEMATHESIS} in a "
            "virtual environment of its own, then pass --schemathesis PATH"
        )
        return 2
    version = subprocess.run([args.schemathesis, "--version"], capture_output=True, text=True)
    print(
        f"Schemathesis: {version.stdout.strip()} (pinned {SCHEMATHESIS}); latency {args.latency:g} ms"
    )

    # Wall time and requests against the clean server, one tool at a time.
    with server(args.latency) as (emulator, url):
        seconds, report, said = ours(url)
        default = Outcome(emulator.received, seconds, confirmed(report), said)
    with server(args.latency) as (emulator, url):
        seconds, report, said = ours(url, "--rate", "0")
        uncapped = Outcome(emulator.received, seconds, confirmed(report), said)
    with server(args.latency, signed=False) as (emulator, url):
        seconds, clean_kinds = schemathesis(args.schemathesis, url)
        st_clean = Outcome(emulator.received, seconds, clean_kinds)

    # Each fault on a server of its own.
    with ThreadPoolExecutor(args.jobs) as pool:
        ours_faults = dict(
            zip(
                FAULTS,
                pool.map(lambda name: ours_on_fault(name, args.latency), FAULTS),
                strict=True,
            )
        )
        st_faults = dict(
            zip(
                FAULTS,
                pool.map(
                    lambda name: st_on_fault(args.schemathesis, name, args.latency, clean_kinds),
                    FAULTS,
                ),
                strict=True,
            )
        )
    ours_found = [name for name, out in ours_faults.items() if FAULTS[name].rule in out.found]
    st_found = [name for name, out in st_faults.items() if out.found]
    most = max(out.requests for out in ours_faults.values())

    with server(args.latency) as (_, url):
        # Enough for learning (5 pages at most), too little for the boundary pass: the refusal
        # names the smallest budget the plan accepts.
        refused = ours(url, "--rate", "0", "--budget", "6")[2]
    floor = _SMALLEST.search(refused)
    start = int(floor.group(1)) if floor else 1
    smallest, missed_at_floor = smallest_budget(args.latency, args.jobs, start)

    total = len(FAULTS)
    print()
    print(f"{'':<22} {'requests':>9} {'wall s':>8} {'vs st':>7} {'faults found':>13}")
    rows = (
        ("ours, default (10/s)", default, len(ours_found)),
        ("ours, no rate cap", uncapped, None),
        ("Schemathesis", st_clean, len(st_found)),
    )
    for name, outcome, found in rows:
        shown = f"{found} of {total}" if found is not None else "(same runs)"
        print(
            f"{name:<22} {outcome.requests:>9} {outcome.seconds:>8.1f} "
            f"{outcome.seconds / st_clean.seconds:>6.2f}x {shown:>13}"
        )
    print(
        f"clean-server failures Schemathesis reports anyway: {', '.join(sorted(clean_kinds)) or 'none'}"
    )
    print(f"most requests of a default run against a fault server: {most}")
    print(f"missed by ours: {', '.join(sorted(set(FAULTS) - set(ours_found))) or 'none'}")
    print(f"missed by Schemathesis: {', '.join(sorted(set(FAULTS) - set(st_found))) or 'none'}")
    print(
        f"smallest budget the plan accepts: {start}; smallest at which every fault is found: "
        f"{smallest}"
        + (f" (missed at {start}: {', '.join(missed_at_floor)})" if missed_at_floor else "")
    )
    targets = {
        "every fault found within the default budget": len(ours_found) == total,
        f"at most {LIVE_BUDGET} requests per default run": max(most, default.requests)
        <= LIVE_BUDGET,
        "ours (no cap) at most a third of Schemathesis's wall time": uncapped.seconds
        <= st_clean.seconds / 3,
    }
    for target, met in targets.items():
        print(f"target {target}: {'met' if met else 'NOT met'}")
    return 0 if all(targets.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
