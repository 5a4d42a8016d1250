"""``conformance emulator``: the listening line first, clean exits on signals, one-line user errors."""

from __future__ import annotations

import argparse
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance import signing
from conformance.emulator import DEMO_CREDENTIALS, FAULTS
from conformance.emulator.command import add_parser, build, latency
from conformance.emulator.data import EXAMPLE_JOB_JSON
from conformance.errors import DataError, UsageError
from tests.emulator.helpers import BASE, START, body_json, send, signed_query

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "conformance.cli", "emulator"]


def _environment(**extra: str) -> dict[str, str]:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("QINGCLOUD_")
    }
    environment.update(extra, PYTHONUNBUFFERED="1")
    return environment


class Running:
    """A started emulator process: its lines as they come, and how it ended.

    A thread reads standard output line by line into a queue: a pipe read through Python's
    buffer cannot be polled for "is there a line yet".
    """

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def line(self, timeout: float = 20.0) -> str:
        """The next line of standard output (fails the test after ``timeout`` seconds)."""
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"no output within {timeout} s")
        if line is None:
            pytest.fail(f"the process ended: {self.process.wait(timeout=20)}")
        return line

    def stop(self, number: int = signal.SIGTERM) -> tuple[int, str, str]:
        """Send ``number``, wait for the exit; the status, the rest of stdout, and stderr."""
        self.process.send_signal(number)
        status = self.process.wait(timeout=20)
        self._reader.join(timeout=20)
        assert self.process.stderr is not None
        err = self.process.stderr.read()
        rest = []
        while (line := self._lines.get_nowait()) is not None:
            rest.append(line)
        return status, "\n".join(rest), err


