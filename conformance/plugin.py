"""The pytest plugin: options, hooks and fixtures only.

The run itself (target, client, recorder, report) is ``conformance.session``'s, the checks are
``conformance.probes``' and ``conformance.judgement``'s; this module translates pytest's options,
hooks and fixtures into them. Loaded in every pytest run of a project that installs the toolkit
(entry point ``pytest11``), so it imports nothing heavy at module level and opens no session unless
the suite, one of its options or one of its fixtures is used.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from conformance.options import OPTIONS, PREFIX, add_options

if TYPE_CHECKING:
    from conformance.client import Client
    from conformance.probes.run import Run
    from conformance.probes.search import SearchSettings
    from conformance.session import Session
    from conformance.transport import Target

SUITE = "conformance.suite"
# Options that name a file: given, they are checked at start-up, before any test runs.
_CHECKED_AT_START = ("target", "report", "record", "accept")


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(
        parser.getgroup("conformance", "DescribeClusterJobs conformance").addoption, prefix=PREFIX
    )


class ConformanceState:
    """Per-process state: the session (opened on first use) and what the tests report into it."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self._session: Session | None = None
        self.report_written = False
        self.recorded_count = 0
        # Why each xdist worker's run stopped early, by worker id (the controller's view).
        self.worker_stops: dict[str, str] = {}

    @property
    def session(self) -> Session:
        """The session of this process, built from the options on first use."""
        if self._session is None:
            from conformance.session import Session, SettingError, Settings, worker_rate

            option = self.config.option
            given = {o.dest: getattr(option, o.pytest_dest) for o in OPTIONS}
            # Under xdist each worker sends on its own: each gets its share, so the run keeps the cap.
            workerinput = getattr(self.config, "workerinput", None)
            workers = (workerinput or {}).get("workercount", 1)
            given["rate"] = worker_rate(given["rate"], workers)
            given["target"] = given["target"] or "emulator"
            try:
                self._session = Session(
                    Settings(**given), name=workerinput["workerid"] if workerinput else "main"
                )
            except SettingError as error:
                raise pytest.UsageError(f"--{PREFIX}{error.option}: {error}") from None
        return self._session

    @property
    def opened(self) -> bool:
        """Whether this process has a session (a plain test run never does)."""
        return self._session is not None

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """xdist: keep what a worker recorded (it travels in ``workeroutput``, as pytest-cov's data)."""
        output = getattr(node, "workeroutput", {})
        worker = str(node.workerinput["workerid"])
        if output.get("conformance_recorded"):
            self.session.recorded[worker] = output["conformance_recorded"]
        if output.get("conformance_stopped"):
            self.worker_stops[worker] = output["conformance_stopped"]
        self.session.report.requests += output.get("conformance_sent", 0)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Gather what each test recorded; in the xdist controller this sees every worker's tests."""
        if report.when != "call" or not self.opened:
            return
        gathered = self.session.report
        for name, value in report.user_properties:
            if name in {"conformance_deviations", "conformance_notes"} and isinstance(value, list):
                gathered.deviations.extend(value)
            elif name == "conformance_checks" and isinstance(value, int):
                gathered.checks += value
            elif name == "conformance_rule" and isinstance(value, str):
                gathered.rules += 1
                gathered.tested.append(value)
            elif name == "conformance_not_checked" and isinstance(value, str):
                gathered.not_checked.append(value)
            elif name == "conformance_not_exercised" and isinstance(value, list | tuple):
                rule_id, reason = value
                gathered.not_exercised[str(rule_id)] = str(reason)


_STATE = pytest.StashKey[ConformanceState]()


def _state(config: pytest.Config) -> ConformanceState:
    return config.stash[_STATE]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "conformance(rule): a conformance test of one catalogue rule"
    )
    state = ConformanceState(config)
    config.stash[_STATE] = state
    config.pluginmanager.register(state, "conformance-state")
    given = any(getattr(config.option, f"conformance_{name}") for name in _CHECKED_AT_START)
    if given or _suite_requested(config):
        state.session  # noqa: B018 - checked now, not after a run that may have cost an hour's quota


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

    try:
        _state(config).session.open()
    except (ConformanceError, RunStopped) as error:
        # A UsageError is printed once, as one line, with exit status 4 (pytest.exit says it twice).
        raise pytest.UsageError(f"conformance: {error}") from None


def pytest_report_header(config: pytest.Config) -> str | None:
    if not _suite_requested(config):
        return None
    run = _state(config).session
    settings, seed = run.settings, run.seed
    return (
        f"conformance: target {settings.target}, app {settings.app}, zone {settings.zone}, "
        f"profile {settings.profile}, seed {seed} (--conformance-seed={seed} repeats this run)"
    )


