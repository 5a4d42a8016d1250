"""One run of the suite, without pytest: the target, the client that sends to it, the recorder and
the report.

``Session(settings)`` checks the run's destinations and accepted deviations at once (not after a run
that may have cost an hour's quota); ``open()`` opens the target and learns its jobs; ``judged()``
judges a cassette target's recordings offline; ``finish()`` writes the recording and the report.
The pytest plugin builds one per process and translates its options, hooks and fixtures into these
calls; ``conformance cassettes check`` builds one for the cassettes it is given. A plain script can
do the same.

Heavy parts (hypothesis and the probes, the emulator, YAML, the offline judge) are imported by the
method that needs them: judging cassettes loads neither hypothesis nor the probes.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance.errors import ConformanceError, RunStopped, UsageError
from conformance.options import DEFAULT_APP, EMULATOR_BUDGET, LIVE_BUDGET
from conformance.report import Report

if TYPE_CHECKING:
    from conformance.cassettes.record import Recorder
    from conformance.cassettes.verdict import Verdict
    from conformance.client import Client
    from conformance.coverage.lines import Coverage, LineCoverage
    from conformance.exchange import Exchange
    from conformance.judgement.findings import Finding
    from conformance.probes.run import Run
    from conformance.replaying import Failure
    from conformance.reports import Outputs
    from conformance.transport import Target


class SettingError(UsageError):
    """A setting that cannot work: ``option`` names it (``report``, ``record``, ``accept``…), the
    message says why. The plugin shows it as ``--conformance-report: …``, a command as ``--report: …``."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option


@dataclass(frozen=True)
class Settings:
    """What a run is asked to do: the suite's options (``conformance.options``), already checked."""

    target: str | Sequence[str | Path] = "emulator"
    app: str = DEFAULT_APP
    zone: str = "pek3a"
    profile: str = "documented"
    max_examples: int = 25
    max_pages: int = 5
    #: Requests per second this process may send to a live endpoint (None: no cap).
    rate: float | None = 10.0
    timeout: float = 10.0
    max_time: float | None = None
    #: Requests this process may send, retries and learning included (None: the target's default,
    #: ``options.LIVE_BUDGET`` or ``options.EMULATOR_BUDGET``).
    budget: int | None = None
    #: Requests in flight at once (``conformance.probes.batch``).
    concurrency: int = 4
    #: The pytest-xdist workers that will run the tests, sharing what this process leaves of the
    #: budget (0: this process runs them).
    workers: int = 0
    #: The hypothesis seed; None draws one (``Session.seed`` holds it, to print and repeat).
    seed: int | None = None
    report: Path | None = None
    record: Path | None = None
    accept: Path | None = None
    #: An earlier JSON report whose failing requests are sent again before anything else.
    replay: Path | None = None
    #: Another target to compare this one with (``conformance.diff``); None: none.
    diff_against: str | None = None


def worker_rate(rate: float, workers: int) -> float | None:
    """One process's cap when ``workers`` processes share ``rate`` requests per second (None: no cap)."""
    return rate / max(1, workers) if rate else None


def names_cassettes(target: str | Sequence[str | Path]) -> bool:
    """Whether ``target`` names cassettes: a list of paths, or a path ``open_target`` reads so."""
    if not isinstance(target, str):
        return True
    from conformance.targets.cassette import names_cassettes as names

    return names(target)


