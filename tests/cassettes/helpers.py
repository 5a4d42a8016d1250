"""Recording small cassettes, running the suite in an inner session, and checking for secrets."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from conformance.cassettes.record import Recorder, provenance, write_recording
from conformance.client import Client
from conformance.emulator import DEMO_CREDENTIALS, Emulator
from conformance.targets.base import Target
from conformance.targets.emulator import EmulatorTarget
from conformance.targets.live import LiveTarget

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
# Every inner run: the suite by module name, no cache folder, a fixed seed, few examples (every
# probe tries its boundary examples whatever the budget), and the app with 40 jobs, which keeps
# a recording of a whole run to a few MB.
SUITE = (
    "--pyargs",
    "conformance.suite",
    "-p",
    "no:cacheprovider",
    "--conformance-seed=1",
    "--conformance-max-examples=2",
    "--conformance-app=app-5vq6jh0c",
)
APP = "app-5vq6jh0c"

_FAILED = re.compile(r"^FAILED \S*test_rule\[(DCJ-[A-Z]+-\d+)\]")
# A signature value that is not the scrubbed placeholder, in a query or a form body.
_SIGNATURE = re.compile(rb"signature=(?!REDACTED)[^&\s\"']")


def run_suite(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """The suite run in this process against whatever ``args`` name."""
    return pytester.runpytest_inprocess(*SUITE, *args)


def failed_rules(result: pytest.RunResult) -> set[str]:
    """The rules whose test failed, from the short test summary."""
    return {match[1] for line in result.outlines if (match := _FAILED.match(line))}


def record(
    path: Path,
    calls: Iterable[Mapping[str, Any]],
    *,
    faults: Iterable[str] = (),
    emulator: Emulator | None = None,
) -> Path:
    """A cassette of ``calls`` (parameter dicts) answered by an in-process emulator."""
    target = EmulatorTarget(emulator) if emulator is not None else EmulatorTarget(faults=faults)
    return _record(path, target, calls)


def record_http(path: Path, url: str, calls: Iterable[Mapping[str, Any]]) -> Path:
    """A cassette of ``calls`` sent over HTTP to ``url``, signed with the demo key pair."""
    with LiveTarget(url, credentials=DEMO_CREDENTIALS, rate=None) as target:
        return _record(path, target, calls)


def _record(path: Path, target: Target, calls: Iterable[Mapping[str, Any]]) -> Path:
    client = Client(target)
    recorder = Recorder(target)
    client.observers.append(recorder)
    for params in calls:
        client.call(params)
    recorded = provenance(target, len(recorder.interactions), zone="pek3a", app=APP)
    write_recording(path, recorder.interactions, recorded)
    return path


def secrets_in(path: Path) -> list[str]:
    """What the test secrets checks find in a file: independent of the scanner under test."""
    raw = path.read_bytes()
    found = []
    if DEMO_CREDENTIALS.secret_access_key.reveal().encode() in raw:
        found.append(f"{path}: the demo secret access key")
    if DEMO_CREDENTIALS.access_key_id.encode() in raw:
        found.append(f"{path}: the demo access key id")
    if _SIGNATURE.search(raw):
        found.append(f"{path}: a signature= value")
    return found


def cassettes_under(*folders: Path) -> list[Path]:
    """Every .yaml, .yml and .json file under ``folders``."""
    return sorted(
        path
        for folder in folders
        for path in folder.rglob("*")
        if path.suffix in {".yaml", ".yml", ".json"} and path.is_file()
    )
