"""Requests per second of a suite run, against Schemathesis 4 on the same emulator, in one run.

Run: ``python benchmarks/bench_suite.py [--schemathesis PATH_TO_st] [--max-examples 100]``

Schemathesis is not a dependency of the toolkit: install it anywhere (``pip install schemathesis``
in its own virtual environment) and pass its ``st`` executable; the script looks for ``st`` on PATH
otherwise. Both tools talk HTTP to one emulator served on 127.0.0.1 by this process, which counts
every request it answers and the time from the first to the last, so the two rates are measured
the same way. Schemathesis reads ``benchmarks/openapi.yaml`` (generated from ``schemas/``).

The emulator runs with authentication off because Schemathesis cannot sign QingCloud requests; our
suite still signs every request (the emulator ignores the signature) and its authentication rules
are deselected, since an emulator that checks nothing would fail them.

Figures (ours run as the README's main command does, ``conformance run``, which is ``pytest
--pyargs conformance.suite`` without assert rewriting, as the suite does not use it):
* **ours, HTTP**: ``conformance run --target URL --rate 0``;
* **ours, in-process**: the same suite against the in-process emulator (its requests never reach the
  server, so the rate is the suite's own request count over its wall time, start-up included — a
  rate that flatters nothing);
* **Schemathesis**: ``st run openapi.yaml --checks all``.
Checks: ours are the report's ``checks`` (rules judged on cases: a response probe's request is
judged by its 28 rules, a paging walk of ~9 requests by its 2); Schemathesis's are the 12 checks
``--checks all`` runs on each response, an upper bound (some apply to some responses only).
Targets: ours over HTTP >= 5x Schemathesis's rate; ours in-process >= 20x.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from conformance.emulator import DEMO_CREDENTIALS, Emulator, serve
from conformance.exchange import Request, Response

HERE = Path(__file__).resolve().parent
# `st run --checks all` in Schemathesis 4: not_a_server_error, status_code_conformance,
# content_type_conformance, response_headers_conformance, response_schema_conformance,
# negative_data_rejection, positive_data_acceptance, missing_required_header,
# unsupported_method, use_after_free, ensure_resource_availability, ignored_auth.
SCHEMATHESIS_CHECKS = 12


class CountingEmulator(Emulator):
    """An emulator that counts the requests it answers and when the first and last came."""

    def __init__(self) -> None:
        super().__init__(credentials=None)
        self.count = 0
        self.first = 0.0
        self.last = 0.0
        self._counter_lock = threading.Lock()

    def handle(self, request: Request) -> Response:
        response = super().handle(request)
        now = time.perf_counter()
        with self._counter_lock:
            if self.count == 0:
                self.first = now
            self.count += 1
            self.last = now
        return response

    def reset(self) -> None:
        """Forget what was counted."""
        with self._counter_lock:
            self.count, self.first, self.last = 0, 0.0, 0.0

    def rate(self) -> float:
        """Requests per second from the first to the last request counted."""
        span = self.last - self.first
        return self.count / span if span > 0 else 0.0


@dataclass(frozen=True)
class Figure:
    """One tool's figures: ``rate`` over its whole wall time, ``burst`` from its first request to
    its last as the server saw them (None in-process, where no request reaches the server)."""

    name: str
    requests: int
    seconds: float
    burst: float | None
    checks: int

    @property
    def rate(self) -> float:
        """Requests per second of wall time, start-up included: what a user waits for."""
        return self.requests / self.seconds


@contextmanager
def counting_server() -> Iterator[tuple[CountingEmulator, str]]:
    """An HTTP emulator on 127.0.0.1, port 0, counting what it answers."""
    emulator = CountingEmulator()
    with serve(emulator) as url:
        yield emulator, url


def our_suite(url: str | None, max_examples: int, report: Path) -> float:
    """Run the suite (against ``url``, or in-process when None); return its wall time."""
    target = ["--target", url, "--rate", "0", "--", "-k", "not AUTH"] if url else []
    command = [
        sys.executable,
        "-c",
        "import sys; from conformance.cli import main; sys.exit(main())",  # `conformance`, this venv's
        "run",
        "--seed",
        "1",
        "--max-examples",
        str(max_examples),
        "--report",
        str(report),
        *target,
    ]
    env = {
        **os.environ,
        "QINGCLOUD_ACCESS_KEY_ID": DEMO_CREDENTIALS.access_key_id,
        "QINGCLOUD_SECRET_ACCESS_KEY": DEMO_CREDENTIALS.secret_access_key.reveal(),
    }
    started = time.perf_counter()
    subprocess.run(command, env=env, capture_output=True, check=False, cwd=tempfile.gettempdir())
    return time.perf_counter() - started


def schemathesis(st: str, url: str, max_examples: int) -> float:
    """Run Schemathesis against ``url``; return its wall time."""
    command = [
        st,
        "run",
        str(HERE / "openapi.yaml"),
        "--url",
        url.removesuffix("/iaas/"),
        "--checks",
        "all",
        "--max-examples",
        str(max_examples),
        "--seed",
        "1",
    ]
    started = time.perf_counter()
    # From a scratch directory: Schemathesis leaves a .schemathesis/ folder where it runs.
    subprocess.run(command, capture_output=True, check=False, cwd=tempfile.gettempdir())
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    """Measure and print the figures; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--schemathesis", default=shutil.which("st"), help="the st executable")
    parser.add_argument(
        "--max-examples", type=int, default=100, help="examples per operation or rule (100)"
    )
    args = parser.parse_args(argv)
    if not args.schemathesis:
        print(
            "Schemathesis's `st` was not found: pip install schemathesis, then pass --schemathesis PATH"
        )
        return 2
    figures: list[Figure] = []
    with counting_server() as (emulator, url), tempfile.TemporaryDirectory() as scratch:
        seconds = schemathesis(args.schemathesis, url, args.max_examples)
        checks = emulator.count * SCHEMATHESIS_CHECKS
        figures.append(Figure("Schemathesis 4", emulator.count, seconds, emulator.rate(), checks))
        emulator.reset()
        report = Path(scratch) / "http.json"
        seconds = our_suite(url, args.max_examples, report)
        checks = json.loads(report.read_text())["summary"]["checks"]
        figures.append(Figure("ours, HTTP", emulator.count, seconds, emulator.rate(), checks))
        report = Path(scratch) / "inprocess.json"
        seconds = our_suite(None, args.max_examples, report)
        summary = json.loads(report.read_text())["summary"]
        figures.append(
            Figure("ours, in-process", summary["requests"], seconds, None, summary["checks"])
        )
    # The targets are judged on wall-clock rates: the reference figure for Schemathesis
    # (about 60 requests per second) is one, and so is what a user waits for. The burst rate, which
    # leaves out each tool's start-up, is printed beside it.
    baseline, burst_baseline = figures[0].rate, figures[0].burst or 0.0
    print(
        f"{'':<18} {'requests':>9} {'wall s':>8} {'req/s':>9} {'vs st':>7} {'burst req/s':>12} {'vs st':>7} "
        f"{'checks/resp':>12} {'checks/s':>10}"
    )
    for figure in figures:
        burst = (
            f"{figure.burst:>12.0f} {figure.burst / burst_baseline:>6.1f}x"
            if figure.burst
            else f"{'-':>12} {'-':>7}"
        )
        print(
            f"{figure.name:<18} {figure.requests:>9} {figure.seconds:>8.2f} {figure.rate:>9.0f} "
            f"{figure.rate / baseline:>6.1f}x {burst} {figure.checks / figure.requests:>12.1f} "
            f"{figure.checks / figure.seconds:>10.0f}"
        )
    http_ok = figures[1].rate >= 5 * baseline
    inprocess_ok = figures[2].rate >= 20 * baseline
    print(f"target HTTP >= 5x Schemathesis: {'met' if http_ok else 'NOT met'}")
    print(f"target in-process >= 20x Schemathesis: {'met' if inprocess_ok else 'NOT met'}")
    return 0 if http_ok and inprocess_ok else 1


if __name__ == "__main__":
    sys.exit(main())
