"""Hypothesis profiles, and what several test folders share: pytester, the demo keys, emulators.

Hypothesis profiles are explicit here, never inherited silently.

``ci`` (chosen when the CI variable is set) is derandomized, has no deadline (a shared 2-core machine
makes timings noisy) and keeps no example database, so a run on a clean clone is reproducible.
Derandomized, a test sees the same examples on every run, so their number is all it ever checks: a
test that needs more than ``max_examples`` sets its own count beside it, with the reason (the
signature cross-check against the official SDK in ``tests/test_signing.py``: 100 per verb and path).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator

import pytest

# Loaded here, once, for the whole test process: pytester's in-process runs drop every module first
# imported inside them, and PyYAML's C extension cannot be loaded twice (a second yaml package
# makes libyaml's emitter refuse every document). The plugin imports it only when a run needs it.
import yaml  # noqa: F401
from hypothesis import HealthCheck, settings

from conformance.emulator import DEMO_CREDENTIALS, Emulator, serve
from conformance.targets.credentials import KEY_ID_VARIABLE, SECRET_VARIABLE

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    database=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=60)
settings.load_profile(
    os.environ.get("CONFORMANCE_HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")
)

# pytest_plugins is refused in a conftest below the rootdir, so pytester is loaded here.


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("pytester"):
        config.pluginmanager.import_plugin("pytester")


@pytest.fixture
def demo_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """The emulator's demo key pair in QINGCLOUD_ACCESS_KEY_ID and QINGCLOUD_SECRET_ACCESS_KEY."""
    monkeypatch.setenv(KEY_ID_VARIABLE, DEMO_CREDENTIALS.access_key_id)
    monkeypatch.setenv(SECRET_VARIABLE, DEMO_CREDENTIALS.secret_access_key.reveal())


@pytest.fixture
def emulator_url() -> Iterator[Callable[..., str]]:
    """Serves an emulator with the given faults on 127.0.0.1 port 0 (closed after the test); its URL."""
    with contextlib.ExitStack() as servers:

        def start(*faults: str) -> str:
            return servers.enter_context(serve(Emulator(faults=list(faults))))

        yield start
