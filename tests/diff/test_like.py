"""``conformance emulator --like``: each choice says whether the recording showed it."""

from __future__ import annotations

from pathlib import Path

from conformance.cassettes.record import Recorder, provenance, write_recording
from conformance.client import Client
from conformance.emulator import command as emulator_command
from conformance.targets import open_target
from conformance.targets.open import recorded_emulator
from tests.diff.conftest import Recording


def test_a_choice_the_recording_does_not_show_is_printed_as_the_emulators_own(
    tmp_path: Path,
) -> None:
    # One job of one listing: no limit above the cap, no order, no app without jobs.
    target = open_target("emulator")
    recorder = Recorder(target, session="main")
    Client(Recording(target, recorder)).call({"app": "app-tg3lbp0a", "limit": 1})
    path = tmp_path / "one.yaml"
    written = provenance(target, 1, zone="pek3a", app="app-tg3lbp0a", seed=0)
    write_recording(path, recorder.interactions, written)

    parser = emulator_command.add_parser(_Commands())
    args = parser.parse_args(["--port", "0", "--like", str(path)])
    _, notes = emulator_command.build(args, recorded=recorded_emulator)
    (like,) = [note for note in notes if note.startswith("like ")]
    choices = like.split(": ", 1)[1].split("; ")
    assert len(choices) == 3, like
    assert all(choice.endswith("(not recorded: its own)") for choice in choices), like


class _Commands:
    """Just enough of argparse's subparsers for ``add_parser``."""

    def add_parser(self, name: str, **options: object) -> object:
        import argparse

        return argparse.ArgumentParser(prog=name)