@pytest.fixture
def start() -> Iterator[Any]:
    """Starts ``conformance emulator`` processes; kills any still running after the test."""
    started: list[Running] = []

    def run(
        *options: str, environment: dict[str, str] | None = None, command: list[str] = CLI
    ) -> Running:
        process = subprocess.Popen(
            [*command, "--port", "0", *options],
            cwd=ROOT,
            env=environment or _environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(Running(process))
        return started[-1]

    yield run
    for running in started:
        if running.process.poll() is None:
            running.process.kill()
        running.process.wait(timeout=20)
        for stream in (running.process.stdout, running.process.stderr):
            if stream is not None:
                stream.close()


def _url(running: Running) -> str:
    first = running.line()
    assert first.startswith("listening on http://127.0.0.1:")
    assert first.endswith("/iaas/")
    return first.removeprefix("listening on ")


def _now_query(params: dict[str, Any], credentials: signing.Credentials = DEMO_CREDENTIALS) -> str:
    return signed_query(params, credentials=credentials, now=time.time())


def test_the_first_line_is_the_url_and_sigterm_stops_it_cleanly(start: Any) -> None:
    running = start()
    url = _url(running)
    notes = [running.line(), running.line()]
    assert notes[0].startswith("access key id: QYACCESSKEYIDEXAMPLE (the documented demo pair")
    assert notes[1] == "data: default data set (seed 20180304), 213 jobs"
    answer = body_json(send(url, "GET", "/iaas/?" + _now_query({**BASE, "limit": 2})))
    assert (answer["ret_code"], len(answer["job_set"])) == (0, 2)
    status, out, err = running.stop(signal.SIGTERM)
    assert (status, out.strip(), err) == (0, "stopped", "")


def test_sigint_stops_it_cleanly_too(start: Any) -> None:
    running = start()
    _url(running)
    status, out, err = running.stop(signal.SIGINT)
    assert (status, out.splitlines()[-1], err) == (0, "stopped", "")


def test_python_m_conformance_emulator_runs_it_alone(start: Any) -> None:
    running = start("--no-auth", command=[sys.executable, "-m", "conformance.emulator"])
    url = _url(running)
    assert running.line() == "authentication: off (--no-auth)"
    query = "action=DescribeClusterJobs&app=app-tg3lbp0a&zone=pek3a"
    assert body_json(send(url, "GET", f"/iaas/?{query}"))["ret_code"] == 0
    status, _, err = running.stop()
    assert (status, err) == (0, "")


def test_a_key_pair_from_the_environment_is_used_and_its_secret_never_shown(start: Any) -> None:
    mine = signing.Credentials("QYMYOWNKEY", "my-very-secret-secret")
    environment = _environment(
        QINGCLOUD_ACCESS_KEY_ID=mine.access_key_id,
        QINGCLOUD_SECRET_ACCESS_KEY=mine.secret_access_key.reveal(),
    )
    running = start(environment=environment)
    url = _url(running)
    assert running.line() == "access key id: QYMY... (from QINGCLOUD_ACCESS_KEY_ID)"  # never whole
    ok = body_json(send(url, "GET", "/iaas/?" + _now_query(BASE, mine)))
    demo = body_json(send(url, "GET", "/iaas/?" + _now_query(BASE)))
    assert (ok["ret_code"], demo["ret_code"]) == (0, 1200)
    _, out, err = running.stop()
    assert mine.secret_access_key.reveal() not in out + err


def test_faults_and_churn_are_announced_and_take_effect(start: Any) -> None:
    running = start("--fault", "limit-off-by-one", "--fault", "wrong-action-name", "--churn")
    url = _url(running)
    lines = [running.line() for _ in range(4)]
    assert lines[2] == "faults: limit-off-by-one (DCJ-PAGE-002), wrong-action-name (DCJ-RESP-005)"
    assert lines[3].startswith("churn: a step every 10 requests")
    answer = body_json(send(url, "GET", "/iaas/?" + _now_query({**BASE, "limit": 3})))
    assert (answer["action"], len(answer["job_set"])) == ("DescribeClusterJobs", 4)
    assert running.stop()[0] == 0


def test_a_latency_is_announced_and_holds_each_answer(start: Any) -> None:
    running = start("--latency", "100")
    url = _url(running)
    notes = [running.line() for _ in range(3)]
    assert notes[2] == "latency: each answer held 100 ms"
    started = time.monotonic()
    answer = body_json(send(url, "GET", "/iaas/?" + _now_query({**BASE, "limit": 1})))
    # A lower bound only: how much longer a loaded machine takes says nothing about the server.
    assert time.monotonic() - started >= 0.1
    assert answer["ret_code"] == 0
    status, _, err = running.stop()
    assert (status, err) == (0, "")


def test_data_from_a_file_is_served(start: Any, write_data: Any) -> None:
    path = write_data({"app-mine0001": [json.loads(EXAMPLE_JOB_JSON)]})
    running = start("--data", path)
    url = _url(running)
    running.line()
    assert running.line() == f"data: {path}, 1 jobs"
    query = _now_query({"app": "app-mine0001", "zone": "pek3a"})
    assert body_json(send(url, "GET", "/iaas/?" + query))["total_count"] == 1
    assert running.stop()[0] == 0


def test_list_faults_prints_each_with_its_rule() -> None:
    done = subprocess.run(
        [*CLI, "--list-faults"],
        cwd=ROOT,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = done.stdout.splitlines()
    assert (done.returncode, done.stderr, len(lines)) == (0, "", len(FAULTS))
    assert [line.split()[:2] for line in lines] == [[f.name, f.rule] for f in FAULTS.values()]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--fault", "nope"], "unknown fault 'nope'; valid faults: missing-total-count, "),
        (["--data", "/nonexistent/jobs.json"], "/nonexistent/jobs.json: cannot read the data file"),
        (["--port", "70000"], "--port must be 0 to 65535, not 70000"),
        (
            ["--latency", "-5"],
            "--latency must be a number of milliseconds, 0 or more, e.g. 40 or 2.5, not '-5'",
        ),
        (["--latency", "soon"], "--latency must be a number of milliseconds, 0 or more"),
        (["--latency", "inf"], "--latency must be a number of milliseconds, 0 or more"),
    ],
)
def test_a_user_error_is_one_line_and_exit_status_2(options: list[str], message: str) -> None:
    done = subprocess.run(
        [*CLI, *options], cwd=ROOT, env=_environment(), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1
    assert message in done.stderr


# --- build(): the options, without a process -----------------------------------------------------


def _args(*options: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    return parser.parse_args(["emulator", *options])


def test_the_defaults_are_the_documented_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("QINGCLOUD_ACCESS_KEY_ID", "QINGCLOUD_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    args = _args()
    assert (args.host, args.port, args.fault, args.churn) == ("127.0.0.1", 8080, [], False)
    assert latency(args) == 0
    emulator, _ = build(args)
    assert emulator.credentials == DEMO_CREDENTIALS
    assert (emulator.faults, emulator.churn) == ((), None)


def test_build_reads_seed_churn_and_no_auth() -> None:
    emulator, notes = build(_args("--seed", "7", "--churn", "--churn-every", "3", "--no-auth"))
    assert emulator.credentials is None
    assert emulator.churn is not None
    assert (emulator.churn.settings.seed, emulator.churn.settings.every_requests) == (7, 3)
    assert notes[0] == "authentication: off (--no-auth)"
    assert "seed 7" in notes[1]


@pytest.mark.parametrize(("given", "milliseconds"), [("40", 40.0), ("2.5", 2.5), ("0", 0.0)])
def test_build_reads_the_latency_and_notes_it_only_when_there_is_one(
    given: str, milliseconds: float
) -> None:
    args = _args("--latency", given)
    _, notes = build(args)
    assert latency(args) == milliseconds
    held = [note for note in notes if note.startswith("latency:")]
    assert held == ([f"latency: each answer held {given} ms"] if milliseconds else [])


def test_only_half_a_key_pair_in_the_environment_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("QINGCLOUD_ACCESS_KEY_ID", "QYHALF")
    monkeypatch.delenv("QINGCLOUD_SECRET_ACCESS_KEY", raising=False)
    with pytest.raises(UsageError, match="QINGCLOUD_SECRET_ACCESS_KEY is not set"):
        build(_args())


@pytest.mark.parametrize(
    "options", [["--churn", "--churn-every", "0"], ["--churn", "--churn-seconds", "0"]]
)
def test_nonsense_churn_options_are_a_usage_error(options: list[str]) -> None:
    with pytest.raises(UsageError, match="--churn-every"):
        build(_args(*options))


def test_a_bad_data_file_names_the_record(write_data: Any) -> None:
    path = write_data({"app-x": [{**json.loads(EXAMPLE_JOB_JSON), "status": "running"}]})
    with pytest.raises(DataError, match=r"app-x\[0\] \(job j-etkt94ebqra\): /status"):
        build(_args("--data", path))


def test_the_emulators_clock_is_real_time_in_the_cli() -> None:
    emulator, _ = build(_args())
    assert abs(emulator.clock() - time.time()) < 5
    assert time.time() > START