class Session:
    """One process's run. ``name`` is its session in a recording ("main", or an xdist worker id)."""

    def __init__(
        self, settings: Settings, *, name: str = "main", outputs: Outputs | None = None
    ) -> None:
        from conformance.accept import load_accepted
        from conformance.coverage.tally import Tally
        from conformance.paths import check_writable
        from conformance.reports import Outputs
        from conformance.reports.write import OutputError, check

        self.settings = settings
        #: The reports a person reads (Markdown, HTML) and the coverage a run must reach.
        self.outputs = outputs if outputs is not None else Outputs()
        try:
            check(self.outputs, others={"report": settings.report, "record": settings.record})
        except OutputError as error:
            raise SettingError(error.option, str(error)) from None
        self.name = name
        self.seed: int = settings.seed if settings.seed is not None else random.randrange(2**32)
        for option, path in (("report", settings.report), ("record", settings.record)):
            if path is not None:
                try:
                    check_writable(path)
                except ConformanceError as error:
                    raise SettingError(option, str(error)) from None
        try:
            self.accepted: dict[str, str] = (
                load_accepted(settings.accept) if settings.accept is not None else {}
            )
        except ConformanceError as error:
            raise SettingError("accept", str(error)) from None
        self.failures: list[Failure] = []
        if settings.replay is not None:
            from conformance.replaying import load_failures

            try:
                self.failures = load_failures(settings.replay)
            except ConformanceError as error:
                raise SettingError("replay", str(error)) from None
        # A cassette target is judged offline: nothing is sent, so there is nothing to record.
        self.offline: bool = names_cassettes(settings.target)
        if settings.record is not None and self.offline:
            raise SettingError(
                "record",
                "the target is a cassette, which sends nothing to record; "
                "record against emulator or an http(s):// endpoint",
            )
        # Cassettes given as paths (``conformance cassettes check``) are judged, nothing is drawn.
        named = settings.target if isinstance(settings.target, str) else None
        self.report = Report(
            target=named if named is not None else _joined(settings),
            profile=settings.profile,
            seed=self.seed if named is not None else None,
            budget=settings.budget,
        )
        self.target: Target | None = None
        self.run: Run | None = None
        #: The client, from the moment ``open`` makes it (learning sends through it already).
        self.client: Client | None = None
        #: Told each exchange of the run from its first request (``Client.observers``).
        self.observers: list[Callable[[Exchange], None]] = []
        self.recorder: Recorder | None = None
        #: What other processes (xdist workers) recorded, and why their runs stopped, by name.
        self.recorded: dict[str, list[dict[str, Any]]] = {}
        self.others_stopped: dict[str, str] = {}
        self.verdict: Verdict | None = None
        self.report_written = False
        self.recorded_count = 0
        #: What the run sent and received, counted for its documentation coverage. A cassette
        #: target's recordings are counted as recorded (``coverage``), not as replayed.
        self.tally = Tally(lambda: self.target.credentials if self.target is not None else None)
        if not self.offline:
            self.observers.append(self.tally)
        self._recordings_counted = False
        #: The lines saying which reports were written, and the coverage they show (``write``).
        self.written: list[str] = []
        self.measured: Coverage | None = None

    def open_target(self) -> Target:
        """The target, opened once."""
        if self.target is None:
            settings = self.settings
            if isinstance(settings.target, str):
                from conformance.targets import open_target

                self.target = open_target(
                    settings.target, rate=settings.rate, timeout=settings.timeout
                )
            else:
                from conformance.cassettes import format as cassette_format
                from conformance.targets.cassette import CassetteTarget

                self.target = CassetteTarget(cassette_format.discover(settings.target))
            self.report.target = self.target.name
        return self.target

    def open(self) -> Run:
        """Open the target, with a client that stops the run when it can no longer ask, and learn
        its jobs; once per process. Raises ``ConformanceError`` or ``RunStopped`` when the target
        cannot be used."""
        if self.run is None:
            from conformance.client import Client
            from conformance.deviation import Profile
            from conformance.judgement.listing import Universe
            from conformance.probes.learn import learn
            from conformance.probes.run import Run, judged_learning
            from conformance.stopping import Stopper

            settings = self.settings
            target = self.open_target()
            client = self.client = Client(target, zone=settings.zone)
            client.observers.extend(self.observers)
            app = settings.app
            budget = self.budget()
            if budget is not None and budget <= settings.max_pages:
                # Learning alone may take that many: refused before a request is sent. A larger
                # budget still too small is refused once learning has shown what the plan costs.
                raise SettingError(
                    "budget",
                    f"a budget of {budget} request(s) cannot pay for learning the app's jobs (up "
                    f"to {settings.max_pages} pages, --conformance-max-pages) and the boundary "
                    "cases after them",
                )
            if not self.offline:  # a cassette answers from disk: nothing to run out of
                stopper = client.stopper = Stopper(
                    health=lambda: client.call({"app": app, "limit": 1}),
                    max_time=settings.max_time,
                    budget=budget,
                )
                if hasattr(target, "on_retry"):  # a live target's retries reach the server too
                    target.on_retry = stopper.spend
            if settings.record is not None:
                from conformance.cassettes.record import Recorder

                self.recorder = Recorder(target, session=self.name)
                client.observers.append(self.recorder)
            universe = (
                Universe(app, {}, 0, complete=False)  # offline: nothing is sent to learn
                if self.offline
                else learn(client, app, max_pages=settings.max_pages)
            )
            profile = Profile(settings.profile)
            run = Run(
                client,
                app,
                profile,
                universe,
                max_pages=settings.max_pages,
                concurrency=settings.concurrency if target.concurrent else 1,
                learned=judged_learning(universe, profile),
            )
            self.report.budget = budget
            self.run = run
        return self.run

    def planned(self) -> Run:
        """The opened run with its plan (``conformance.probes.plan``), made once, after learning
        and any replay, from what they left of the budget. Raises ``SettingError`` when the budget
        cannot pay for the boundary pass (in each xdist worker to come, ``settings.workers``)."""
        run = self.open()
        budget = self.budget()
        if run.plan is None and budget is not None:
            from conformance.probes import PROBES
            from conformance.probes.plan import TooSmall, plan

            try:
                run.plan = plan(run, PROBES, budget, workers=self.settings.workers)
            except TooSmall as error:
                raise SettingError("budget", str(error)) from None
        return run

    def budget(self) -> int | None:
        """The run's request budget: as given, else the target's default (``options.LIVE_BUDGET``
        for an endpoint, ``options.EMULATOR_BUDGET`` in-process); None for cassettes, which
        send nothing."""
        if self.offline:
            return None
        if self.settings.budget is not None:
            return self.settings.budget
        default = EMULATOR_BUDGET if self.open_target().url is None else LIVE_BUDGET
        # Each xdist worker learns and runs its boundary pass on its own, and a diff asks the run's
        # target again what the run asks it: each is a run's worth by default.
        runs = max(1, self.settings.workers) * (2 if self.settings.diff_against is not None else 1)
        return runs * default

    def replay(self) -> None:
        """Send the failing requests of the earlier report (``settings.replay``) again, once per
        run, and put what they showed in the report (``Report.replayed``)."""
        if self.settings.replay is None or self.report.replayed is not None or self.offline:
            return
        from conformance.replaying import replay

        self.report.replayed = [item.to_json() for item in replay(self.open(), self.failures)]

    def compare(self) -> None:
        """Compare the target with ``settings.diff_against``, once per run, and put the diff in
        the report (``Report.diff``). The diff gets what is left of the run's budget: what it
        sends the run's target is counted by the run's own ``Stopper`` (retries too), so the run
        never sends it more than its budget, and the other target gets the same cap. Raises
        ``SettingError`` when that cannot pay for learning and the boundary cases, and
        ``ConformanceError`` when the diff compared nothing or left boundary cases uncompared."""
        settings = self.settings
        if settings.diff_against is None or self.report.diff is not None:
            return
        from conformance.diff.engine import DiffSettings, TooSmall, diff
        from conformance.targets import open_target

        stopper = self.run.client.stopper if self.run is not None else None
        plan = self.run.plan if self.run is not None else None
        # What the plan keeps for the boundary pass and the searches is the run's own: the diff
        # takes its share from exploration (which then spends what is left, ``search.survey``).
        kept = plan.boundary + plan.search if plan is not None else 0
        left = (
            None
            if stopper is None or stopper.budget is None
            else max(0, stopper.budget - stopper.spent - kept)
        )
        other = open_target(settings.diff_against, rate=settings.rate, timeout=settings.timeout)
        asked = DiffSettings(
            app=settings.app,
            zone=settings.zone,
            profile=settings.profile,
            budget=left,
            max_examples=settings.max_examples,
            seed=self.seed,
            max_pages=settings.max_pages,
            rate=settings.rate,
            timeout=settings.timeout,
        )
        try:
            found = diff(self.open_target(), other, asked, stoppers=(stopper, None))
        except TooSmall as error:
            raise SettingError("budget", f"what the run left of it: {error}") from None
        finally:
            other.close()
        self.report.diff = found.to_json()
        incomplete = self.report.diff["incomplete"]
        if incomplete and found.agree:
            raise ConformanceError(f"the comparison with {other.name} is no verdict: {incomplete}")

    def judged(self) -> Verdict:
        """Every rule over a cassette target's recordings, judged once per process."""
        if self.verdict is None:
            from conformance.cassettes.judge import judge
            from conformance.deviation import Profile

            target = self.open_target()
            self.verdict = judge(getattr(target, "cassettes", ()), Profile(self.settings.profile))
        return self.verdict

    def sent(self) -> int:
        """How many requests this process sent to the target, as the server counts them (a live
        target's retries too)."""
        client = self.client  # made before learning: what learning sent counts even if it failed
        if client is None:
            return 0
        return client.stopper.spent if client.stopper is not None else client.requests

    def stopped(self) -> str | None:
        """Why this process's run stopped early, without its request count (None: it did not)."""
        stopper = self.run.client.stopper if self.run is not None else None
        return stopper.stopped.reason if stopper is not None and stopper.stopped else None

    def close(self) -> None:
        """Close the target."""
        if self.target is not None:
            self.target.close()

    def handover(self) -> dict[str, Any]:
        """What this process hands the one that writes the report, when it is one of several
        (pytest-xdist's ``workeroutput``): its recording, why it stopped, what it sent."""
        return {
            "conformance_recorded": self.recorder.interactions if self.recorder else None,
            "conformance_stopped": self.stopped(),
            "conformance_sent": self.sent(),
            "conformance_coverage": self.tally.to_json(),
        }

    def take_over(self, name: str, handed: Mapping[str, Any]) -> None:
        """Take what process ``name`` handed over (``handover``)."""
        if handed.get("conformance_recorded"):
            self.recorded[name] = handed["conformance_recorded"]
        if handed.get("conformance_stopped"):
            self.others_stopped[name] = handed["conformance_stopped"]
        self.report.requests += handed.get("conformance_sent", 0)
        if not self.offline:  # offline, each process counts the same recordings: this one's do
            self.tally.merge(handed.get("conformance_coverage") or {})

    def settle(self) -> str | None:
        """Count this process's requests into the report (learning and retried ones included, once
        each: what the server counted) and say why the run stopped early, if it did: the first
        reason of this process or of the others. None: it ran to its end."""
        self.report.requests += self.sent()
        stops = [stop for stop in (self.stopped(), *self.others_stopped.values()) if stop]
        if stops:
            # Counted over every process: under xdist one worker's count is a part of the run's.
            stopped = RunStopped(stops[0], requests=self.report.requests)
            self.report.stopped = str(stopped)
        return self.report.stopped

    def take(self, name: str, value: object) -> None:
        """Gather one thing a suite test recorded (``conformance_*``; see conformance/suite) into
        the report; what is not the suite's is left alone."""
        report = self.report
        if name in {"conformance_deviations", "conformance_notes"} and isinstance(value, list):
            report.deviations.extend(value)
        elif name == "conformance_checks" and isinstance(value, int):
            report.checks += value
        elif name == "conformance_rule" and isinstance(value, str):
            report.rules += 1
            report.tested.append(value)
        elif name == "conformance_not_checked" and isinstance(value, str):
            report.not_checked.append(value)
        elif name == "conformance_not_exercised" and isinstance(value, list | tuple):
            rule_id, reason = value
            report.not_exercised[str(rule_id)] = str(reason)

    def entries(self, found: Iterable[Finding]) -> list[dict[str, Any]]:
        """Report entries for ``found``, each with a replay line against this run's target."""
        from conformance.report import entry

        target = self.target
        url, options = getattr(target, "url", None), getattr(target, "replay_options", None)
        made = [entry(finding, url=url, emulator_options=options) for finding in found]
        credentials = target.credentials if target is not None else None
        if credentials is None:
            return made
        from conformance.cassettes.scrub import scrub_text

        # A server may echo the key id in any shape (not only QY…, which every report scrubs) and
        # the signatures it was sent: the run's own are scrubbed wherever an entry holds its text.
        secrets = (credentials.access_key_id, credentials.secret_access_key)
        sent = self.client.signatures if self.client is not None else set()

        def scrub(text: str) -> str:
            return scrub_text(text, secrets=secrets, signatures=sent)

        return [_scrubbed(item, scrub) for item in made]

    def coverage(self) -> Coverage:
        """The run's documentation coverage: what it sent and received (a cassette target's
        recordings, counted once) against every documented line its tests rest on."""
        from conformance.coverage.lines import measure

        self._count_recordings()
        report = self.report
        tested = report.tested or [entry.id for entry in _catalogue()]
        return measure(self.tally.counts, tested=tested, judged=report.exercised)

    def line_coverage(self, rule_id: str) -> LineCoverage | None:
        """The line ``rule_id`` rests on, measured against what this process saw so far."""
        from conformance.coverage.lines import measure

        self._count_recordings()
        return measure(self.tally.counts, tested=[rule_id], judged=[rule_id]).of_rule(rule_id)

    def _count_recordings(self) -> None:
        if self.offline and not self._recordings_counted:
            self._recordings_counted = True
            for cassette in getattr(self.open_target(), "cassettes", ()):
                self.tally.observe_cassette(cassette)

    def write(self, *, accepted: Iterable[str] = ()) -> list[ConformanceError]:
        """Write the report, the recording and the reports a person reads that the settings ask
        for; what could not be written (a run that did not get them must not end green)."""
        from conformance.reports.write import write as write_outputs

        failed: list[ConformanceError] = []
        coverage = self.measured = self.coverage()
        self.report.coverage = coverage.to_json()
        try:
            self.report_written = self.write_report()
        except ConformanceError as error:
            failed.append(error)
        self.written, unwritten = write_outputs(
            self.outputs, self.report, coverage, accepted=accepted
        )
        failed += unwritten
        try:
            self.recorded_count = self.write_recording()
        except ConformanceError as error:
            failed.append(error)
        return failed

    def write_recording(self) -> int:
        """Write what this process and the others it was handed recorded; how many interactions."""
        from conformance.cassettes.record import provenance, write_recording

        own = self.recorder.interactions if self.recorder is not None else []
        interactions = own + [i for other in sorted(self.recorded) for i in self.recorded[other]]
        settings = self.settings
        if settings.record is None or self.target is None or not interactions:
            return 0
        recorded = provenance(
            self.target, len(interactions), zone=settings.zone, app=settings.app, seed=self.seed
        )
        write_recording(settings.record, interactions, recorded)
        return len(interactions)

    def write_report(self) -> bool:
        """Write the report where the settings say (False: they say nowhere)."""
        if self.settings.report is None:
            return False
        self.report.write(self.settings.report)
        return True


def _scrubbed(value: Any, scrub: Callable[[str], str]) -> Any:
    """``value`` (a report entry: dicts, lists, strings) with every string passed through ``scrub``."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {key: _scrubbed(item, scrub) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrubbed(item, scrub) for item in value]
    return value


def _catalogue() -> tuple[Any, ...]:
    from conformance.rules import CATALOGUE

    return CATALOGUE


def _joined(settings: Settings) -> str:
    return ", ".join(str(path) for path in settings.target)
