"""The pytest plugin: options, hooks and fixtures only; the checks live in ``conformance.probes`` and ``conformance.judgement``.

Loaded in every pytest run of a project that installs the toolkit (entry point ``pytest11``), so it
imports nothing heavy at module level and does nothing unless the suite or its fixtures are used.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from conformance.arguments import (
    app_id,
    non_negative_float,
    positive_float,
    positive_int,
    zone_id,
)

if TYPE_CHECKING:
    from conformance.cassettes.judge import Verdict
    from conformance.cassettes.record import Recorder
    from conformance.client import Client
    from conformance.probes.run import Run
    from conformance.probes.search import SearchSettings
    from conformance.report import Report
    from conformance.targets.base import Target

PROFILES = ("documented", "strict")
DEFAULT_APP = "app-tg3lbp0a"
SUITE = "conformance.suite"


def _cassette_path(text: str) -> Path:
    path = Path(text)
    if path.suffix.lower() not in {".yaml", ".yml", ".json"}:
        raise argparse.ArgumentTypeError(
            f"a cassette is named *.yaml, *.yml or *.json, got {text!r}"
        )
    return path


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "DescribeClusterJobs conformance")
    group.addoption(
        "--conformance-target",
        default=None,
        metavar="TARGET",
        help="emulator (default; 'emulator:FAULT,…' or 'emulator:churn' to vary it), an http(s):// endpoint, "
        "or a cassette file or folder",
    )
    group.addoption(
        "--conformance-app",
        default=DEFAULT_APP,
        type=app_id,
        metavar="APP",
        help=f"the app whose jobs are listed (default {DEFAULT_APP})",
    )
    group.addoption(
        "--conformance-zone",
        default="pek3a",
        type=zone_id,
        metavar="ZONE",
        help="the zone (default pek3a)",
    )
    group.addoption(
        "--conformance-profile",
        default="documented",
        choices=PROFILES,
        help="documented: what the page says (default); strict: also exact error codes, no undocumented fields",
    )
    group.addoption(
        "--conformance-max-examples",
        default=25,
        type=positive_int,
        metavar="N",
        help="hypothesis examples per probe, and per search of a broken rule (default 25)",
    )
    group.addoption(
        "--conformance-max-pages",
        default=5,
        type=positive_int,
        metavar="N",
        help="pages of 100 jobs read to learn the target's jobs (default 5)",
    )
    group.addoption(
        "--conformance-rate",
        default=10.0,
        type=non_negative_float,
        metavar="PER_SECOND",
        help="at most this many requests per second to a live endpoint, shared by xdist workers "
        "(default 10; 0 = no cap)",
    )
    group.addoption(
        "--conformance-timeout",
        default=10.0,
        type=positive_float,
        metavar="SECONDS",
        help="seconds a live endpoint has for a whole answer, per attempt (default 10; with its "
        "retries a request takes at most 3 times this)",
    )
    group.addoption(
        "--conformance-max-time",
        default=None,
        type=positive_float,
        metavar="SECONDS",
        help="stop the run after this many seconds; the rules not reached are reported as not "
        "checked (default: no limit)",
    )
    group.addoption(
        "--conformance-seed",
        default=None,
        type=int,
        metavar="SEED",
        help="the hypothesis seed (default: random, printed)",
    )
    group.addoption(
        "--conformance-report",
        default=None,
        type=Path,
        metavar="PATH",
        help="write a JSON report here",
    )
    group.addoption(
        "--conformance-record",
        default=None,
        type=_cassette_path,
        metavar="PATH",
        help="write every interaction of the run to this vcrpy cassette (.yaml, .yml or .json), "
        "secrets scrubbed",
    )
    group.addoption(
        "--conformance-accept",
        default=None,
        type=Path,
        metavar="FILE",
        help="known deviations (YAML or JSON: a list of {rule, reason}): reported as expected failures",
    )


def worker_rate(rate: float, workers: int) -> float | None:
    """One process's cap when ``workers`` processes share ``rate`` requests per second (None: no cap)."""
    return rate / max(1, workers) if rate else None


