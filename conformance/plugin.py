"""The pytest plugin: options, hooks and fixtures only.

The run itself (target, client, recorder, report) is ``conformance.session``'s, the checks are
``conformance.probes``' and ``conformance.judgement``'s; this module translates pytest's options,
hooks and fixtures into them. Loaded in every pytest run of a project that installs the toolkit
(entry point ``pytest11``), so it imports nothing heavy at module level and opens no session unless
the suite, one of its options or one of its fixtures is used.
"""

from __future__ import annotations

import sys
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import pytest

from conformance.options import OPTIONS, PREFIX, REPORTS, add_options

if TYPE_CHECKING:
    from conformance.client import Client
    from conformance.probes.run import Run
    from conformance.probes.search import SearchSettings
    from conformance.session import Session
    from conformance.transport import Target

SUITE = "conformance.suite"
# Options that name a file: given, they are checked at start-up, before any test runs.
_CHECKED_AT_START = ("target", "report", "record", "accept", "replay", "markdown", "html")


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(
        parser.getgroup("conformance", "DescribeClusterJobs conformance").addoption, prefix=PREFIX
    )


_SESSION = pytest.StashKey["Session"]()


def _session(config: pytest.Config) -> Session:
    """This process's session, built from the options on first use."""
    if _SESSION not in config.stash:
        from conformance.reports import Outputs
        from conformance.session import Session, SettingError, Settings, worker_rate

        given = {o.dest: o.value(getattr(config.option, o.pytest_dest)) for o in OPTIONS}
        # Under xdist each worker sends on its own: each gets its share, so the run keeps the cap.
        workerinput = getattr(config, "workerinput", None)
        given["rate"] = worker_rate(given["rate"], (workerinput or {}).get("workercount", 1))
        if workerinput is not None and "conformance_budget" in workerinput:
            given["budget"] = workerinput["conformance_budget"]  # its share (pytest_configure_node)
        given["target"] = given["target"] or "emulator"
        given["workers"] = _workers(config) if workerinput is None else 0
        try:
            config.stash[_SESSION] = Session(
                Settings(**given),
                name=workerinput["workerid"] if workerinput else "main",
                outputs=Outputs(
                    **{o.dest: o.value(getattr(config.option, o.pytest_dest)) for o in REPORTS}
                ),
            )
        except SettingError as error:
            raise pytest.UsageError(f"--{PREFIX}{error.option}: {error}") from None
    return config.stash[_SESSION]


def _workers(config: pytest.Config) -> int:
    """The xdist workers this run will start (0: none). Even one worker learns the jobs again: a
    run under ``-n 1`` shares its budget with it too."""
    count = getattr(config.option, "numprocesses", None)
    dist = getattr(config.option, "dist", "no")
    return count if isinstance(count, int) and count >= 1 and dist != "no" else 0


def _opened(config: pytest.Config) -> bool:
    return _SESSION in config.stash


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "conformance(rule): a conformance test of one catalogue rule"
    )
    config.pluginmanager.register(_Gatherer(config), "conformance-gatherer")
    given = any(getattr(config.option, f"conformance_{name}") for name in _CHECKED_AT_START)
    if given or _suite_requested(config):
        _session(config)  # checked now, not after a run that may have cost an hour's quota


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist: each worker gets an equal share of what the controller's learning left of the budget,
    so the whole run never sends more than ``--conformance-budget``."""
    config = node.config
    budget = _session(config).budget() if _opened(config) else None
    if budget is None:
        return
    left = budget - _session(config).sent()
    node.workerinput["conformance_budget"] = max(0, left // node.workerinput["workercount"])


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist: keep what a worker handed over (in ``workeroutput``, as pytest-cov's data travels)."""
    if _opened(node.config):
        worker = str(node.workerinput["workerid"])
        _session(node.config).take_over(worker, getattr(node, "workeroutput", {}))


