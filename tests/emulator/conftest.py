"""Fixtures for the emulator tests: an in-process emulator, a settable clock, a server on port 0."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from conformance.emulator import Emulator, serve
from tests.emulator.helpers import Clock


@pytest.fixture
def clock() -> Clock:
    """A clock that stands still until a test moves it (2026-01-01T00:00:00Z)."""
    return Clock()


@pytest.fixture
def emulator(clock: Clock) -> Emulator:
    """A correct emulator with the default data, the demo key pair and the test's clock."""
    return Emulator(clock=clock)


@pytest.fixture
def url(emulator: Emulator) -> Iterator[str]:
    """The ``emulator`` fixture served over HTTP on 127.0.0.1 (port 0); its endpoint URL."""
    with serve(emulator, log=lambda line: None) as endpoint:
        yield endpoint


@pytest.fixture
def write_data(tmp_path: Any) -> Any:
    """Writes a --data document to a file in the test's temporary folder; returns its path."""

    def write(document: object, name: str = "jobs.json") -> str:
        path = tmp_path / name
        text = document if isinstance(document, str) else json.dumps(document)
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write
