"""The progress line's pytest side: built when a person watches a terminal, cleared before pytest
writes a line of its own (``conformance.progress`` draws it; the plugin calls ``watch``).

Beside the plugin, not in it: the plugin translates options, hooks and fixtures, and this is a
small plugin object of its own, registered only when it is wanted.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conformance.session import Session


def watch(config: pytest.Config, opened: Callable[[pytest.Config], Session]) -> Watch | None:
    """The progress line, registered when a person watches a terminal (``conformance.progress``)."""
    from conformance import progress

    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return None
    writer = config.get_terminal_writer()
    # The terminal writer's stream is private to it; sys.stdout is the same stream at this point.
    stream = progress.terminal(getattr(writer, "_file", sys.stdout))
    workers = getattr(config.option, "numprocesses", None) not in (None, 0)
    if stream is None or not progress.wanted(
        isatty=True, verbosity=config.get_verbosity(), environ=os.environ, workers=workers
    ):
        if stream is not None:
            stream.close()
        return None
    session = opened(config)

    def write(text: str) -> None:
        stream.write(text)
        stream.flush()

    shown = progress.Progress(
        write,
        room=lambda: writer.fullwidth - writer.width_of_current_line,
        requests=lambda: session.client.requests if session.client is not None else 0,
        deviations=lambda: len(
            {e["rule"] for e in session.report.deviations if e.get("severity") == "violation"}
        ),
        budget=session.budget(),
    )
    watch = Watch(shown, stream)
    session.observers.append(shown)
    config.pluginmanager.register(watch, "conformance-progress")
    config.add_cleanup(watch.close)
    return watch


class Watch:
    """Keeps the progress line off pytest's own lines: it is cleared before pytest writes (tryfirst:
    before the terminal reporter's own hooks), and drawn again at the next request."""

    def __init__(self, progress: Any, stream: Any) -> None:
        from conformance.probes.search import WATCHERS

        self.progress = progress
        self.stream = stream
        self.watchers = WATCHERS
        WATCHERS.append(progress.doing)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logstart(self) -> None:
        self.progress.clear()

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self) -> None:
        self.progress.clear()

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logfinish(self) -> None:
        self.progress.clear()

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self) -> None:
        self.close()

    @pytest.hookimpl(tryfirst=True)
    def pytest_keyboard_interrupt(self) -> None:
        self.close()

    def close(self) -> None:
        """Clear the line for good and stop watching."""
        if self.stream.closed:
            return
        self.progress.clear()
        if self.progress.doing in self.watchers:
            self.watchers.remove(self.progress.doing)
        self.stream.close()
