"""The oddities probe: inputs the page leaves open are served or rejected, never a crash."""

from __future__ import annotations

from hypothesis import strategies as st

from conformance.contract import ACTION, JOBS, LIMIT, OFFSET, STATUS, VERBOSE
from conformance.judgement import cases
from conformance.judgement.exchanges import check_exchange
from conformance.judgement.findings import Finding
from conformance.probes.run import Probe, Run
from conformance.strategies.requests import OddRequest, odd_requests


def _odd_cases(run: Run) -> st.SearchStrategy[OddRequest]:
    return odd_requests(app=run.app, zone=run.client.zone)


def _odd_once(run: Run, case: OddRequest) -> list[Finding]:
    return check_exchange(run.client.send_pairs(case.pairs), run.profile)


# Odd values every parameter is tried with: whatever a server makes of them, it must not crash.
_ODD_VALUES = (
    ("non-ASCII", "jöb-ü✓"),
    ("very long", "x" * 2000),
    ("control characters", "a\x00b\x1b\r\n"),
)


def _odd_examples(run: Run) -> list[OddRequest]:
    """The undocumented inputs the wire sheet names, odd values of every parameter (``app`` and
    ``zone`` included), and near misses of the app's id, which the page leaves open (an empty
    listing or an error)."""
    zone, app = ("zone", run.client.zone), ("app", run.app)
    base = (("action", ACTION), zone, app)
    parameters = (
        "app",
        "zone",
        LIMIT.name,
        OFFSET.name,
        VERBOSE.name,
        f"{STATUS.parameter}.1",
        f"{JOBS.parameter}.1",
    )

    def with_value(name: str, value: str) -> tuple[tuple[str, str], ...]:
        kept = tuple(pair for pair in base if pair[0] != name)
        return (*kept, (name, value))

    near_apps = (run.app[:-1], run.app + "0", f" {run.app} ", run.app.upper())
    return [
        OddRequest((*base, ("offset", "-1")), "a negative offset"),
        OddRequest((*base, ("limit", "0")), "limit=0"),
        OddRequest((*base, ("verbose", "1")), "verbose=1, as the Python SDK sends it"),
        OddRequest((*base, ("jobs.0", "j-00000000")), "an array index 0"),
        OddRequest((*base, (f"{JOBS.parameter}.1", "")), f"an empty {JOBS.parameter}.1"),
        *(
            OddRequest(with_value(name, value), f"{name}: {kind}")
            for name in parameters
            for kind, value in _ODD_VALUES
        ),
        *(OddRequest(with_value("app", near), f"app={near!r}") for near in near_apps),
    ]


ODDITIES = Probe(
    "oddities",
    cases.ODD,
    _odd_cases,
    _odd_once,
    _odd_examples,
)