class RecordedRule(pytest.Item):
    """``test_rule[ID]`` against a cassette target: the rule judged over the recorded interactions."""

    def __init__(self, *, rule_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rule_id = rule_id
        self.add_marker(pytest.mark.conformance(rule_id))

    def runtest(self) -> None:
        from conformance.judgement.findings import DeviationFound
        from conformance.report import entry

        run = _state(self.config).session
        outcome = run.judged().outcome(self.rule_id)
        # Offline: no request is sent, and the report says so.
        self.user_properties += [("conformance_rule", self.rule_id), ("conformance_requests", 0)]
        if outcome.notes:
            note = entry(outcome.notes[0], url=getattr(run.target, "url", None))
            self.user_properties.append(("conformance_notes", [note]))
        if outcome.violations:
            raise DeviationFound(self.rule_id, outcome.violations)
        if not outcome.exercised:
            self.user_properties.append(("conformance_not_exercised", (self.rule_id, outcome.skip)))
            pytest.skip(f"not exercised: {outcome.skip}")
        if outcome.skip is not None:
            pytest.skip(outcome.skip)

    def reportinfo(self) -> tuple[Path, None, str]:
        return self.path, None, f"{self.name} (judged over recorded interactions)"


def _offline_items(items: list[pytest.Item]) -> list[pytest.Item]:
    """The suite's hypothesis tests replaced by one recorded-rule test per catalogue rule."""
    from conformance.rules import CATALOGUE

    kept: list[pytest.Item] = []
    replaced = False
    for item in items:
        is_suite_test = (
            isinstance(item, pytest.Function)
            and item.originalname == "test_rule"
            and item.module is not None
            and item.module.__name__ == f"{SUITE}.test_conformance"
        )
        if not is_suite_test or item.parent is None:
            kept.append(item)
        elif not replaced:
            replaced = True
            kept += [
                RecordedRule.from_parent(item.parent, name=f"test_rule[{r.id}]", rule_id=r.id)
                for r in CATALOGUE
            ]
    return kept


# tryfirst: the recorded-rule tests must exist before -k and -m select among them.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    state = _state(config)
    if not state.opened:
        return
    run = state.session
    if run.offline:
        items[:] = _offline_items(items)
    for item in items:
        marker = item.get_closest_marker("conformance")
        if marker is not None and marker.args and marker.args[0] in run.accepted:
            reason = run.accepted[marker.args[0]]
            item.add_marker(
                pytest.mark.xfail(reason=f"accepted known deviation: {reason}", strict=False)
            )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    from conformance.judgement.findings import DeviationFound

    excinfo = call.excinfo
    if excinfo is not None and isinstance(excinfo.value, DeviationFound) and call.when == "call":
        from conformance.report import entry, render_entry

        target = _state(item.config).session.target
        url, options = getattr(target, "url", None), getattr(target, "replay_options", None)
        entries = [
            entry(finding, url=url, emulator_options=options)
            for finding in excinfo.value.findings[:3]
        ]
        report.user_properties.append(("conformance_deviations", entries))
        if report.failed:
            note = (
                " (intermittent: it failed, then passed when sent again)"
                if excinfo.value.intermittent
                else " (not shrunk: the run stopped first; this is the first case seen)"
                if excinfo.value.unshrunk
                else ""
            )
            report.longrepr = "\n\n".join(render_entry(entry) for entry in entries) + note
    return report


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = _state(session.config)
    if not state.opened:
        return
    run = state.session
    run.close()
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        # Under xdist a worker hands its recording to the controller, which writes one cassette.
        if run.recorder is not None:
            workeroutput["conformance_recorded"] = run.recorder.interactions
        workeroutput["conformance_stopped"] = run.stopped()
        workeroutput["conformance_sent"] = run.sent()
        return
    if not _suite_requested(session.config):
        return
    from conformance.errors import ConformanceError

    stopped = run.settle(state.worker_stops.values())
    if stopped is not None:
        # Exit 4: the run could not judge everything; 1 when it had confirmed deviations first.
        failed_before = run.report.violations() or session.testsfailed
        session.exitstatus = (
            pytest.ExitCode.TESTS_FAILED if failed_before else pytest.ExitCode.USAGE_ERROR
        )
    # A report or a recording the user asked for and did not get must not end in a green run.
    failed = False
    try:
        state.report_written = run.write_report()
    except ConformanceError as error:
        failed = _complain(session, error)
    try:
        state.recorded_count = run.write_recording()
    except ConformanceError as error:
        failed = _complain(session, error)
    if failed and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.USAGE_ERROR


def _complain(session: pytest.Session, error: Exception) -> bool:
    writer = session.config.get_terminal_writer()
    writer.line()  # the progress line may still be open
    writer.line(f"conformance: {error}", red=True)
    return True


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if not _suite_requested(config):
        return
    from conformance.report import summary_lines

    run = _state(config).session
    terminalreporter.section("conformance")
    for line in summary_lines(run.report, accepted=run.accepted):
        terminalreporter.line(line)
    settings = run.settings
    if _state(config).report_written:
        terminalreporter.line(f"JSON report: {settings.report}")
    if settings.record is not None:
        terminalreporter.line(
            f"recorded {_state(config).recorded_count} interaction(s) to {settings.record} "
            "(secrets scrubbed)"
        )


# --- fixtures -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def conformance_run(request: pytest.FixtureRequest) -> Run:
    """The opened target, its client, the profile, and the jobs learned from it."""
    return _state(request.config).session.open()


@pytest.fixture(scope="session")
def conformance_settings(request: pytest.FixtureRequest) -> SearchSettings:
    """How hard the suite looks: hypothesis examples per probe (and per search of a broken rule),
    and the run's seed."""
    from conformance.probes.search import SearchSettings

    run = _state(request.config).session
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
