"""What the reports cost a default emulator run: counting every exchange for coverage, measuring it,
and rendering the terminal table, the Markdown and the HTML, against the run's own wall time.

Run: ``python benchmarks/bench_reports.py [--repeat 3]``

The run is the README's main command (``conformance run --seed 1``, the in-process emulator) timed
as a whole, start-up included, median of ``--repeat``. The same run recorded (``--record``) gives
its exchanges back; the reports' share is then timed on them as the run pays it: the tally told
each exchange (whose body the run's validation already parsed), the coverage measured, and the three
reports rendered and written. Target: the reports cost under 5% of the run.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from conformance.cassettes import format as cassette_format
from conformance.cassettes.interaction import to_request, to_response
from conformance.coverage.lines import measure
from conformance.coverage.tally import Tally
from conformance.exchange import Exchange
from conformance.report import Report
from conformance.reports import Outputs
from conformance.reports.terminal import coverage_lines
from conformance.reports.write import write
from conformance.rules import CATALOGUE
from conformance.signing import Credentials

TARGET = 0.05
RUN = [sys.executable, "-m", "conformance.cli", "run", "--seed", "1"]


def _run(folder: Path, *extra: str) -> float:
    started = time.perf_counter()
    subprocess.run([*RUN, *extra], cwd=folder, check=False, capture_output=True)
    return time.perf_counter() - started


def _exchanges(cassette: Path) -> list[Exchange]:
    interactions = cassette_format.load(cassette).interactions
    found = []
    for raw in interactions:
        response = to_response(raw["response"])
        _ = response.document  # the run's validation parsed it already; the tally shares it
        # As the client keeps them: a request it signed carries its parameters, a deliberately
        # broken one none (the tally then checks its signature, as in the run).
        valid = (raw.get("conformance") or {}).get("auth") == "valid"
        found.append(Exchange(to_request(raw["request"]), response, params={} if valid else None))
    return found


def _reports(exchanges: list[Exchange], folder: Path) -> float:
    started = time.perf_counter()
    tally = Tally(lambda: Credentials("QYBENCHMARKKEY000000", "benchmark"))
    for exchange in exchanges:
        tally(exchange)
    every = [entry.id for entry in CATALOGUE]
    coverage = measure(tally.counts, tested=every, judged=every)
    report = Report(target="emulator", profile="documented", seed=1, rules=len(every))
    coverage_lines(coverage)
    outputs = Outputs(markdown=folder / "summary.md", html=folder / "report.html")
    written, failed = write(outputs, report, coverage, environ={})
    assert not failed, failed
    assert len(written) == 2, written
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        runs = [_run(folder) for _ in range(args.repeat)]
        _run(folder, "--record", str(folder / "run.yaml"))
        exchanges = _exchanges(folder / "run.yaml")
        reports = [_reports(exchanges, folder) for _ in range(max(args.repeat, 5))]
    run, cost = statistics.median(runs), statistics.median(reports)
    share = cost / run
    print(
        f"default emulator run (conformance run --seed 1): {run * 1000:8.1f} ms, {len(exchanges)} exchanges"
    )
    print(f"reports (tally, coverage, terminal, Markdown, HTML): {cost * 1000:8.1f} ms")
    print(f"share of the run: {share:.1%} (target < {TARGET:.0%})")
    return 0 if share < TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
