"""The oddities probe: inputs the page leaves open are served or rejected, never a crash."""

from __future__ import annotations

from hypothesis import strategies as st

from conformance.contract import ACTION
from conformance.judgement import cases
from conformance.judgement.exchanges import check_exchange
from conformance.judgement.findings import Finding
from conformance.probes.run import Probe, Run, confirmed
from conformance.strategies.requests import OddRequest, odd_requests


def _odd_cases(run: Run) -> st.SearchStrategy[OddRequest]:
    return odd_requests(app=run.app, zone=run.client.zone)


def _odd_run(run: Run, case: OddRequest) -> list[Finding] | None:
    return confirmed(lambda: check_exchange(run.client.send_pairs(case.pairs), run.profile))


def _odd_examples(run: Run) -> list[OddRequest]:
    base = (("action", ACTION), ("zone", run.client.zone), ("app", run.app))
    return [
        OddRequest((*base, ("offset", "-1")), "a negative offset"),
        OddRequest((*base, ("limit", "0")), "limit=0"),
        OddRequest((*base, ("verbose", "1")), "verbose=1, as the Python SDK sends it"),
        OddRequest((*base, ("jobs.0", "j-00000000")), "an array index 0"),
    ]


ODDITIES = Probe(
    "oddities",
    cases.ODD,
    _odd_cases,
    _odd_run,
    _odd_examples,
)
