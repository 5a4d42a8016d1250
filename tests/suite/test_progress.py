"""The progress line: drawn on a terminal while the run works, never in captured or CI output."""

from __future__ import annotations

import os
import select
import subprocess
import sys

import pytest

from conformance.progress import Progress, wanted
from tests.suite.helpers import run_suite

MARK = "[conformance: "


class _Terminal:
    """What a Progress wrote, with a clock the test moves."""

    def __init__(self) -> None:
        self.written: list[str] = []
        self.now = 0.0
        self.requests = 0

    def progress(self, *, room: int = 120) -> Progress:
        return Progress(
            self.written.append,
            room=lambda: room,
            requests=lambda: self.requests,
            deviations=lambda: 1,
            budget=200,
            clock=lambda: self.now,
            every=0.25,
        )


def test_the_line_shows_requests_of_the_budget_the_probe_and_the_deviations() -> None:
    terminal = _Terminal()
    progress = terminal.progress()
    terminal.requests = 57

    progress.doing("surveying the paging probe")

    assert terminal.written == [
        " [conformance: 57/200 requests, surveying the paging probe, 1 deviation confirmed]"
    ]


def test_the_line_is_rewritten_in_place_at_most_every_quarter_second() -> None:
    terminal = _Terminal()
    progress = terminal.progress()
    progress.tick()
    shown = len(terminal.written[0])

    terminal.now = 0.1
    progress(object())  # a request answered too soon after: not drawn
    terminal.now = 0.3
    progress(object())

    assert len(terminal.written) == 2
    assert terminal.written[1].startswith(f"\x1b[{shown}D\x1b[K ")  # back over it, erased


def test_clearing_erases_exactly_what_was_drawn_and_only_once() -> None:
    terminal = _Terminal()
    progress = terminal.progress()
    progress.tick()
    shown = len(terminal.written[0])

    progress.clear()
    progress.clear()

    assert terminal.written[1:] == [f"\x1b[{shown}D\x1b[K"]


def test_the_line_never_outgrows_the_room_left_on_pytest_s_line() -> None:
    narrow, none = _Terminal(), _Terminal()

    narrow.progress(room=40).tick()
    none.progress(room=10).tick()

    assert len(narrow.written[0]) <= 39
    assert narrow.written[0].endswith("]")
    assert none.written == [""]


@pytest.mark.parametrize(
    ("isatty", "verbosity", "environ", "workers", "shown"),
    [
        (True, 0, {}, False, True),
        (False, 0, {}, False, False),  # piped, or a log file
        (True, -1, {}, False, False),  # -q
        (True, 0, {"CI": "true"}, False, False),
        (True, 0, {"BUILD_NUMBER": "7"}, False, False),
        (True, 0, {}, True, False),  # xdist
    ],
)
def test_the_line_is_wanted_only_on_a_terminal_outside_ci_q_and_xdist(
    isatty: bool, verbosity: int, environ: dict[str, str], workers: bool, shown: bool
) -> None:
    assert wanted(isatty=isatty, verbosity=verbosity, environ=environ, workers=workers) is shown


def test_captured_output_holds_no_progress_line(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("BUILD_NUMBER", raising=False)

    result = run_suite(pytester, "--conformance-max-examples=1", "-k", "[DCJ-RESP-006]")

    assert result.ret == pytest.ExitCode.OK
    assert MARK not in result.stdout.str() + result.stderr.str()


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_a_run_on_a_terminal_shows_the_line_and_clears_it_before_pytest_writes(
    pytester: pytest.Pytester,
) -> None:
    env = {name: value for name, value in os.environ.items() if name not in {"CI", "BUILD_NUMBER"}}
    env["COLUMNS"] = "160"
    leader, follower = os.openpty()
    command = [sys.executable, "-m", "pytest", "--pyargs", "conformance.suite"]
    command += ["-p", "no:cacheprovider", "--conformance-seed=1", "--conformance-max-examples=1"]
    command += ["--conformance-target=emulator:limit-off-by-one", "-k", "[DCJ-PAGE-002]"]
    with subprocess.Popen(
        command, stdin=follower, stdout=follower, stderr=follower, env=env, cwd=pytester.path
    ) as process:
        os.close(follower)
        output = b""
        while select.select([leader], [], [], 60)[0]:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the other end closed: the run ended
                break
            if not chunk:
                break
            output += chunk
        process.wait(timeout=60)
    os.close(leader)
    text = output.decode("utf-8", "replace")

    assert process.returncode == pytest.ExitCode.TESTS_FAILED, text
    assert f"{MARK}0/3000 requests, learning the target's jobs" in text
    assert "boundary cases of the responses probe" in text
    # Each drawing is taken away, back over what it wrote, before pytest writes on.
    drawn = [part.split("]", 1)[0] for part in text.split(MARK)[1:]]
    assert text.count("\x1b[K") >= len(drawn) > 0
    assert MARK not in text.split("FAILURES", 1)[1]