class _Gatherer:
    """Gathers what each test recorded into the report; in the xdist controller this sees every
    worker's tests. An object, since pytest hands this hook the report alone, not the config."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" and _opened(self.config):
            for name, value in report.user_properties:
                _session(self.config).take(name, value)


def _suite_requested(config: pytest.Config) -> bool:
    return config.option.conformance_target is not None or any(
        SUITE in str(arg) for arg in config.args
    )


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    # An unreachable or wrong target is a setup error, not a deviation: stop with one line and an
    # exit status that is neither 0 (conformant) nor 1 (deviations), before any test runs.
    config = session.config
    if not _suite_requested(config) or hasattr(config, "workerinput"):
        return
    from conformance.errors import ConformanceError, RunStopped
    from conformance.watch import watch as watched

    watch = watched(config, _session)
    try:
        if watch is not None:
            watch.progress.doing("learning the target's jobs")
        _session(config).open()
        # The failures of an earlier run go first: the quick check after a fix.
        if watch is not None and _session(config).settings.replay is not None:
            watch.progress.doing("replaying the earlier report's failures")
        _session(config).replay()
        _session(config).planned()  # from what learning and the replay left of the budget
        if watch is not None and _session(config).settings.diff_against is not None:
            watch.progress.doing("comparing with the other target")
        _session(config).compare()
    except (ConformanceError, RunStopped) as error:
        # A UsageError is printed once, as one line, with exit status 4 (pytest.exit says it twice).
        raise pytest.UsageError(f"conformance: {error}") from None
    finally:
        if watch is not None:
            watch.progress.doing(None)
            watch.progress.clear()  # pytest prints its header next


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    if not _suite_requested(config):
        return None
    run = _session(config)
    settings, seed = run.settings, run.seed
    header = [
        f"conformance: target {settings.target}, app {settings.app}, zone {settings.zone}, "
        f"profile {settings.profile}, seed {seed} (--conformance-seed={seed} repeats this run)"
    ]
    if run.run is not None and run.run.plan is not None:
        header.append(f"conformance plan: {run.run.plan.line()}")
    return header


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    accepted = _session(config).accepted if _opened(config) else {}
    for item in items:
        marker = item.get_closest_marker("conformance")
        if marker is not None and marker.args and marker.args[0] in accepted:
            reason = accepted[marker.args[0]]
            item.add_marker(
                pytest.mark.xfail(reason=f"accepted known deviation: {reason}", strict=False)
            )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    marker = item.get_closest_marker("conformance")
    if call.when == "call" and marker is not None and marker.args and _opened(item.config):
        _junit_properties(item, str(marker.args[0]), report)
    excinfo = call.excinfo
    # Every test of a user's repository passes here: nothing is imported that is not loaded yet
    # (a DeviationFound or a RunStopped can only come from modules a run has loaded).
    findings = sys.modules.get("conformance.judgement.findings")
    errors = sys.modules.get("conformance.errors")
    if excinfo is None or findings is None or errors is None:
        return report
    DeviationFound, RunStopped = findings.DeviationFound, errors.RunStopped
    if isinstance(excinfo.value, RunStopped):
        # A user's own test that asked after the run stopped: not judged, like the suite's tests;
        # the conformance summary says why, once.
        report.outcome = "skipped"
        path, line, _ = item.reportinfo()
        reason = "not checked: the run stopped (see the conformance summary)"
        report.longrepr = (str(path), (line or 0) + 1, f"Skipped: {reason}")
        return report
    if excinfo is not None and isinstance(excinfo.value, DeviationFound) and call.when == "call":
        from conformance.report import render_entry

        entries = _session(item.config).entries(excinfo.value.findings[:3])
        report.user_properties.append(("conformance_deviations", entries))
        if report.failed:
            note = (
                " (intermittent: it failed, then passed when sent again)"
                if excinfo.value.intermittent
                else f" (not shrunk: {excinfo.value.unshrunk})"
                if excinfo.value.unshrunk
                else ""
            )
            report.longrepr = "\n\n".join(render_entry(entry) for entry in entries) + note
    return report


def _junit_properties(item: pytest.Item, rule_id: str, report: pytest.TestReport) -> None:
    """What ``--junitxml`` shows of a rule's test besides ``conformance_rule``: the documented line
    and its coverage, as this process had seen it when the test ended (the run's final coverage is
    the reports')."""
    from conformance.rules import RULES

    if rule_id not in RULES:
        return
    line = _session(item.config).line_coverage(rule_id)
    found = [("conformance_documented", str(RULES[rule_id].documented))]
    if line is not None:
        gaps = line.gaps
        closing = f"; next: {gaps[0].how}" if gaps else ""
        found.append(
            (
                "conformance_coverage",
                f"{line.state}: {line.seen} of {len(line.cases)} cases{closing}",
            )
        )
    # JUnit XML writes the teardown report's properties, which pytest copies from the item's.
    item.user_properties.extend(found)
    report.user_properties.extend(found)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _opened(session.config):
        return
    run = _session(session.config)
    run.close()
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        # Under xdist a worker hands its recording to the controller, which writes one cassette.
        workeroutput.update(run.handover())
        return
    if not _suite_requested(session.config):
        return
    if run.settle() is not None:
        # Exit 4: the run could not judge everything; 1 when it had confirmed deviations first.
        failed_before = run.report.violations() or session.testsfailed
        session.exitstatus = (
            pytest.ExitCode.TESTS_FAILED if failed_before else pytest.ExitCode.USAGE_ERROR
        )
    # A report or a recording the user asked for and did not get must not end in a green run.
    unwritten = run.write(accepted=run.accepted)
    for error in unwritten:
        writer = session.config.get_terminal_writer()
        writer.line()  # the progress line may still be open
        writer.line(f"conformance: {error}", red=True)
    if unwritten and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.USAGE_ERROR
    differs = run.report.diff is not None and not run.report.diff["agree"]
    if differs and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED  # the two targets behave differently
    from conformance.reports.verdict import under, under_line

    fail_under = run.outputs.coverage_fail_under
    if run.measured is not None and fail_under is not None and under(run.measured, fail_under):
        writer = session.config.get_terminal_writer()
        writer.line()
        option = f"--{PREFIX}coverage-fail-under"
        writer.line(f"conformance: {under_line(run.measured, fail_under, option=option)}", red=True)
        if session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if not _suite_requested(config):
        return
    from conformance.report import summary_lines

    run = _session(config)
    terminalreporter.section("conformance")
    for line in summary_lines(run.report, accepted=run.accepted):
        terminalreporter.line(line)
    if run.run is not None and run.run.plan is not None:
        # Also here, not only in the header: ``conformance run`` runs pytest quietly.
        terminalreporter.line(f"plan: {run.run.plan.line()}")
    if run.measured is not None:
        from conformance.reports.terminal import coverage_lines

        for line in coverage_lines(run.measured):
            terminalreporter.line(line)
    if run.report.diff is not None:
        from conformance.reports.diff import terminal_lines

        for line in terminal_lines(run.report.diff):
            terminalreporter.line(line)
    settings = run.settings
    if run.report_written:
        terminalreporter.line(f"JSON report: {settings.report}")
    for line in run.written:
        terminalreporter.line(line)
    if settings.record is not None:
        terminalreporter.line(
            f"recorded {run.recorded_count} interaction(s) to {settings.record} (secrets scrubbed)"
        )


# --- fixtures -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def conformance_session(request: pytest.FixtureRequest) -> Session:
    """The run of this process: settings, target, report; ``judged()`` for a cassette target."""
    return _session(request.config)


@pytest.fixture(scope="session")
def conformance_run(request: pytest.FixtureRequest) -> Run:
    """The opened target, its client, the profile, the jobs learned from it, and the plan that
    spends the budget."""
    from conformance.session import SettingError

    session = _session(request.config)
    try:
        return session.planned()
    except SettingError as error:
        # Only in an xdist worker (the controller planned first): its share fell short, as data
        # that grew since the controller learned can make it. Nothing more is sent; every rule is
        # reported as not checked, and the summary says why.
        run = session.open()
        if run.client.stopper is None:
            raise
        run.client.stopper.stop(str(error))
        return run


@pytest.fixture(scope="session")
def conformance_settings(request: pytest.FixtureRequest) -> SearchSettings:
    """How hard the suite looks: hypothesis examples per probe (and per search of a broken rule),
    and the run's seed."""
    from conformance.probes.search import SearchSettings

    run = _session(request.config)
    return SearchSettings(max_examples=run.settings.max_examples, seed=run.seed)


@pytest.fixture(scope="session")
def conformance_client(conformance_run: Run) -> Client:
    """A client for the target: ``call(params)`` sends a signed DescribeClusterJobs."""
    return conformance_run.client


@pytest.fixture(scope="session")
def conformance_target(conformance_run: Run) -> Target:
    """The target itself (emulator, live endpoint or cassette)."""
    return conformance_run.client.target


@pytest.fixture
def conformance_check(conformance_run: Run) -> Any:
    """A function that fails the test with the rule, documented line and replay of any violation in an
    exchange: ``conformance_check(conformance_client.call({...}))``."""
    from conformance.deviation import Severity
    from conformance.judgement.exchanges import check_exchange
    from conformance.judgement.findings import DeviationFound

    def check(exchange: Any) -> None:
        found = check_exchange(exchange, conformance_run.profile, params=exchange.params)
        bad = [f for f in found if f.deviation.severity is Severity.VIOLATION]
        if bad:
            raise DeviationFound(bad[0].rule, bad)

    return check