class ConformanceState:
    """Per-process state: the options, the accepted deviations, and the report being gathered."""

    def __init__(self, config: pytest.Config) -> None:
        from conformance.accept import load_accepted
        from conformance.errors import ConformanceError
        from conformance.paths import check_writable
        from conformance.report import Report

        option = config.option
        self.target_spec: str = option.conformance_target or "emulator"
        self.app: str = option.conformance_app
        self.zone: str = option.conformance_zone
        self.profile: str = option.conformance_profile
        self.max_examples: int = option.conformance_max_examples
        self.max_pages: int = option.conformance_max_pages
        # Under xdist each worker sends on its own: each gets its share, so the run keeps the cap.
        workers = getattr(config, "workerinput", {}).get("workercount", 1)
        self.rate: float | None = worker_rate(option.conformance_rate, workers)
        self.timeout: float = option.conformance_timeout
        self.max_time: float | None = option.conformance_max_time
        self.seed: int = (
            option.conformance_seed
            if option.conformance_seed is not None
            else random.randrange(2**32)
        )
        self.report_path: Path | None = option.conformance_report
        self.report_written = False
        # Checked now, not after a run that may have cost an hour's quota.
        for name, path in (("report", self.report_path), ("record", option.conformance_record)):
            if path is not None:
                try:
                    check_writable(path)
                except ConformanceError as error:
                    raise pytest.UsageError(f"--conformance-{name}: {error}") from None
        try:
            self.accepted: dict[str, str] = (
                load_accepted(option.conformance_accept) if option.conformance_accept else {}
            )
        except ConformanceError as error:
            raise pytest.UsageError(f"--conformance-accept: {error}") from None
        self.report: Report = Report(target=self.target_spec, profile=self.profile, seed=self.seed)
        self.target: Target | None = None
        self.run: Run | None = None
        # A cassette target is judged offline: the suite's tests become judgements of recordings.
        self.offline: bool = False
        if option.conformance_target is not None:
            from conformance.targets.cassette import names_cassettes

            self.offline = names_cassettes(option.conformance_target)
        self.record_path: Path | None = option.conformance_record
        if self.record_path is not None and self.offline:
            raise pytest.UsageError(
                "--conformance-record: the target is a cassette, which sends nothing to record; "
                "record against emulator or an http(s):// endpoint"
            )
        workerinput = getattr(config, "workerinput", None)
        self.session: str = workerinput["workerid"] if workerinput else "main"
        self.recorder: Recorder | None = None
        self.recorded: dict[str, list[dict[str, Any]]] = {}
        self.verdict: Verdict | None = None
        self.recorded_count: int = 0
        # Why each xdist worker's run stopped early, by worker id (the controller's view).
        self.worker_stops: dict[str, str] = {}

    def open(self) -> Run:
        """Open the target and learn its jobs, once per process."""
        if self.run is None:
            from conformance.client import Client
            from conformance.deviation import Profile
            from conformance.probes.learn import learn
            from conformance.probes.run import Run, judged_learning
            from conformance.stopping import Stopper
            from conformance.targets import open_target

            self.target = open_target(self.target_spec, rate=self.rate, timeout=self.timeout)
            self.report.target = self.target.name
            client = Client(self.target, zone=self.zone)
            app = self.app
            if not self.offline:  # a cassette answers from disk: nothing to run out of
                client.stopper = Stopper(
                    requests=lambda: client.requests,
                    health=lambda: client.call({"app": app, "limit": 1}),
                    max_time=self.max_time,
                )
            if self.record_path is not None:
                from conformance.cassettes.record import Recorder

                self.recorder = Recorder(self.target, session=self.session)
                client.observers.append(self.recorder)
            if self.offline:
                from conformance.judgement.listing import Universe

                universe = Universe(self.app, {}, 0, complete=False)  # nothing is sent to learn
            else:
                universe = learn(client, self.app, max_pages=self.max_pages)
            profile = Profile(self.profile)
            self.run = Run(
                client,
                self.app,
                profile,
                universe,
                max_pages=self.max_pages,
                learned=judged_learning(universe, profile),
            )
        return self.run

    def sent(self) -> int:
        """How many requests this process sent to the target."""
        return self.run.client.requests if self.run is not None else 0

    def stopped(self) -> str | None:
        """Why this process's run stopped early (None: it did not)."""
        stopper = self.run.client.stopper if self.run is not None else None
        return str(stopper.stopped) if stopper is not None and stopper.stopped else None

    def close(self) -> None:
        """Close the target."""
        if self.target is not None:
            self.target.close()

    def judged(self) -> Verdict:
        """Every rule over the cassette target's recordings, judged once per process."""
        if self.verdict is None:
            from conformance.cassettes.judge import judge
            from conformance.deviation import Profile

            self.open()
            self.verdict = judge(getattr(self.target, "cassettes", ()), Profile(self.profile))
        return self.verdict

    def write_recording(self) -> int:
        """Write what this process and its xdist workers recorded; how many interactions."""
        from conformance.cassettes.record import provenance, write_recording

        own = self.recorder.interactions if self.recorder is not None else []
        interactions = own + [i for worker in sorted(self.recorded) for i in self.recorded[worker]]
        if self.record_path is None or self.target is None or not interactions:
            return 0
        recorded = provenance(
            self.target, len(interactions), zone=self.zone, app=self.app, seed=self.seed
        )
        write_recording(self.record_path, interactions, recorded)
        return len(interactions)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """xdist: keep what a worker recorded (it travels in ``workeroutput``, as pytest-cov's data)."""
        output = getattr(node, "workeroutput", {})
        worker = str(node.workerinput["workerid"])
        if output.get("conformance_recorded"):
            self.recorded[worker] = output["conformance_recorded"]
        if output.get("conformance_stopped"):
            self.worker_stops[worker] = output["conformance_stopped"]
        self.report.requests += output.get("conformance_sent", 0)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Gather what each test recorded; in the xdist controller this sees every worker's tests."""
        if report.when != "call":
            return
        for name, value in report.user_properties:
            if name in {"conformance_deviations", "conformance_notes"} and isinstance(value, list):
                self.report.deviations.extend(value)
            elif name == "conformance_checks" and isinstance(value, int):
                self.report.checks += value
            elif name == "conformance_rule" and isinstance(value, str):
                self.report.rules += 1
                self.report.tested.append(value)
            elif name == "conformance_not_checked" and isinstance(value, str):
                self.report.not_checked.append(value)
            elif name == "conformance_not_exercised" and isinstance(value, list | tuple):
                rule_id, reason = value
                self.report.not_exercised[str(rule_id)] = str(reason)


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
        _state(config).open()
    except (ConformanceError, RunStopped) as error:
        # A UsageError is printed once, as one line, with exit status 4 (pytest.exit says it twice).
        raise pytest.UsageError(f"conformance: {error}") from None


