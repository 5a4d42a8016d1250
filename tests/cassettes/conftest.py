"""Fixtures for the cassette tests: emulators on port 0, the demo key pair, inner pytest sessions.

The pytester plugin is loaded here, as in tests/suite, because ``pytest_plugins`` is refused in a
conftest below the rootdir.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import pytest

from conformance.emulator import DEMO_CREDENTIALS, Emulator, serve
from conformance.targets.credentials import KEY_ID_VARIABLE, SECRET_VARIABLE


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("pytester"):
        config.pluginmanager.import_plugin("pytester")


@pytest.fixture
def demo_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """The emulator's demo key pair in QINGCLOUD_ACCESS_KEY_ID and QINGCLOUD_SECRET_ACCESS_KEY."""
    monkeypatch.setenv(KEY_ID_VARIABLE, DEMO_CREDENTIALS.access_key_id)
    monkeypatch.setenv(SECRET_VARIABLE, DEMO_CREDENTIALS.secret_access_key)


@pytest.fixture
def emulator_url() -> Iterator[Callable[..., str]]:
    """Serves an emulator with the given faults on 127.0.0.1 port 0 (closed after the test); its URL."""
    with contextlib.ExitStack() as servers:

        def start(*faults: str) -> str:
            return servers.enter_context(serve(Emulator(faults=list(faults))))

        yield start
