"""The suite's options are declared once: the plugin's ``--conformance-X`` and ``conformance run --X``
are built from the same list (``conformance.options``)."""

from __future__ import annotations

import argparse
from typing import Any

import pytest

from conformance import plugin
from conformance.cli import build_parser
from conformance.options import OPTIONS, PREFIX, REPORTS, given_options

# What a run does and what it shows: declared alike, given alike.
DECLARED = (*OPTIONS, *REPORTS)


class _Group:
    """Collects what ``pytest_addoption`` declares."""

    def __init__(self) -> None:
        self.declared: dict[str, dict[str, Any]] = {}

    def getgroup(self, name: str, description: str = "") -> _Group:
        return self

    def addoption(self, name: str, **keywords: Any) -> None:
        self.declared[name] = keywords


def _run_parser() -> argparse.ArgumentParser:
    commands = next(
        action
        for action in build_parser()._actions
        if isinstance(action, argparse._SubParsersAction)
    )
    run: argparse.ArgumentParser = commands.choices["run"]
    return run


def test_the_plugin_declares_every_option_prefixed_with_its_default() -> None:
    group = _Group()
    plugin.pytest_addoption(group)  # type: ignore[arg-type]

    assert list(group.declared) == [f"--{PREFIX}{option.name}" for option in DECLARED]
    for option in DECLARED:
        declared = group.declared[f"--{PREFIX}{option.name}"]["default"]
        # A text default with a type goes to argparse as None (argparse would run it through the
        # type, which reads the schema in every pytest run); the option supplies it when unset.
        assert option.value(declared) == option.default


def test_conformance_run_takes_every_option_unprefixed_and_without_a_default() -> None:
    run = _run_parser()
    taken = {name for action in run._actions for name in action.option_strings}

    assert {f"--{option.name}" for option in DECLARED} <= taken
    assert vars(run.parse_args([])) | {"command": None} == {
        **{option.dest: None for option in DECLARED},
        "workers": None,
        "pytest_args": [],
        "command": None,
    }


@pytest.mark.parametrize(
    ("argv", "passed"),
    [
        ([], []),
        (["--max-pages", "3"], ["--conformance-max-pages=3"]),
        (
            ["--target", "emulator:churn", "--rate", "0", "--profile", "strict"],
            [
                "--conformance-target=emulator:churn",
                "--conformance-profile=strict",
                "--conformance-rate=0.0",
            ],
        ),
        (
            ["--timeout", "2.5", "--max-time", "60"],
            ["--conformance-timeout=2.5", "--conformance-max-time=60.0"],
        ),
        (
            ["--markdown", "summary.md", "--coverage-fail-under", "90%"],
            ["--conformance-markdown=summary.md", "--conformance-coverage-fail-under=90.0"],
        ),
    ],
)
def test_conformance_run_passes_on_what_it_was_given_as_the_plugins_options(
    argv: list[str], passed: list[str]
) -> None:
    assert given_options(_run_parser().parse_args(argv)) == passed


def test_both_refuse_a_wrong_value_with_the_same_check(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        _run_parser().parse_args(["--record", "run.txt"])

    assert "a cassette is named *.yaml, *.yml or *.json, got 'run.txt'" in capsys.readouterr().err


@pytest.mark.parametrize("given", ["ninety", "101", "-1", "nan"])
def test_a_coverage_threshold_is_a_percentage_from_0_to_100(
    given: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        _run_parser().parse_args(["--coverage-fail-under", given])

    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert f"--coverage-fail-under: expected a percentage from 0 to 100, got '{given}'" in err