def pytest_report_header(config: pytest.Config) -> str | None:
    if not _suite_requested(config):
        return None
    state = _state(config)
    return (
        f"conformance: target {state.target_spec}, app {state.app}, zone {state.zone}, "
        f"profile {state.profile}, seed {state.seed} (--conformance-seed={state.seed} repeats this run)"
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

        state = _state(self.config)
        outcome = state.judged().outcome(self.rule_id)
        # Offline: no request is sent, and the report says so.
        self.user_properties += [("conformance_rule", self.rule_id), ("conformance_requests", 0)]
        if outcome.notes:
            note = entry(outcome.notes[0], url=getattr(state.target, "url", None))
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
    if state.offline:
        items[:] = _offline_items(items)
    accepted = state.accepted
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
    from conformance.judgement.findings import DeviationFound

    excinfo = call.excinfo
    if excinfo is not None and isinstance(excinfo.value, DeviationFound) and call.when == "call":
        state = _state(item.config)
        entries = _entries(excinfo.value, state)
        report.user_properties.append(("conformance_deviations", entries))
        if report.failed:
            from conformance.report import render_entry

            note = (
                " (intermittent: it failed, then passed when sent again)"
                if excinfo.value.intermittent
                else " (not shrunk: the run stopped first; this is the first case seen)"
                if excinfo.value.unshrunk
                else ""
            )
            report.longrepr = "\n\n".join(render_entry(entry) for entry in entries) + note
    return report


def _entries(found: Any, state: ConformanceState) -> list[dict[str, Any]]:
    from conformance.report import entry

    target = state.target
    url = getattr(target, "url", None)
    options = getattr(target, "replay_options", None)
    return [entry(finding, url=url, emulator_options=options) for finding in found.findings[:3]]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = _state(session.config)
    state.close()
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        # Under xdist a worker hands its recording to the controller, which writes one cassette.
        if state.recorder is not None:
            workeroutput["conformance_recorded"] = state.recorder.interactions
        workeroutput["conformance_stopped"] = state.stopped()
        workeroutput["conformance_sent"] = state.sent()
        return
    if not _suite_requested(session.config):
        return
    from conformance.errors import ConformanceError

    # Every request, learning and retried ones included once each: what the server counted.
    state.report.requests += state.sent()
    stops = [stop for stop in (state.stopped(), *state.worker_stops.values()) if stop]
    if stops:
        # Exit 4: the run could not judge everything; 1 when it had confirmed deviations first.
        state.report.stopped = stops[0]
        failed_before = state.report.violations() or session.testsfailed
        session.exitstatus = (
            pytest.ExitCode.TESTS_FAILED if failed_before else pytest.ExitCode.USAGE_ERROR
        )

    # A report or a recording the user asked for and did not get must not end in a green run.
    failed = False
    if state.report_path is not None:
        try:
            state.report.write(state.report_path)
            state.report_written = True
        except ConformanceError as error:
            _complain(session, error)
            failed = True
    if state.record_path is not None:
        try:
            state.recorded_count = state.write_recording()
        except ConformanceError as error:
            _complain(session, error)
            failed = True
    if failed and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.USAGE_ERROR


def _complain(session: pytest.Session, error: Exception) -> None:
    writer = session.config.get_terminal_writer()
    writer.line()  # the progress line may still be open
    writer.line(f"conformance: {error}", red=True)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if not _suite_requested(config):
        return
    from conformance.report import summary_lines

    state = _state(config)
    terminalreporter.section("conformance")
    for line in summary_lines(state.report, accepted=state.accepted):
        terminalreporter.line(line)
    if state.report_written:
        terminalreporter.line(f"JSON report: {state.report_path}")
    if state.record_path is not None:
        terminalreporter.line(
            f"recorded {state.recorded_count} interaction(s) to {state.record_path} (secrets scrubbed)"
        )


# --- fixtures -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def conformance_run(request: pytest.FixtureRequest) -> Run:
    """The opened target, its client, the profile, and the jobs learned from it."""
    return _state(request.config).open()


@pytest.fixture(scope="session")
def conformance_settings(request: pytest.FixtureRequest) -> SearchSettings:
    """How hard the suite looks: hypothesis examples per probe (and per search of a broken rule),
    and the run's seed."""
    from conformance.probes.search import SearchSettings

    state = _state(request.config)
    return SearchSettings(max_examples=state.max_examples, seed=state.seed)


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
